// fno-gen: a dataset of N simulated cases in one HDF5 file (schema in dataset_file.hpp).
// Ranks are split into groups of -group_size ranks; each group simulates its cases on its own
// sub-communicator and writes them with independent parallel-HDF5 I/O. A case's /done flag
// is set only after all its data are written, so a killed run resumes (automatically, when
// -output names an existing dataset of the same shape) without redoing finished cases.
#include <petscts.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "petsc_program.hpp"
#include "cell_block.hpp"
#include "dataset_file.hpp"
#include "random_stream.hpp"
#include "simulator_options.hpp"
#include "two_phase_simulator.hpp"

static const char help[] =
    "fno-gen: generates a dataset of N CO2-brine simulations (inputs: log10 permeability, porosity, injection\n"
    "rate; outputs: CO2 saturation at the report times). All fno-sim options set the base case.\n"
    "Options: -n N -seed S -output FILE.h5 [-group_size G] [-overwrite] [-gen_model channels|gaussian|mixed]\n\n";

namespace {

struct GenOptions {
  PetscInt cases = 10;
  PetscInt seed = 0;
  PetscInt group_size = 1;
  char output[PETSC_MAX_PATH_LEN] = "dataset.h5";
  char model[64] = "";
  PetscBool overwrite = PETSC_FALSE;
};

PetscErrorCode ReadGenOptions(GenOptions* o) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-gen dataset", "FNO");
  PetscCall(PetscOptionsInt("-n", "number of cases", "", o->cases, &o->cases, nullptr));
  PetscCall(PetscOptionsInt("-seed", "dataset seed (case seeds derive from it)", "", o->seed, &o->seed, nullptr));
  PetscCall(PetscOptionsInt("-group_size", "ranks per simulation", "", o->group_size, &o->group_size, nullptr));
  PetscCall(PetscOptionsString("-output", "dataset file", "", o->output, o->output, sizeof(o->output), nullptr));
  PetscCall(PetscOptionsString("-gen_model", "channels, gaussian or mixed (alternating); default: -perm_model", "",
                               o->model, o->model, sizeof(o->model), nullptr));
  PetscCall(PetscOptionsBool("-overwrite", "start a new file even if -output holds a resumable dataset", "", o->overwrite,
                             &o->overwrite, nullptr));
  PetscOptionsEnd();
  PetscCheck(o->cases >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n must be >= 1");
  PetscCheck(o->seed >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be >= 0");
  PetscFunctionReturn(0);
}

// Seed of case c: a hash of (dataset seed, case), kept below 2^53 so it is exact as a double.
std::uint64_t CaseSeed(std::uint64_t dataset_seed, int c) {
  return fno::sim::MixBits(fno::sim::MixBits(dataset_seed) ^ static_cast<std::uint64_t>(c)) >> 11;
}

// Runs case c on the group's communicator and writes it. Collective over `group`.
PetscErrorCode RunCase(MPI_Comm group, const fno::sim::SimulatorConfig& base, const GenOptions& options, int c,
                       const fno::sim::DatasetFile& file) {
  PetscFunctionBeginUser;
  fno::sim::SimulatorConfig config = base;
  config.earth.seed = CaseSeed(static_cast<std::uint64_t>(options.seed), c);
  const std::string model = options.model;
  if (model == "mixed") {
    config.earth.model = c % 2 ? fno::sim::PermeabilityModel::Gaussian : fno::sim::PermeabilityModel::Channels;
  } else if (!model.empty()) {
    try {
      config.earth.model = fno::sim::ParsePermeabilityModel(model);
    } catch (const std::exception& e) {
      SETERRQ(group, PETSC_ERR_ARG_OUTOFRANGE, "%s", e.what());
    }
  }
  fno::sim::TwoPhaseSimulator simulator(group, config);
  PetscCall(simulator.SetUp(true));
  fno::sim::CellBlock block;
  PetscCall(fno::sim::GetCellBlock(simulator.Grid(), &block));
  const PetscInt local = block.OwnedCount();
  const int times = file.TimeCount();
  std::vector<double> history(static_cast<std::size_t>(times) * local);
  PetscCall(simulator.Run([&](int report, double, Vec saturation) -> PetscErrorCode {
    PetscFunctionBeginUser;
    const PetscScalar* s;
    PetscCall(VecGetArrayRead(saturation, &s));
    std::copy(s, s + local, history.begin() + static_cast<std::ptrdiff_t>(report) * local);
    PetscCall(VecRestoreArrayRead(saturation, &s));
    PetscFunctionReturn(0);
  }));
  std::vector<double> inputs(static_cast<std::size_t>(fno::sim::kDatasetInputFields) * local);
  const PetscScalar *perm, *phi, *q;
  PetscCall(VecGetArrayRead(simulator.PermeabilityMilliDarcy(), &perm));
  PetscCall(VecGetArrayRead(simulator.Porosity(), &phi));
  PetscCall(VecGetArrayRead(simulator.InjectionRatePerCell(), &q));
  for (PetscInt i = 0; i < local; ++i) {
    inputs[i] = std::log10(perm[i]);
    inputs[local + i] = phi[i];
    inputs[2 * local + i] = q[i] * fno::sim::kSecondsPerDay;
  }
  PetscCall(VecRestoreArrayRead(simulator.PermeabilityMilliDarcy(), &perm));
  PetscCall(VecRestoreArrayRead(simulator.Porosity(), &phi));
  PetscCall(VecRestoreArrayRead(simulator.InjectionRatePerCell(), &q));
  std::vector<hsize_t> start, count;
  for (int a = config.grid.Dimension() - 1; a >= 0; --a) {
    start.push_back(static_cast<hsize_t>(block.start[a]));
    count.push_back(static_cast<hsize_t>(block.size[a]));
  }
  PetscMPIInt group_rank;
  PetscCallMPI(MPI_Comm_rank(group, &group_rank));
  int failed = 0;
  try {
    fno::sim::H5QuietErrors quiet;
    file.WriteInputs(c, start, count, inputs);
    file.WriteOutputs(c, start, count, history);
    if (group_rank == 0)
      file.WriteRecord(c, static_cast<std::int64_t>(config.earth.seed), fno::sim::SummarizeParameters(simulator.EarthModelParameters()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fno-gen: case %d: %s\n", c, e.what());
    failed = 1;
  }
  int any_failed = 0;
  PetscCallMPI(MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, group));
  PetscCheck(!any_failed, group, PETSC_ERR_FILE_WRITE, "writing case %d failed", c);
  // Every rank's data are written (MPI-IO calls have returned) before the flag is set.
  if (group_rank == 0) {
    try {
      fno::sim::H5QuietErrors quiet;
      file.MarkDone(c);
    } catch (const std::exception& e) {
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "case %d: %s", c, e.what());
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode RunProgram() {
  PetscFunctionBeginUser;
  fno::sim::SimulatorConfig base;
  PetscCall(fno::sim::ReadSimulatorConfig(PETSC_COMM_WORLD, &base));
  GenOptions options;
  PetscCall(ReadGenOptions(&options));
  PetscBool help = PETSC_FALSE;
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  if (help) {
    // Show the solver options of one case too, then stop.
    fno::sim::TwoPhaseSimulator probe(PETSC_COMM_WORLD, base);
    PetscCall(probe.SetUp(true));
    PetscFunctionReturn(0);
  }
  PetscMPIInt rank, size;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(options.group_size >= 1 && size % options.group_size == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-group_size %d must divide the number of ranks %d", (int)options.group_size, (int)size);
  const int groups = size / static_cast<int>(options.group_size);
  const int group_id = rank / static_cast<int>(options.group_size);
  MPI_Comm group;
  PetscCallMPI(MPI_Comm_split(PETSC_COMM_WORLD, group_id, rank, &group));

  const std::string path = options.output;
  const int cases = static_cast<int>(options.cases);
  fno::sim::DatasetFile file;
  bool resumed = false;
  std::vector<int> unfinished;
  {
    // Resume an existing file unless -overwrite; the cases still to run.
    std::string error;
    try {
      resumed = file.OpenOrCreate(PETSC_COMM_WORLD, path, base, cases, options.overwrite);
    } catch (const std::exception& e) {
      error = e.what();
    }
    PetscCheck(error.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "fno-gen: %s", error.c_str());
    try {
      unfinished = file.UnfinishedCases();
    } catch (const std::exception& e) {
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s", e.what());
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-gen: %s %s: %d cases, %d already done, %d to run on %d group(s) of %d rank(s)\n",
                        resumed ? "resuming" : "writing", path.c_str(), cases, cases - (int)unfinished.size(), (int)unfinished.size(),
                        groups, (int)options.group_size));
  std::vector<int> mine;
  for (std::size_t i = group_id; i < unfinished.size(); i += groups) mine.push_back(unfinished[i]);
  PetscMPIInt group_rank;
  PetscCallMPI(MPI_Comm_rank(group, &group_rank));
  const double start = MPI_Wtime();
  int failed_cases = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const double case_start = MPI_Wtime();
    // A failing case (errors are collective over the group) is reported and left undone, so
    // the other groups are not left waiting and a rerun retries it.
    if (RunCase(group, base, options, mine[i], file) != 0) {
      ++failed_cases;
      if (group_rank == 0) std::fprintf(stderr, "fno-gen: case %d failed (left undone; rerun to retry)\n", mine[i] + 1);
      continue;
    }
    if (group_rank == 0) {
      const double now = MPI_Wtime();
      const double per_case = (now - start) / static_cast<double>(i + 1);
      const double eta = per_case * static_cast<double>(mine.size() - i - 1);
      std::printf("fno-gen: case %d/%d done by group %d in %.2f s (%zu/%zu of this group), elapsed %.1f s, ETA %.1f s\n",
                  mine[i] + 1, cases, group_id, now - case_start, i + 1, mine.size(), now - start, eta);
      std::fflush(stdout);
    }
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  try {
    fno::sim::H5QuietErrors quiet;
    file.Close();
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "%s", e.what());
  }
  const double wall = MPI_Wtime() - start;
  int total_failed = 0;
  PetscCallMPI(MPI_Allreduce(&failed_cases, &total_failed, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  total_failed /= static_cast<int>(options.group_size);  // every rank of a group counted the case
  const int completed = static_cast<int>(unfinished.size()) - total_failed;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-gen: %d cases in %.1f s (%.0f cases/hour) -> %s\n", completed, wall,
                        wall > 0 ? 3600.0 * completed / wall : 0.0, path.c_str()));
  PetscCallMPI(MPI_Comm_free(&group));
  PetscCheck(total_failed == 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "%d case(s) failed; rerun the same command to retry them",
             total_failed);
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-gen", RunProgram); }
