#include "opm_test_run.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "benchmark_deck.hpp"
#include "flow_runner.hpp"
#include "text_file.hpp"

namespace fno::opm::test {

namespace fs = std::filesystem;

fno::sim::SimulatorConfig TinyConfig() {
  fno::sim::SimulatorConfig config = fno::sim::BenchmarkConfig();
  config.grid.cells = {kNx, kNz, 1};
  config.wells = {fno::sim::BenchmarkInjector(config.grid)};
  config.wells.front().surface_rate = 600;
  config.report_times = fno::sim::UniformReportTimes(3, 100.0);
  return config;
}

namespace {
std::string WorkRoot() { return (fs::temp_directory_path() / ("petsc-fno-opm-test-" + std::to_string(::getpid()))).string(); }

// Removes the test's files when the program ends.
struct RemoveWorkRoot {
  ~RemoveWorkRoot() {
    std::error_code ec;
    fs::remove_all(WorkRoot(), ec);
  }
} remove_work_root;

void WriteEarth(const std::string& path, bool inactive_cell) {
  std::ofstream out(path);
  if (inactive_cell) {
    out << "ACTNUM\n";
    for (int k = 0; k < kNz; ++k)
      for (int i = 0; i < kNx; ++i) out << (i == kInactive[0] && k == kInactive[1] ? 0 : 1) << "\n";
    out << "/\n";
  }
  const char* names[] = {"PERMX", "PERMY", "PERMZ", "PORO"};
  for (int f = 0; f < 4; ++f) {
    out << names[f] << "\n";
    for (int k = 0; k < kNz; ++k)
      for (int i = 0; i < kNx; ++i)  // OPM order: I fastest, K downward
        out << (f == 3 ? TestPorosity(i, k) : TestPermeability(i, k) * (f == 2 ? 0.1 : 1.0)) << "\n";
    out << "/\n";
  }
}
}  // namespace

std::string TinyRunDirectory(bool inactive_cell) {
  static std::string dirs[2];
  std::string& dir = dirs[inactive_cell ? 1 : 0];
  if (!dir.empty()) return dir;
  std::string flow;
  try {
    flow = FindFlow();
  } catch (const std::exception&) {
    return "";
  }
  const std::string work = WorkRoot() + (inactive_cell ? "/tiny-actnum" : "/tiny");
  fs::create_directories(work);
  WriteEarth(work + "/EARTH.GRDECL", inactive_cell);
  WriteTextFileAtomically(work + "/TINY.DATA", BenchmarkDeckText(TinyConfig(), "EARTH.GRDECL"));
  const FlowRun run = RunFlow(flow, work + "/TINY.DATA", work + "/out", work + "/flow.log", {"--enable-vtk-output=true"});
  EXPECT_EQ(run.exit_code, 0) << "flow failed:" << LogTail(run.log_path);
  if (run.exit_code != 0) return "";
  dir = work + "/out";
  return dir;
}

std::string CopyRun(const std::string& name) {
  const std::string source = TinyRunDirectory();
  const std::string target = WorkRoot() + "/" + name;
  fs::remove_all(target);
  fs::create_directories(target);
  for (const char* ext : {".EGRID", ".INIT", ".UNRST", ".SMSPEC", ".UNSMRY"})
    fs::copy_file(source + "/TINY" + ext, target + "/TINY" + ext);
  return target;
}

}  // namespace fno::opm::test
