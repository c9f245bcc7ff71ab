// fno-opm-gen: a dataset of N OPM Flow runs of the benchmark slice (schema
// petsc-fno-dataset-v1, the fields and units of fno-gen). Case c gets the permeability
// realization of seed OpmCaseSeed(S, c) from fno-sim's generators (any fno-sim option sets
// the base case), written as an INCLUDE file beside the deck in WORKDIR/case-NNNNNN; `flow`
// runs there with one thread, and the run is read into the dataset. Cases are spread over
// the ranks (one flow per rank). Resumable at two levels: a case whose /done flag is set is
// skipped, and a finished flow run (FLOW.DONE beside a byte-identical deck and include) is
// read again instead of rerun.
#include <petscsys.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "benchmark_deck.hpp"
#include "dataset_file.hpp"
#include "flow_runner.hpp"
#include "grdecl_export.hpp"
#include "opm_case_fields.hpp"
#include "opm_case_seed.hpp"
#include "opm_run_reader.hpp"
#include "petsc_program.hpp"
#include "simulator_options.hpp"
#include "text_file.hpp"
#include "two_phase_simulator.hpp"

static const char help[] =
    "fno-opm-gen: generates a dataset of N OPM Flow runs of the benchmark slice (inputs: log10 permeability, porosity,\n"
    "injection rate; output: SGAS at the report times), one flow per rank. fno-sim options set the base case.\n"
    "Options: -n N -seed S -output FILE.h5 [-workdir DIR] [-flow PATH] [-keep_runs 1] [-overwrite]\n\n";

namespace {

namespace fs = std::filesystem;

struct GenOptions {
  PetscInt cases = 10;
  PetscInt seed = 0;
  char output[PETSC_MAX_PATH_LEN] = "opm-dataset.h5";
  char workdir[PETSC_MAX_PATH_LEN] = "";
  char flow[PETSC_MAX_PATH_LEN] = "flow";
  PetscBool keep_runs = PETSC_TRUE;
  PetscBool overwrite = PETSC_FALSE;
  PetscBool adopt_only = PETSC_FALSE;
};

PetscErrorCode ReadGenOptions(GenOptions* o) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-opm-gen dataset", "FNO");
  PetscCall(PetscOptionsInt("-n", "number of cases", "", o->cases, &o->cases, nullptr));
  PetscCall(PetscOptionsInt("-seed", "dataset seed (case seeds derive from it; fno-sim -perm_seed reproduces a case)", "",
                            o->seed, &o->seed, nullptr));
  PetscCall(PetscOptionsString("-output", "dataset file", "", o->output, o->output, sizeof(o->output), nullptr));
  PetscCall(PetscOptionsString("-workdir", "directory of the flow runs (default: OUTPUT without .h5, plus -runs)", "",
                               o->workdir, o->workdir, sizeof(o->workdir), nullptr));
  PetscCall(PetscOptionsString("-flow", "OPM Flow executable (a path, or a name searched on PATH)", "", o->flow, o->flow,
                               sizeof(o->flow), nullptr));
  PetscCall(PetscOptionsBool("-keep_runs", "keep flow's output files of finished cases", "", o->keep_runs, &o->keep_runs, nullptr));
  PetscCall(PetscOptionsBool("-overwrite", "start a new file even if -output holds a resumable dataset", "", o->overwrite,
                             &o->overwrite, nullptr));
  PetscCall(PetscOptionsBool("-adopt_only", "read finished flow runs of -workdir into the dataset and run no flow (e.g. to train "
                             "on what a stopped generation has made; a later run without it continues)", "", o->adopt_only,
                             &o->adopt_only, nullptr));
  PetscOptionsEnd();
  PetscCheck(o->cases >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n must be >= 1");
  PetscCheck(o->seed >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be >= 0");
  if (o->workdir[0] == '\0') {
    std::string dir = o->output;
    if (dir.size() > 3 && dir.compare(dir.size() - 3, 3, ".h5") == 0) dir.resize(dir.size() - 3);
    dir += "-runs";
    PetscCall(PetscStrncpy(o->workdir, dir.c_str(), sizeof(o->workdir)));
  }
  PetscFunctionReturn(0);
}

std::string CaseDirectory(const GenOptions& o, int c) {
  char name[32];
  std::snprintf(name, sizeof name, "case-%06d", c);
  return (fs::path(o.workdir) / name).string();
}

// Writes (or adopts) case c's deck and include, runs flow unless a finished run of exactly
// this deck exists, and returns flow's wall time (0 when adopted). Rank-local.
PetscErrorCode PrepareAndRunFlow(const fno::sim::SimulatorConfig& config, const GenOptions& o, const std::string& flow, int c,
                                 double* flow_seconds, bool* skipped) {
  PetscFunctionBeginUser;
  *flow_seconds = 0;
  *skipped = false;
  const std::string dir = CaseDirectory(o, c);
  std::error_code ec;
  fs::create_directories(dir, ec);
  PetscCheck(!ec, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s: %s", dir.c_str(), ec.message().c_str());
  const std::string earth = dir + "/EARTH.GRDECL", deck = dir + "/CASE.DATA", done = dir + "/FLOW.DONE";
  // The include as fno-sim -export_grdecl writes it for this seed.
  fno::sim::TwoPhaseSimulator simulator(PETSC_COMM_SELF, config);
  PetscCall(simulator.SetUp(false));
  // Named per process: an -adopt_only run may look at the case a running generation writes.
  const std::string fresh_earth = dir + "/EARTH.GRDECL.new." + std::to_string(::getpid());
  PetscCall(fno::sim::ExportGrdecl(simulator, fresh_earth));
  std::string deck_text;
  try {
    deck_text = fno::opm::BenchmarkDeckText(config, "EARTH.GRDECL");
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s", e.what());
  }
  const auto old_earth = fno::opm::ReadTextFile(earth), new_earth = fno::opm::ReadTextFile(fresh_earth);
  const auto old_deck = fno::opm::ReadTextFile(deck);
  PetscCheck(new_earth.has_value(), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read back %s", fresh_earth.c_str());
  if (fs::exists(done) && old_earth == new_earth && old_deck == deck_text) {
    fs::remove(fresh_earth, ec);
    PetscFunctionReturn(0);  // a finished run of exactly this case
  }
  if (o.adopt_only) {  // no finished run of this case: leave it undone
    fs::remove(fresh_earth, ec);
    *skipped = true;
    PetscFunctionReturn(0);
  }
  fs::remove(done, ec);
  fs::remove_all(dir + "/out", ec);
  fs::rename(fresh_earth, earth, ec);
  PetscCheck(!ec, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s: %s", fresh_earth.c_str(), ec.message().c_str());
  try {
    fno::opm::WriteTextFileAtomically(deck, deck_text);
    const fno::opm::FlowRun run = fno::opm::RunFlow(flow, deck, dir + "/out", dir + "/flow.log");
    PetscCheck(run.exit_code == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "OPM Flow failed on %s (exit %d); %s/flow.log ends:%s",
               deck.c_str(), run.exit_code, dir.c_str(), fno::opm::LogTail(run.log_path).c_str());
    *flow_seconds = run.seconds;
    fno::opm::WriteTextFileAtomically(done, std::to_string(run.seconds) + " s\n");
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "case %d: %s", c, e.what());
  }
  PetscFunctionReturn(0);
}

// Case c, rank-local: flow (or its finished run), then the dataset's case c and its flag.
PetscErrorCode RunCase(const fno::sim::SimulatorConfig& base, const GenOptions& o, const std::string& flow, int c,
                       const fno::sim::DatasetFile& file, double* flow_seconds, bool* skipped) {
  PetscFunctionBeginUser;
  fno::sim::SimulatorConfig config = base;
  config.earth.seed = fno::opm::OpmCaseSeed(static_cast<std::uint64_t>(o.seed), c);
  PetscCall(PrepareAndRunFlow(config, o, flow, c, flow_seconds, skipped));
  if (*skipped) PetscFunctionReturn(0);
  const std::string dir = CaseDirectory(o, c);
  std::vector<double> parameters;
  {
    fno::sim::TwoPhaseSimulator simulator(PETSC_COMM_SELF, config);  // the generator's drawn parameters
    PetscCall(simulator.SetUp(false));
    parameters = fno::sim::SummarizeParameters(simulator.EarthModelParameters());
  }
  try {
    const fno::opm::OpmRun run = fno::opm::ReadOpmRun(dir + "/out", "CASE");
    const fno::opm::CaseFields fields = fno::opm::ToCaseFields(run, config);
    std::vector<hsize_t> start, count;
    for (int a = config.grid.Dimension() - 1; a >= 0; --a) {
      start.push_back(0);
      count.push_back(static_cast<hsize_t>(config.grid.cells[a]));
    }
    fno::sim::H5QuietErrors quiet;
    file.WriteInputs(c, start, count, fields.inputs);
    file.WriteOutputs(c, start, count, fields.outputs);
    file.WriteRecord(c, static_cast<std::int64_t>(config.earth.seed), parameters);
    file.MarkDone(c);  // after every byte of the case
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "case %d: %s", c, e.what());
  }
  if (!o.keep_runs) {
    std::error_code ec;
    fs::remove_all(dir + "/out", ec);
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
  if (help) PetscFunctionReturn(0);
  try {
    (void)fno::opm::BenchmarkDeckText(base, "EARTH.GRDECL");
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "fno-opm-gen: %s", e.what());
  }
  // Find flow before anything is written.
  std::string flow;
  {
    std::string error;
    try {
      flow = fno::opm::FindFlow(options.flow);
    } catch (const std::exception& e) {
      error = e.what();
    }
    int failed = error.empty() ? 0 : 1, any = 0;
    PetscCallMPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
    PetscCheck(!any, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "fno-opm-gen: %s", error.empty() ? "another rank found no flow" : error.c_str());
  }
  PetscMPIInt rank, size;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
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
    PetscCheck(error.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "fno-opm-gen: %s", error.c_str());
    try {
      unfinished = file.UnfinishedCases();
    } catch (const std::exception& e) {
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s", e.what());
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-opm-gen: %s %s: %d cases, %d already done, %d to run on %d rank(s); flow %s, runs in %s\n",
                        resumed ? "resuming" : "writing", path.c_str(), cases, cases - (int)unfinished.size(), (int)unfinished.size(),
                        (int)size, flow.c_str(), options.workdir));
  std::vector<int> mine;
  for (std::size_t i = rank; i < unfinished.size(); i += size) mine.push_back(unfinished[i]);
  const double start = MPI_Wtime();
  int failed_cases = 0, skipped_cases = 0;
  double flow_total = 0;
  int flow_runs = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const double case_start = MPI_Wtime();
    double flow_seconds = 0;
    bool skipped = false;
    // A failing case (PETSc prints its message) is reported and left undone.
    if (RunCase(base, options, flow, mine[i], file, &flow_seconds, &skipped) != 0) {
      ++failed_cases;
      std::fprintf(stderr, "fno-opm-gen: [rank %d] case %d failed (left undone; rerun to retry)\n", (int)rank, mine[i] + 1);
      continue;
    }
    if (skipped) {
      ++skipped_cases;
      continue;
    }
    if (flow_seconds > 0) flow_total += flow_seconds, ++flow_runs;
    const double now = MPI_Wtime();
    const double eta = (now - start) / static_cast<double>(i + 1) * static_cast<double>(mine.size() - i - 1);
    std::printf("fno-opm-gen: case %d/%d done by rank %d in %.2f s (flow %s), %zu/%zu of this rank, elapsed %.1f s, ETA %.1f s\n",
                mine[i] + 1, cases, (int)rank, now - case_start,
                flow_seconds > 0 ? (std::to_string(flow_seconds).substr(0, 5) + " s").c_str() : "run adopted", i + 1,
                mine.size(), now - start, eta);
    std::fflush(stdout);
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  try {
    fno::sim::H5QuietErrors quiet;
    file.Close();
  } catch (const std::exception& e) {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "%s", e.what());
  }
  const double wall = MPI_Wtime() - start;
  int total_failed = 0, total_runs = 0, total_skipped = 0;
  PetscCallMPI(MPI_Allreduce(&skipped_cases, &total_skipped, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  double total_flow = 0;
  PetscCallMPI(MPI_Allreduce(&failed_cases, &total_failed, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&flow_runs, &total_runs, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&flow_total, &total_flow, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
  const int completed = static_cast<int>(unfinished.size()) - total_failed - total_skipped;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fno-opm-gen: %d cases in %.1f s (%d flow runs, %.2f s each on average)%s -> %s\n",
                        completed, wall, total_runs, total_runs ? total_flow / total_runs : 0.0,
                        total_skipped ? (", " + std::to_string(total_skipped) + " without a finished run left undone (-adopt_only)").c_str() : "",
                        path.c_str()));
  PetscCheck(total_failed == 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "%d case(s) failed; rerun the same command to retry them",
             total_failed);
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-opm-gen", RunProgram); }
