// Mass conservation, gravity segregation and rank independence of the reference simulator.
// Registered on 1, 2 and 4 ranks: every case runs on MPI_COMM_WORLD and is compared with the
// same case run serially on rank 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sim_test_support.hpp"

namespace fno::sim {
namespace {

// A small version of the benchmark slice: channel field, gravity, anisotropy, injector in the
// bottom of column 0, open right side; long enough for CO2 to leave through the open side.
SimulatorConfig SmallSlice() {
  SimulatorConfig c = BenchmarkConfig();
  c.grid.cells = {24, 16, 1};
  c.grid.dx = 20.0;
  c.grid.dz = 10.0;
  c.earth.seed = 7;
  c.wells = {BenchmarkInjector(c.grid)};
  c.wells[0].lower[1] = 12;
  c.report_times = UniformReportTimes(12, 120.0);
  return c;
}

int Rank() {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

TEST(MassConservation, InjectedEqualsInPlacePlusOutflowAtEveryReport) {
  testing::CaseResult r;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, SmallSlice(), false, &r), 0);
  ASSERT_EQ(r.times.size(), 13u);
  for (std::size_t t = 1; t < r.times.size(); ++t) {
    const double balance = std::abs(r.injected[t] - r.in_place[t] - r.outflow[t]) / r.injected[t];
    EXPECT_LE(balance, 1e-8) << "report " << t;
  }
  EXPECT_GT(r.outflow.back(), 0.01 * r.injected.back()) << "the case should reach the open side";
  if (Rank() == 0) {
    const auto& s = r.saturation.back();
    EXPECT_GE(*std::min_element(s.begin(), s.end()), -1e-12);
    EXPECT_LE(*std::max_element(s.begin(), s.end()), FluidProperties{}.MaxCo2Saturation() + 1e-12);
  }
}

TEST(MassConservation, ClosedBoundariesWithoutWellsKeepTheVolume) {
  SimulatorConfig c = SmallSlice();
  c.wells.clear();
  c.open_sides = OpenSides{};
  c.initial_saturation = 0.3;
  c.report_times = UniformReportTimes(4, 200.0);
  testing::CaseResult r;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, c, false, &r), 0);
  for (std::size_t t = 1; t < r.times.size(); ++t) EXPECT_NEAR(r.in_place[t] / r.in_place[0], 1.0, 1e-10);
}

// CO2 placed in the bottom rows of a closed box rises and stratifies: its centre of mass
// moves up, the top fills, the bottom drains, and the final column profile is ordered.
TEST(GravitySegregation, Co2AtTheBottomRisesAndStratifies) {
  SimulatorConfig c;
  c.grid.cells = {8, 20, 1};
  c.grid.dx = 10.0;
  c.grid.dz = 2.0;
  c.earth.model = PermeabilityModel::Uniform;
  c.earth.uniform_permeability = 500.0;
  c.earth.constant_porosity = 0.25;
  c.vertical_permeability_ratio = 1.0;
  c.wells.clear();
  c.open_sides = OpenSides{};
  c.initial_box.lower = {0, 15, 0};
  c.initial_box.upper = {7, 19, 0};
  c.initial_box.value = 0.6;
  c.report_times = UniformReportTimes(10, 30.0);
  testing::CaseResult r;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, c, false, &r), 0);
  if (Rank() != 0) return;
  const int nx = 8, nz = 20;
  auto row_mean = [&](const std::vector<double>& s, int j) {
    return std::accumulate(s.begin() + j * nx, s.begin() + (j + 1) * nx, 0.0) / nx;
  };
  auto centre_depth = [&](const std::vector<double>& s) {
    double mass = 0, moment = 0;
    for (int j = 0; j < nz; ++j) mass += row_mean(s, j), moment += row_mean(s, j) * (j + 0.5);
    return moment / mass;
  };
  const auto& first = r.saturation.front();
  const auto& last = r.saturation.back();
  EXPECT_NEAR(centre_depth(first), 17.5, 1e-12);
  EXPECT_LT(centre_depth(last), 6.0) << "the plume should have risen to the top";
  // Centre of mass rises monotonically.
  for (std::size_t t = 1; t < r.saturation.size(); ++t)
    EXPECT_LE(centre_depth(r.saturation[t]), centre_depth(r.saturation[t - 1]) + 1e-12) << "report " << t;
  EXPECT_GT(row_mean(last, 0), 0.5) << "top row fills with CO2";
  EXPECT_LT(row_mean(last, nz - 1), 1e-3) << "bottom row drains";
  for (int j = 1; j < nz; ++j) EXPECT_LE(row_mean(last, j), row_mean(last, j - 1) + 1e-6) << "row " << j;
  // (No column-by-column comparison: light fluid under heavy is Rayleigh-Taylor unstable, so
  // round-off differences between columns grow; the row means are the robust observable.)
}

// The same snapshots on any number of ranks: compare the world run with a serial run.
TEST(RankIndependence, SnapshotsMatchTheSerialRun) {
  ASSERT_EQ(PetscOptionsSetValue(nullptr, "-pressure_ksp_rtol", "1e-14"), 0);
  SimulatorConfig c = SmallSlice();
  testing::CaseResult parallel;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, c, true, &parallel), 0);
  if (Rank() == 0) {
    testing::CaseResult serial;
    ASSERT_EQ(testing::RunCase(PETSC_COMM_SELF, c, true, &serial), 0);
    ASSERT_EQ(serial.saturation.size(), parallel.saturation.size());
    EXPECT_EQ(serial.steps, parallel.steps);
    double largest = 0;
    for (std::size_t t = 0; t < serial.saturation.size(); ++t)
      for (std::size_t i = 0; i < serial.saturation[t].size(); ++i)
        largest = std::max(largest, std::abs(serial.saturation[t][i] - parallel.saturation[t][i]));
    EXPECT_LE(largest, 1e-8);
    EXPECT_GT(*std::max_element(serial.saturation.back().begin(), serial.saturation.back().end()), 0.3);
  }
  ASSERT_EQ(PetscOptionsClearValue(nullptr, "-pressure_ksp_rtol"), 0);
}

}  // namespace
}  // namespace fno::sim

namespace fno::sim {
namespace {

// -ts_type is the switch the surrogate uses: other integrators run the same model. Before
// breakthrough (no outflow) all of them must keep injected = in place, and agree with
// forward Euler to discretisation accuracy.
TEST(TimeStepperSwitch, SspAndBackwardEulerConserveAndAgreeWithEuler) {
  SimulatorConfig c = SmallSlice();
  c.report_times = UniformReportTimes(3, 60.0);
  testing::CaseResult euler;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, c, false, &euler), 0);
  ASSERT_LT(euler.outflow.back(), 1e-9 * euler.injected.back()) << "choose a horizon before breakthrough";
  struct Variant {
    const char* ts_type;
    double cfl, balance_tolerance, profile_tolerance;
  };
  for (const Variant& v : {Variant{"ssp", 0.9, 1e-10, 0.01}, Variant{"beuler", 4.0, 1e-6, 0.05}}) {
    ASSERT_EQ(PetscOptionsSetValue(nullptr, "-ts_type", v.ts_type), 0);
    ASSERT_EQ(PetscOptionsSetValue(nullptr, "-snes_rtol", "1e-10"), 0);
    SimulatorConfig variant = c;
    variant.cfl = v.cfl;
    testing::CaseResult r;
    ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, variant, true, &r), 0) << v.ts_type;
    ASSERT_EQ(PetscOptionsClearValue(nullptr, "-ts_type"), 0);
    ASSERT_EQ(PetscOptionsClearValue(nullptr, "-snes_rtol"), 0);
    for (std::size_t t = 1; t < r.times.size(); ++t)
      EXPECT_NEAR(r.in_place[t] / r.injected[t], 1.0, v.balance_tolerance) << v.ts_type << " report " << t;
    if (Rank() == 0) {
      double l1 = 0;
      const auto &a = r.saturation.back(), &b = euler.saturation.back();
      for (std::size_t i = 0; i < a.size(); ++i) l1 += std::abs(a[i] - b[i]);
      EXPECT_LT(l1 / a.size(), v.profile_tolerance) << v.ts_type;
      EXPECT_GE(*std::min_element(a.begin(), a.end()), -1e-6) << v.ts_type;
    }
  }
}

}  // namespace
}  // namespace fno::sim

namespace fno::sim {
namespace {

// 3D: Gaussian field, depth along DMDA axis 2, two open sides; conservation at every
// report and identical snapshots on any number of ranks.
TEST(ThreeDimensional, ConservesAndMatchesTheSerialRun) {
  SimulatorConfig c;
  c.grid.geometry = Geometry::Volume;
  c.grid.cells = {10, 8, 6};
  c.grid.dx = c.grid.dy = 20.0;
  c.grid.dz = 5.0;
  c.earth.model = PermeabilityModel::Gaussian;
  c.earth.seed = 3;
  c.earth.correlation_length = {3.0, 3.0, 2.0};
  Well well;
  well.lower = {1, 4, 3};
  well.upper = {1, 4, 5};
  well.surface_rate = 3000.0;
  c.wells = {well};
  c.open_sides = ParseOpenSides("right,back", Geometry::Volume);
  c.report_times = UniformReportTimes(6, 150.0);
  ASSERT_EQ(PetscOptionsSetValue(nullptr, "-pressure_ksp_rtol", "1e-14"), 0);
  testing::CaseResult parallel;
  ASSERT_EQ(testing::RunCase(PETSC_COMM_WORLD, c, true, &parallel), 0);
  for (std::size_t t = 1; t < parallel.times.size(); ++t)
    EXPECT_LE(std::abs(parallel.injected[t] - parallel.in_place[t] - parallel.outflow[t]) / parallel.injected[t], 1e-8);
  if (Rank() == 0) {
    testing::CaseResult serial;
    ASSERT_EQ(testing::RunCase(PETSC_COMM_SELF, c, true, &serial), 0);
    double largest = 0;
    for (std::size_t t = 0; t < serial.saturation.size(); ++t)
      for (std::size_t i = 0; i < serial.saturation[t].size(); ++i)
        largest = std::max(largest, std::abs(serial.saturation[t][i] - parallel.saturation[t][i]));
    EXPECT_LE(largest, 1e-8);
    // Buoyancy: more CO2 in the top layer than in the bottom layer at the end.
    const auto& s = serial.saturation.back();
    double top = 0, bottom = 0;
    for (int i = 0; i < 80; ++i) top += s[i], bottom += s[5 * 80 + i];
    EXPECT_GT(top, bottom);
  }
  ASSERT_EQ(PetscOptionsClearValue(nullptr, "-pressure_ksp_rtol"), 0);
}

}  // namespace
}  // namespace fno::sim
