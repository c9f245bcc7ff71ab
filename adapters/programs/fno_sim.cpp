// fno-sim: the reference CO2-brine simulator as a command-line PETSc TS program.
// With no options it runs the OPM benchmark case (64x64 vertical slice, channel field,
// 51 snapshots over 10 years) and writes sim-output/solution.{pvd,h5} and .pvts files.
#include <petscts.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "petsc_program.hpp"
#include "grdecl_export.hpp"
#include "simulator_options.hpp"
#include "snapshot_file.hpp"
#include "two_phase_simulator.hpp"
#include "vtk_series.hpp"

static const char help[] =
    "fno-sim: incompressible immiscible CO2-brine flow with gravity on a DMDA (IMPES through a PETSc TS).\n"
    "The TS state is the CO2 saturation; -ts_type selects the integrator (euler default, ssp, beuler, or a\n"
    "surrogate such as fno). The pressure KSP takes options with the prefix -pressure_.\n"
    "Program options: -output DIR, -output_vtk, -output_h5, -bench, -sim_monitor, -export_grdecl FILE.\n\n";

namespace {

struct ProgramOptions {
  char output[PETSC_MAX_PATH_LEN] = "sim-output";
  char grdecl[PETSC_MAX_PATH_LEN] = "";
  PetscBool output_set = PETSC_FALSE, vtk = PETSC_TRUE, h5 = PETSC_TRUE, bench = PETSC_FALSE, monitor = PETSC_FALSE;
  PetscBool grdecl_set = PETSC_FALSE;
};

PetscErrorCode ReadProgramOptions(ProgramOptions* o) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-sim output", "FNO");
  PetscCall(PetscOptionsString("-output", "directory for solution.pvd, solution-NNN.pvts and solution.h5", "", o->output,
                               o->output, sizeof(o->output), &o->output_set));
  PetscCall(PetscOptionsBool("-output_vtk", "write the VTK series", "", o->vtk, &o->vtk, nullptr));
  PetscCall(PetscOptionsBool("-output_h5", "write solution.h5", "", o->h5, &o->h5, nullptr));
  PetscCall(PetscOptionsBool("-bench", "time the run and print one JSON line (no output files unless -output)", "",
                             o->bench, &o->bench, nullptr));
  PetscCall(PetscOptionsBool("-sim_monitor", "print CO2 volumes at every report", "", o->monitor, &o->monitor, nullptr));
  PetscCall(PetscOptionsString("-export_grdecl", "write PERMX/PERMY/PERMZ/PORO of the case as an Eclipse include file", "",
                               o->grdecl, o->grdecl, sizeof(o->grdecl), &o->grdecl_set));
  PetscOptionsEnd();
  if (o->bench && !o->output_set) o->vtk = o->h5 = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode RunProgram() {
  PetscFunctionBeginUser;
  fno::sim::SimulatorConfig config;
  PetscCall(fno::sim::ReadSimulatorConfig(PETSC_COMM_WORLD, &config));
  ProgramOptions options;
  PetscCall(ReadProgramOptions(&options));
  fno::sim::TwoPhaseSimulator simulator(PETSC_COMM_WORLD, config);
  PetscCall(simulator.SetUp(true));  // also registers the TS and pressure-KSP options
  PetscBool help = PETSC_FALSE;
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  if (help) PetscFunctionReturn(0);  // -help lists the options and does not run
  if (options.grdecl_set) PetscCall(fno::sim::ExportGrdecl(simulator, options.grdecl));
  // The time stepper's one-time set-up (work vectors; a surrogate such as -ts_type fno loads
  // its model here) before the timed run, so that TSSolve times the time stepping alone.
  PetscCall(TSSetUp(simulator.Stepper()));

  fno::sim::SimulatorLogEvents events;
  PetscCall(fno::sim::RegisterSimulatorLogEvents(&events));
  const std::string directory = options.output;
  const int snapshots = static_cast<int>(config.report_times.size()) + 1;
  fno::sim::SnapshotFile h5;
  fno::sim::VtkSeries vtk;
  Vec pressure;
  PetscCall(VecDuplicate(simulator.Saturation(), &pressure));
  PetscCall(PetscObjectSetName((PetscObject)pressure, "pressure"));
  if (options.vtk) PetscCall(vtk.Create(simulator.Grid(), config.grid, directory));
  if (options.h5) {
    if (!options.vtk) {  // the VTK series creates the directory otherwise
      fno::sim::VtkSeries directory_maker;
      PetscCall(directory_maker.Create(simulator.Grid(), config.grid, directory));
    }
    PetscCall(h5.Create(simulator.Grid(), directory + "/solution.h5", snapshots));
    PetscCall(h5.WriteStatic(simulator.PermeabilityMilliDarcy(), simulator.Porosity(), simulator.InjectionRatePerCell()));
  }
  const bool write = options.vtk || options.h5;
  auto on_report = [&](int report, double time, Vec saturation) -> PetscErrorCode {
    PetscFunctionBeginUser;
    const double days = time / fno::sim::kSecondsPerDay;
    if (write || options.monitor) {
      PetscCall(simulator.ComputePressure(saturation));
      PetscCall(simulator.AbsolutePressure(pressure));
    }
    if (write) {
      PetscCall(PetscLogEventBegin(events.output, 0, 0, 0, 0));
      if (options.h5) PetscCall(h5.WriteSnapshot(report, days, saturation, pressure));
      if (options.vtk)
        PetscCall(vtk.WriteSnapshot(report, days,
                                    {{"saturation", saturation},
                                     {"pressure", pressure},
                                     {"permeability", simulator.PermeabilityMilliDarcy()},
                                     {"porosity", simulator.Porosity()}}));
      PetscCall(PetscLogEventEnd(events.output, 0, 0, 0, 0));
    }
    if (options.monitor) {
      double in_place;
      PetscCall(simulator.Co2InPlace(saturation, &in_place));
      const double injected = simulator.InjectionRate() * time;
      const double out = simulator.CumulativeOutflow();
      PetscReal s_max;
      PetscCall(VecMax(saturation, nullptr, &s_max));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "report %3d  t = %8.2f d  steps %6d  CO2 in place %.6e m3  injected %.6e  out %.6e  "
                            "balance error %.2e  max S %.4f\n",
                            report, days, (int)simulator.StepCount(), in_place, injected, out,
                            injected > 0 ? std::abs(injected - in_place - out) / injected : 0.0, (double)s_max));
    }
    PetscFunctionReturn(0);
  };
  const double start = MPI_Wtime();
  PetscCall(simulator.Run(on_report));
  const double wall = MPI_Wtime() - start;
  if (options.h5) PetscCall(h5.Close());
  PetscCall(VecDestroy(&pressure));

  KSPType ksp_type;
  PCType pc_type;
  PC pc;
  TSType ts_type;
  PetscCall(KSPGetType(simulator.PressureKsp(), &ksp_type));
  PetscCall(KSPGetPC(simulator.PressureKsp(), &pc));
  PetscCall(PCGetType(pc, &pc_type));
  PetscCall(TSGetType(simulator.Stepper(), &ts_type));
  PetscMPIInt ranks;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &ranks));
  const auto& cells = config.grid.cells;
  const std::string grid = config.grid.Dimension() == 3
                               ? std::to_string(cells[0]) + "," + std::to_string(cells[1]) + "," + std::to_string(cells[2])
                               : std::to_string(cells[0]) + "," + std::to_string(cells[1]);
  const double mean_its = simulator.PressureSolveCount() ? double(simulator.PressureIterationCount()) / simulator.PressureSolveCount() : 0;
  if (options.bench) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "{\"bench\":\"sim\",\"geometry\":\"%s\",\"grid\":[%s],\"ranks\":%d,\"ts\":\"%s\",\"ksp\":\"%s\","
                          "\"pc\":\"%s\",\"pc_refresh\":%d,\"reports\":%d,\"wall_s\":%.4f,\"steps\":%d,"
                          "\"pressure_solves\":%d,\"ksp_its_mean\":%.2f,\"tssolve_s\":%.4f}\n",
                          fno::sim::GeometryName(config.grid.geometry), grid.c_str(), (int)ranks, ts_type, ksp_type, pc_type,
                          (int)simulator.PreconditionerRefresh(), snapshots, wall, (int)simulator.StepCount(), (int)simulator.PressureSolveCount(), mean_its,
                          simulator.TsSolveSeconds()));
  } else {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "fno-sim: %s grid %s on %d rank(s), %d snapshots to t = %.1f days, %d steps (%s), %d pressure "
                          "solves (%s/%s, %.1f its), %.2f s (%.4f s in TSSolve)%s%s\n",
                          fno::sim::GeometryName(config.grid.geometry), grid.c_str(), (int)ranks, snapshots,
                          config.report_times.back() / fno::sim::kSecondsPerDay, (int)simulator.StepCount(), ts_type,
                          (int)simulator.PressureSolveCount(), ksp_type, pc_type, mean_its, wall, simulator.TsSolveSeconds(),
                          write ? ", output in " : "",
                          write ? directory.c_str() : ""));
  }
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-sim", RunProgram); }
