// fno-opm-import: OPM Flow runs made elsewhere -> one dataset. Each DIR is a directory
// `flow --output-dir` wrote for one case of one grid. By default (-outputs saturation) the
// dataset has schema petsc-fno-dataset-v1, the fields and units of fno-gen; -outputs with
// pressure or rs writes schema petsc-fno-dataset-v2 (opm_trajectory_case.hpp), one output
// component per name. Every run is read and checked first; a run whose grid, cell size or
// report times differ from the first run's is refused by name, and then nothing is written.
// The dataset is written to a temporary file beside FILE.h5 and renamed when complete.
#include <petscsys.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "dataset_file.hpp"
#include "files/trajectory_dataset.hpp"
#include "opm_case_fields.hpp"
#include "opm_run_reader.hpp"
#include "opm_trajectory_case.hpp"
#include "petsc_program.hpp"
#include "simulator_options.hpp"

static const char help[] =
    "fno-opm-import: turns OPM Flow output directories (one run each, one grid) into a petsc-fno dataset.\n"
    "usage: fno-opm-import -output FILE.h5 [-case NAME] [-outputs LIST] [-co2_density RHO -co2_surface_density RHO_S] DIR...\n"
    "(options first, each with a value; then the run directories). The injection map comes from the gas injectors'\n"
    "connections (UNRST ICON) and the injected total (summary FGIT), converted to reservoir m^3/day with fno-sim's\n"
    "-co2_surface_density / -co2_density and shared over the connections in proportion to PERMX, as fno-sim does.\n"
    "-outputs LIST: comma separated, from saturation (SGAS), pressure (PRESSURE, bar), rs (RS, sm^3/sm^3); default\n"
    "saturation, which writes schema petsc-fno-dataset-v1. Any other list writes schema petsc-fno-dataset-v2: one\n"
    "output component per name (in the order saturation, pressure, rs), the same input fields, the initial state\n"
    "(report 0), times in days.\n\n";

namespace {

namespace fs = std::filesystem;

// The run directories: command-line tokens that are neither options nor option values.
std::vector<std::string> RunDirectories() {
  int argc = 0;
  char** argv = nullptr;
  PetscGetArgs(&argc, &argv);
  std::vector<std::string> dirs;
  for (int a = 1; a < argc; ++a) {
    const std::string token = argv[a];
    if (token.size() > 1 && token[0] == '-' && !std::isdigit(static_cast<unsigned char>(token[1]))) {
      if (a + 1 < argc && argv[a + 1][0] != '-') ++a;  // its value
      continue;
    }
    dirs.push_back(token);
  }
  return dirs;
}

// Schema v1 (the default): each rank writes its share of the cases to `temp` with independent
// I/O. *error: this rank's first failure (empty when none).
PetscErrorCode WriteDatasetV1(const std::vector<std::string>& dirs, const char* case_name, const fno::sim::SimulatorConfig& config,
                              const std::string& temp, std::string* error) {
  PetscFunctionBeginUser;
  PetscMPIInt rank, size;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  fno::sim::DatasetFile file;
  try {
    fno::sim::H5QuietErrors quiet;
    file.Create(PETSC_COMM_WORLD, temp, config, static_cast<int>(dirs.size()));
  } catch (const std::exception& e) {
    *error = e.what();
  }
  int failed = error->empty() ? 0 : 1, any = 0;
  PetscCallMPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
  PetscCheck(!any, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "fno-opm-import: cannot create %s: %s", temp.c_str(), error->c_str());
  std::vector<hsize_t> start, count;
  for (int a = config.grid.Dimension() - 1; a >= 0; --a) {
    start.push_back(0);
    count.push_back(static_cast<hsize_t>(config.grid.cells[a]));
  }
  const std::vector<double> no_parameters(fno::sim::DatasetParameterNames().size(), std::nan(""));
  for (std::size_t d = rank; d < dirs.size() && error->empty(); d += size) {
    try {
      const fno::opm::OpmRun run = fno::opm::ReadOpmRun(dirs[d], case_name);
      const fno::opm::CaseFields fields = fno::opm::ToCaseFields(run, config);
      fno::sim::H5QuietErrors quiet;
      const int c = static_cast<int>(d);
      file.WriteInputs(c, start, count, fields.inputs);
      file.WriteOutputs(c, start, count, fields.outputs);
      file.WriteRecord(c, -1, no_parameters);
      file.MarkDone(c);
      std::printf("fno-opm-import: case %zu/%zu <- %s\n", d + 1, dirs.size(), run.base.c_str());
      std::fflush(stdout);
    } catch (const std::exception& e) {
      *error = e.what();
    }
  }
  try {
    fno::sim::H5QuietErrors quiet;
    file.Close();
  } catch (const std::exception& e) {
    if (error->empty()) *error = e.what();
  }
  PetscFunctionReturn(0);
}

// Schema v2 (-outputs other than saturation alone): the cases one after another into `temp`,
// every rank writing its block of each (TrajectoryWriter, collective I/O). *error: the first
// failure (empty when none).
PetscErrorCode WriteTrajectories(const std::vector<std::string>& dirs, const char* case_name,
                                 const fno::sim::SimulatorConfig& config, const std::vector<std::string>& outputs,
                                 const std::string& temp, std::string* error) {
  PetscFunctionBeginUser;
  PetscMPIInt rank, size;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  const fno::TrajectoryLayout layout = fno::opm::TrajectoryLayoutOf(config, outputs);
  const fno::GridBlock block = fno::opm::RankBlock(layout.grid, rank, size);
  // The writer appends to an existing file: a stray temporary file of an earlier import
  // with this process id must not become part of this dataset.
  if (rank == 0) {
    std::error_code ec;
    fs::remove(temp, ec);
  }
  for (std::size_t d = 0; d < dirs.size() && error->empty(); ++d) {
    fno::opm::OpmRun run;
    fno::opm::CaseFields fields;
    try {
      run = fno::opm::ReadOpmRun(dirs[d], case_name);
      fields = fno::opm::ToCaseFields(run, config);
    } catch (const std::exception& e) {
      *error = e.what();
    }
    int failed = error->empty() ? 0 : 1, any = 0;
    PetscCallMPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
    if (any) {
      if (error->empty()) *error = "another rank failed";
      break;
    }
    // Every call below is collective and fails alike on every rank.
    try {
      fno::TrajectoryWriter writer(PETSC_COMM_WORLD, temp, layout, block);
      writer.write_initial(fno::opm::BlockRows(fno::opm::OpmState(run, fields, outputs, 0), layout.grid, block));
      writer.write_inputs(fno::opm::BlockRows(fields.inputs, layout.grid, block));
      const std::vector<double> parameters = {run.injection_surface_rate};
      writer.write_record(-1, parameters);
      for (std::size_t k = 0; k < layout.times.size(); ++k)
        writer.write_snapshot(static_cast<fno::Index>(k),
                              fno::opm::BlockRows(fno::opm::OpmState(run, fields, outputs, k), layout.grid, block));
      writer.mark_done();
    } catch (const std::exception& e) {
      *error = e.what();
    }
    if (error->empty())
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-opm-import: case %zu/%zu <- %s\n", d + 1, dirs.size(), run.base.c_str()));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode RunProgram() {
  PetscFunctionBeginUser;
  fno::sim::SimulatorConfig base;
  PetscCall(fno::sim::ReadSimulatorConfig(PETSC_COMM_WORLD, &base));
  char output[PETSC_MAX_PATH_LEN] = "", case_name[256] = "", outputs_list[256] = "saturation";
  PetscBool output_set = PETSC_FALSE;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-opm-import", "FNO");
  PetscCall(PetscOptionsString("-output", "dataset file to write", "", output, output, sizeof(output), &output_set));
  PetscCall(PetscOptionsString("-case", "case name inside each DIR (default: the one *.EGRID there)", "", case_name, case_name,
                               sizeof(case_name), nullptr));
  PetscCall(PetscOptionsString("-outputs",
                               "outputs to store, comma separated, from saturation, pressure, rs (saturation alone: schema "
                               "v1; any other list: schema v2)",
                               "", outputs_list, outputs_list, sizeof(outputs_list), nullptr));
  PetscOptionsEnd();
  PetscBool help = PETSC_FALSE;
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(output_set && output[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "fno-opm-import: -output FILE.h5 is required");
  std::vector<std::string> outputs;
  std::string refusal;
  try {
    outputs = fno::opm::ParseOpmOutputs(outputs_list);
  } catch (const std::exception& e) {
    refusal = e.what();
  }
  PetscCheck(refusal.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "fno-opm-import: -outputs %s: %s; nothing written",
             outputs_list, refusal.c_str());
  const bool trajectories = outputs != std::vector<std::string>{"saturation"};
  const std::vector<std::string> dirs = RunDirectories();
  PetscCheck(!dirs.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "fno-opm-import: name at least one OPM run directory after the options");

  // Pass 1 (every rank reads every run; nothing is written yet): the first run sets the grid.
  fno::sim::SimulatorConfig config;
  for (std::size_t d = 0; d < dirs.size() && refusal.empty(); ++d) {
    try {
      const fno::opm::OpmRun run = fno::opm::ReadOpmRun(dirs[d], case_name);
      if (d == 0) config = fno::opm::ConfigOfRun(run, base);
      const std::string mismatch = fno::opm::GridMismatch(run, config);
      if (!mismatch.empty()) refusal = mismatch + " (the first run, " + dirs[0] + ", sets the dataset's grid); refused";
      else (void)fno::opm::ToCaseFields(run, config);
    } catch (const std::exception& e) {
      refusal = e.what();
    }
  }
  PetscCheck(refusal.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "fno-opm-import: %s; nothing written", refusal.c_str());

  // Pass 2: write a temporary file, rename it when every case is in.
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  long long pid = static_cast<long long>(::getpid());
  PetscCallMPI(MPI_Bcast(&pid, 1, MPI_LONG_LONG, 0, PETSC_COMM_WORLD));
  const std::string path = output, temp = path + ".tmp." + std::to_string(pid);
  std::string error;
  if (trajectories) PetscCall(WriteTrajectories(dirs, case_name, config, outputs, temp, &error));
  else PetscCall(WriteDatasetV1(dirs, case_name, config, temp, &error));
  int failed = error.empty() ? 0 : 1, any = 0;
  PetscCallMPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
  if (any) {
    if (rank == 0) std::remove(temp.c_str());
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "fno-opm-import: %s; nothing written",
            error.empty() ? "another rank failed" : error.c_str());
  }
  if (rank == 0) failed = std::rename(temp.c_str(), path.c_str()) != 0;
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(!failed, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "fno-opm-import: cannot rename %s to %s", temp.c_str(), path.c_str());
  std::string stored;
  if (trajectories) {
    for (const std::string& name : outputs) stored += (stored.empty() ? ", outputs " : ",") + name;
    stored += ", schema " + std::string(fno::kTrajectorySchema);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-opm-import: %zu runs (%s %dx%dx%d, %zu snapshots to %.1f days%s) -> %s\n", dirs.size(),
                        fno::sim::GeometryName(config.grid.geometry), config.grid.cells[0], config.grid.cells[1],
                        config.grid.cells[2], config.report_times.size() + 1,
                        config.report_times.back() / fno::sim::kSecondsPerDay, stored.c_str(), path.c_str()));
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-opm-import", RunProgram); }
