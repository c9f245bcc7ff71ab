// The OPM Flow reader on a tiny flow run made by the test (opm_test_run.hpp): cell order on
// an asymmetric field, CO2 in place from SGAS, pore volume and gas density against the
// summary's FGIPG, the injection map, and clear errors for damaged or mismatched output.
#include <gtest/gtest.h>

#include <opm/io/eclipse/EclFile.hpp>
#include <opm/io/eclipse/EclOutput.hpp>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkNew.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "dataset_file.hpp"
#include "flow_runner.hpp"
#include "opm_case_fields.hpp"
#include "opm_cell_order.hpp"
#include "opm_run_reader.hpp"
#include "opm_test_run.hpp"

namespace fs = std::filesystem;
using namespace fno::opm;
using namespace fno::opm::test;

#define REQUIRE_TINY_RUN(dir)                                              \
  const std::string dir = TinyRunDirectory();                              \
  if (dir.empty()) GTEST_SKIP() << "OPM Flow (flow) is not installed";

namespace {
// Expects `f` to throw std::runtime_error whose message matches `pattern`.
template <class F>
void ExpectError(F f, const std::string& pattern) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one matching: " << pattern;
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::regex_search(e.what(), std::regex(pattern))) << "message: " << e.what() << "\nexpected: " << pattern;
  }
}

// Rewrites an ECL binary file without the arrays named `drop`.
void CopyWithout(const std::string& path, const std::string& drop) {
  Opm::EclIO::EclFile in(path);
  in.loadData();
  const auto list = in.getList();
  const std::string temp = path + ".new";
  {
    Opm::EclIO::EclOutput out(temp, false);
    for (std::size_t a = 0; a < list.size(); ++a) {
      const auto& [name, type, size] = list[a];
      if (name == drop) continue;
      const int index = static_cast<int>(a);
      switch (type) {
        case Opm::EclIO::INTE: out.write(name, in.get<int>(index)); break;
        case Opm::EclIO::REAL: out.write(name, in.get<float>(index)); break;
        case Opm::EclIO::DOUB: out.write(name, in.get<double>(index)); break;
        case Opm::EclIO::LOGI: out.write(name, in.get<bool>(index)); break;
        case Opm::EclIO::CHAR: out.write(name, in.get<std::string>(index)); break;
        case Opm::EclIO::MESS: out.write(name, std::vector<char>()); break;
        default: FAIL() << "array type of " << name << " not handled by the test";
      }
    }
  }
  fs::rename(temp, path);
}
}  // namespace

TEST(OpmCellOrder, SliceIsZMajorWithXFastest) {
  const std::array<int, 3> dims = {5, 1, 3};
  EXPECT_EQ(DmdaCells(dims), (std::array<int, 3>{5, 3, 1}));
  EXPECT_EQ(FileIndex(dims, 4, 0, 0), 4u);
  EXPECT_EQ(FileIndex(dims, 0, 0, 1), 5u);  // one row down = one x-row further in [z][x]
  EXPECT_EQ(FileIndexOfGlobal(dims, 2 + 5 * 2), FileIndex(dims, 2, 0, 2));
  const std::array<int, 3> map = {4, 3, 1};
  EXPECT_EQ(FileIndex(map, 1, 2, 0), 9u);
}

TEST(OpmReader, CellOrderOnAnAsymmetricField) {
  REQUIRE_TINY_RUN(dir);
  const OpmRun run = ReadOpmRun(dir);
  ASSERT_EQ(run.dims, (std::array<int, 3>{kNx, 1, kNz}));
  for (int k = 0; k < kNz; ++k)
    for (int i = 0; i < kNx; ++i) {
      const std::size_t f = static_cast<std::size_t>(k) * kNx + i;  // dataset file order [z][x]
      EXPECT_NEAR(run.permx[f], TestPermeability(i, k), 1e-4 * TestPermeability(i, k)) << "i " << i << " k " << k;
      EXPECT_NEAR(run.permz[f], 0.1 * TestPermeability(i, k), 1e-4 * TestPermeability(i, k)) << "i " << i << " k " << k;
      EXPECT_NEAR(run.porosity[f], TestPorosity(i, k), 1e-6) << "i " << i << " k " << k;
    }
  // The dataset's fields keep that order: log10 k at (i, k) is row k, column i.
  const CaseFields fields = ToCaseFields(run, ConfigOfRun(run, TinyConfig()));
  EXPECT_NEAR(fields.inputs[3 * kNx + 5], std::log10(TestPermeability(5, 3)), 1e-6);
  EXPECT_NEAR(fields.inputs[kNx * kNz + 2 * kNx + 7], TestPorosity(7, 2), 1e-6);
  // CO2 enters at the bottom of column 0 and rises along the left side: after 300 days
  // (i = 0, k = 5) holds gas, its transpose (i = 5, k = 0) and the right side none.
  const auto& last = run.sgas.back();
  EXPECT_GT(last[5 * kNx + 0], 0.05);
  EXPECT_LT(last[0 * kNx + 5], 1e-6);
  EXPECT_LT(last[5 * kNx + kNx - 2], 1e-6);
}

// ACTNUM: INIT and UNRST hold active cells only; every later cell must still land on its
// own (i, k), and the inactive cell gets the documented fill values.
TEST(OpmReader, InactiveCells) {
  const std::string dir = TinyRunDirectory(true);
  if (dir.empty()) GTEST_SKIP() << "OPM Flow (flow) is not installed";
  const OpmRun run = ReadOpmRun(dir);
  const std::size_t hole = static_cast<std::size_t>(kInactive[1]) * kNx + kInactive[0];
  EXPECT_FALSE(run.active[hole]);
  EXPECT_TRUE(std::isnan(run.permx[hole]));
  for (int k = 0; k < kNz; ++k)
    for (int i = 0; i < kNx; ++i) {
      const std::size_t f = static_cast<std::size_t>(k) * kNx + i;
      if (f == hole) continue;
      EXPECT_NEAR(run.permx[f], TestPermeability(i, k), 1e-4 * TestPermeability(i, k)) << "i " << i << " k " << k;
      EXPECT_NEAR(run.porosity[f], TestPorosity(i, k), 1e-6) << "i " << i << " k " << k;
    }
  const CaseFields fields = ToCaseFields(run, ConfigOfRun(run, TinyConfig()));
  const std::size_t n = kNx * kNz;
  EXPECT_DOUBLE_EQ(fields.inputs[hole], -3.0);
  EXPECT_DOUBLE_EQ(fields.inputs[n + hole], 1e-3);
  EXPECT_DOUBLE_EQ(fields.inputs[2 * n + hole], 0.0);
  for (std::size_t t = 0; t < run.sgas.size(); ++t) EXPECT_DOUBLE_EQ(fields.outputs[t * n + hole], 0.0);
}

TEST(OpmReader, TimesWellsAndInjectionMap) {
  REQUIRE_TINY_RUN(dir);
  const OpmRun run = ReadOpmRun(dir);
  ASSERT_EQ(run.times.size(), 4u);
  EXPECT_TRUE(run.initial_state_assumed);
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(run.times[t], 100.0 * t, 1e-9);
  ASSERT_EQ(run.connections.size(), 8u);
  for (const auto& c : run.connections) {
    EXPECT_EQ(c[0], 0);
    EXPECT_GE(c[2], kNz - 8);
  }
  EXPECT_NEAR(run.injection_surface_rate, 600.0, 1e-3);
  const fno::sim::SimulatorConfig config = ConfigOfRun(run, TinyConfig());
  const CaseFields fields = ToCaseFields(run, config);
  const std::size_t n = kNx * kNz;
  double total = 0;
  for (std::size_t c = 0; c < n; ++c) total += fields.inputs[2 * n + c];
  // fno-gen's units: reservoir m^3/day = 600 sm^3/day * 1.87 / 700.
  EXPECT_NEAR(total, 600.0 * config.co2_surface_density / config.fluid.co2_density, 1e-9);
  // Shared in proportion to k: the deepest connection takes k(0, 9) / sum of k over k = 2..9.
  double sum = 0;
  for (int k = kNz - 8; k < kNz; ++k) sum += TestPermeability(0, k);
  EXPECT_NEAR(fields.inputs[2 * n + (kNz - 1) * kNx], total * TestPermeability(0, kNz - 1) / sum, 1e-4 * total);
}

// Free CO2 in place from the restart's SGAS, the INIT's pore volume (with the deck's rock
// compressibility at the restart's PRESSURE) and flow's gas density (its VTK output) equals
// the summary's FGIPG (surface m^3) times the CO2 surface density of flow's CO2 tables
// (1.86843 kg/sm^3) within 0.2 % (single-precision files, a 1e-9 mass-balance tolerance).
TEST(OpmReader, FreeCo2InPlaceMatchesTheSummary) {
  REQUIRE_TINY_RUN(dir);
  const OpmRun run = ReadOpmRun(dir);
  ASSERT_FALSE(run.fgipg.empty());
  vtkNew<vtkXMLUnstructuredGridReader> reader;
  std::string last_vtu;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".vtu" && entry.path().string() > last_vtu) last_vtu = entry.path().string();
  ASSERT_FALSE(last_vtu.empty()) << "flow wrote no VTK output";
  reader->SetFileName(last_vtu.c_str());
  reader->Update();
  vtkDataArray* density = reader->GetOutput()->GetCellData()->GetArray("density_gas");
  ASSERT_NE(density, nullptr);
  ASSERT_EQ(static_cast<std::size_t>(density->GetNumberOfTuples()), run.CellCount());
  const auto& sgas = run.sgas.back();
  const auto& pressure = run.pressure.back();
  double mass = 0;
  for (std::size_t c = 0; c < run.CellCount(); ++c) {
    const double x = 1e-6 * (pressure[c] - 100.0);  // ROCK 100 bar, 1e-6 / bar
    mass += run.pore_volume[c] * (1 + x + 0.5 * x * x) * sgas[c] * density->GetTuple1(static_cast<vtkIdType>(c));
  }
  const double fgipg = run.fgipg.back();
  ASSERT_GT(fgipg, 0);
  EXPECT_NEAR(mass / 1.86843, fgipg, 2e-3 * fgipg);
  // And all injected CO2 is in place (free + dissolved), 300 days at 600 sm^3/day.
  EXPECT_NEAR(run.fgip.back(), 600.0 * 300.0, 1e-4 * 600.0 * 300.0);
}

TEST(OpmReader, ErrorsNameTheRunAndTheProblem) {
  REQUIRE_TINY_RUN(dir);
  {
    const std::string copy = CopyRun("no-rs");
    CopyWithout(copy + "/TINY.UNRST", "RS");
    ExpectError([&] { ReadOpmRun(copy); }, "OPM run '.*no-rs/TINY': UNRST report step 1 has no RS \\(the deck needs DISGAS\\)");
  }
  {
    const std::string copy = CopyRun("no-permz");
    CopyWithout(copy + "/TINY.INIT", "PERMZ");
    ExpectError([&] { ReadOpmRun(copy); }, "OPM run '.*no-permz/TINY': INIT has no PERMZ");
  }
  {
    const std::string copy = CopyRun("no-summary");
    fs::remove(copy + "/TINY.SMSPEC");
    ExpectError([&] { ReadOpmRun(copy); }, "OPM run '.*no-summary/TINY': missing \\.SMSPEC");
  }
  {
    const std::string copy = CopyRun("truncated");
    const auto size = fs::file_size(copy + "/TINY.UNRST");
    fs::resize_file(copy + "/TINY.UNRST", size * 2 / 3);
    ExpectError([&] { ReadOpmRun(copy); }, "OPM run '.*truncated/TINY': .*(truncated|UNRST)");
  }
  ExpectError([&] { ReadOpmRun(fs::temp_directory_path().string() + "/no-such-opm-run"); }, "neither a directory nor a base path");
  // A grid that does not match the dataset's.
  const OpmRun run = ReadOpmRun(dir);
  fno::sim::SimulatorConfig other = TinyConfig();
  other.grid.cells = {kNx, kNz + 2, 1};
  EXPECT_TRUE(std::regex_search(GridMismatch(run, other), std::regex("OPM run '.*TINY': grid 8x1x10 \\(slice 8x10x1\\) differs from the dataset's slice 8x12x1")))
      << GridMismatch(run, other);
  ExpectError([&] { ToCaseFields(run, other); }, "differs from the dataset's");
  fno::sim::SimulatorConfig later = TinyConfig();
  later.report_times = fno::sim::UniformReportTimes(3, 73.0);
  EXPECT_TRUE(std::regex_search(GridMismatch(run, later), std::regex("report time 1 \\(100 days\\) differs"))) << GridMismatch(run, later);
}

TEST(OpmFlowRunner, MissingBinaryIsAClearError) {
  ExpectError([] { FindFlow("/nonexistent/dir/flow"); }, "OPM Flow binary '/nonexistent/dir/flow' is not an executable file \\(install OPM Flow");
  ExpectError([] { FindFlow("no-such-flow-binary-petscfno"); }, "not found on PATH \\(install OPM Flow: PETSCFNO_WITH_OPM=1 bash scripts/install-deps.sh");
}
