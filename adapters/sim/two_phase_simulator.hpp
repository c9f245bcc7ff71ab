// The reference simulator: IMPES for incompressible immiscible CO2-brine flow on a DMDA.
// The state of the PETSc TS is the CO2 saturation (one dof per cell). The TS right-hand
// side solves the pressure equation for the current saturation (KSP, options prefix
// "pressure_") and returns dS/dt = (q - div F_co2) / phi per cell, so any TS type chosen
// with -ts_type (explicit default, implicit with SNES, or a surrogate such as -ts_type fno)
// advances the same model. TS time is in seconds.
#pragma once

#include <petscdmda.h>
#include <petscts.h>

#include <functional>
#include <memory>
#include <vector>

#include "cell_block.hpp"
#include "simulator_config.hpp"
#include "two_point_flux.hpp"

namespace fno::sim {

struct SimulatorLogEvents {
  PetscLogEvent pressure_solve = 0, saturation_update = 0, output = 0;
};
// Registers the events once per process (idempotent).
PetscErrorCode RegisterSimulatorLogEvents(SimulatorLogEvents* events);

class TwoPhaseSimulator {
 public:
  // Called at time 0 (report 0) and at every report time with the saturation there.
  using ReportCallback = std::function<PetscErrorCode(int report, double time_seconds, Vec saturation)>;

  TwoPhaseSimulator(MPI_Comm comm, SimulatorConfig config);
  ~TwoPhaseSimulator();
  TwoPhaseSimulator(const TwoPhaseSimulator&) = delete;
  TwoPhaseSimulator& operator=(const TwoPhaseSimulator&) = delete;

  // Builds the grid, earth model, wells and solvers. Bad inputs raise PETSc errors on every
  // rank of the communicator. With options_from_command_line, the TS and pressure KSP read
  // PETSc options (-ts_type, -pressure_ksp_type, ...).
  PetscErrorCode SetUp(bool options_from_command_line = true);
  // Runs to the last report time, calling the callback at every report.
  PetscErrorCode Run(const ReportCallback& on_report);

  // Solves for the pressure of a saturation field; AbsolutePressure returns p in Pa.
  PetscErrorCode ComputePressure(Vec saturation);
  PetscErrorCode AbsolutePressure(Vec pressure_pa) const;

  // Volumes in m^3 (reservoir conditions).
  PetscErrorCode Co2InPlace(Vec saturation, double* volume) const;
  double InjectionRate() const { return total_injection_rate_; }  // m^3/s
  double CumulativeOutflow() const { return cumulative_outflow_; }  // CO2 through open sides
  PetscInt StepCount() const { return step_count_; }
  // Wall time spent inside TSSolve during Run() (rank 0's clock): the time stepping alone,
  // without output or the pressure recomputed for it.
  double TsSolveSeconds() const { return ts_solve_seconds_; }
  PetscInt PressureSolveCount() const { return pressure_solves_; }
  PetscInt PressureIterationCount() const { return pressure_iterations_; }
  PetscInt PreconditionerRefresh() const { return preconditioner_refresh_; }

  const SimulatorConfig& Config() const { return config_; }
  MPI_Comm Comm() const { return comm_; }
  DM Grid() const { return da_; }
  TS Stepper() const { return ts_; }
  KSP PressureKsp() const { return ksp_; }
  Vec Saturation() const { return saturation_; }
  Vec PermeabilityMilliDarcy() const { return permeability_md_; }
  Vec Porosity() const { return porosity_; }
  Vec InjectionRatePerCell() const { return source_; }  // m^3/s of CO2 per cell
  const std::vector<std::pair<std::string, double>>& EarthModelParameters() const { return earth_parameters_; }

 private:
  PetscErrorCode CreateGrid();
  PetscErrorCode CreateEarthModel();
  PetscErrorCode LoadEarthModelFromFile();
  PetscErrorCode LoadEarthModelFromGrdecl();
  PetscErrorCode CheckEarthModel();
  PetscErrorCode CreateSources();
  PetscErrorCode ComposeInputFields();
  PetscErrorCode CreateInitialSaturation();
  PetscErrorCode CreatePressureSolver(bool options_from_command_line);
  PetscErrorCode CreateTimeStepper(bool options_from_command_line);
  PetscErrorCode UpdateMobilities(Vec saturation);  // ghost exchange + per-cell mobilities
  PetscErrorCode SolvePressure();
  PetscErrorCode AssemblePressureSystem();
  PetscErrorCode EvaluateSaturationRate(Vec rate);
  PetscErrorCode RightHandSide(PetscReal time, Vec saturation, Vec rate);

  static PetscErrorCode TsRightHandSide(TS ts, PetscReal time, Vec saturation, Vec rate, void* context);
  static PetscErrorCode TsPreStep(TS ts);
  static PetscErrorCode TsPostStep(TS ts);

  MPI_Comm comm_;
  SimulatorConfig config_;
  SimulatorLogEvents events_;
  WaveSpeedBounds wave_speeds_;
  CellBlock block_;
  DM da_ = nullptr;
  DM field_da_ = nullptr;  // same layout as da_; holds the static fields composed on da_
  Vec saturation_ = nullptr, saturation_ghosted_ = nullptr;
  Vec overpressure_ = nullptr, overpressure_ghosted_ = nullptr, lagged_overpressure_ghosted_ = nullptr;
  Vec permeability_md_ = nullptr, permeability_ghosted_ = nullptr;  // mD (global), m^2 (ghosted)
  Vec porosity_ = nullptr, source_ = nullptr, pressure_rhs_ = nullptr;
  Mat pressure_matrix_ = nullptr;
  KSP ksp_ = nullptr;
  TS ts_ = nullptr;
  std::vector<std::pair<std::string, double>> earth_parameters_;
  double total_injection_rate_ = 0;
  // Explicit-step bookkeeping: the CFL step and the CO2 outflow rate of the latest RHS
  // evaluation, and the outflow rate at the start of the current step.
  double cfl_time_step_ = 0;
  double last_outflow_rate_ = 0;
  double step_start_time_ = 0, step_start_outflow_rate_ = 0;
  bool step_start_rate_known_ = false;
  PetscInt rhs_calls_in_step_ = 0;  // 0 after a step: the integrator (e.g. a surrogate) did not use the RHS
  double cumulative_outflow_ = 0;
  double ts_solve_seconds_ = 0;
  PetscInt step_count_ = 0, pressure_solves_ = 0, pressure_iterations_ = 0;
  PetscInt rhs_calls_since_pressure_ = 0;
  PetscInt preconditioner_refresh_ = 1;
  std::vector<double> face_total_flux_;
  std::vector<CellMobility> mobility_;  // per ghosted cell, for the current saturation  // per owned cell, 2 * dim faces, m^3/s (c -> nb)
};

}  // namespace fno::sim
