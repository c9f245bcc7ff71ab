// 1D Buckley-Leverett displacement (horizontal, no gravity): CO2 injected at the left end of
// a brine-filled N x 1 column with an open right end. The analytical solution (Welge tangent
// construction) has a shock of height S_f at x_f = PVI * L * f'(S_f) followed by a rarefaction
// x(S) = PVI * L * f'(S). The test checks the shock position and height and that the L1 error
// of the profile decreases under refinement.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "sim_test_support.hpp"

namespace fno::sim {
namespace {

constexpr double kLength = 100.0;        // m
constexpr double kPorosity = 0.2;
constexpr double kRate = 1.0;            // m^3/day of CO2 at reservoir conditions
constexpr double kPoreVolumesInjected = 0.25;

SimulatorConfig ColumnConfig(int cells) {
  SimulatorConfig c;
  c.grid.geometry = Geometry::Map;  // areal: no gravity
  c.grid.cells = {cells, 1, 1};
  c.grid.dx = kLength / cells;
  c.grid.dy = 1.0;
  c.grid.dz = 1.0;
  c.earth.model = PermeabilityModel::Uniform;
  c.earth.uniform_permeability = 100.0;
  c.earth.constant_porosity = kPorosity;
  c.co2_surface_density = c.fluid.co2_density;  // surface rate = reservoir rate
  Well well;
  well.lower = {0, 0, 0};
  well.upper = {0, 0, 0};
  well.surface_rate = kRate;
  c.wells = {well};
  c.open_sides = OpenSides{};
  c.open_sides.open[0][1] = true;
  const double pore_volume = kPorosity * kLength * 1.0 * 1.0;
  c.report_times = {kPoreVolumesInjected * pore_volume / kRate * kSecondsPerDay};
  return c;
}

class FractionalFlow {
 public:
  explicit FractionalFlow(const FluidProperties& fluid) : fluid_(fluid) {}
  double f(double s) const {
    const double ln = fluid_.Co2Mobility(s), lw = fluid_.BrineMobility(s);
    return ln / (ln + lw);
  }
  double Slope(double s) const {
    const double h = 1e-7;
    return (f(s + h) - f(s - h)) / (2 * h);
  }
  // Welge tangent from the initial state (S = 0): maximises f(S)/S.
  double ShockSaturation() const {
    double best = 0, best_ratio = 0;
    for (int i = 1; i <= 200000; ++i) {
      const double s = fluid_.MaxCo2Saturation() * i / 200000.0;
      if (f(s) / s > best_ratio) best_ratio = f(s) / s, best = s;
    }
    return best;
  }
  // Saturation at x for the given injected pore volumes.
  double Profile(double x, double pvi) const {
    const double s_front = ShockSaturation();
    const double x_front = pvi * kLength * f(s_front) / s_front;
    if (x > x_front) return 0.0;
    // Rarefaction: f'(S) = x / (pvi L), f' decreasing on [S_f, S_max].
    double lo = s_front, hi = fluid_.MaxCo2Saturation();
    const double target = x / (pvi * kLength);
    for (int it = 0; it < 80; ++it) {
      const double mid = 0.5 * (lo + hi);
      (Slope(mid) > target ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

 private:
  FluidProperties fluid_;
};

struct ColumnRun {
  double l1_error = 0, front_position = 0, plateau = 0, plateau_exact = 0;
};

ColumnRun RunColumn(int cells, const FractionalFlow& flow) {
  ColumnRun out;
  testing::CaseResult result;
  EXPECT_EQ(testing::RunCase(PETSC_COMM_SELF, ColumnConfig(cells), false, &result), 0);
  const std::vector<double>& s = result.saturation.back();
  const double dx = kLength / cells;
  const double s_front = flow.ShockSaturation();
  for (int i = 0; i < cells; ++i) {
    const double x = (i + 0.5) * dx;
    out.l1_error += std::abs(s[i] - flow.Profile(x, kPoreVolumesInjected)) * dx / kLength;
  }
  // Front: where the profile first drops below half the shock height (linear interpolation).
  for (int i = 1; i < cells; ++i) {
    if (s[i] < 0.5 * s_front && s[i - 1] >= 0.5 * s_front) {
      const double t = (s[i - 1] - 0.5 * s_front) / (s[i - 1] - s[i]);
      out.front_position = (i - 1 + 0.5 + t) * dx;
      break;
    }
  }
  // Shock height: the saturation in the cell 5% of L behind the analytical front, where the
  // analytical profile is S_f plus the rarefaction's small rise.
  const double x_front = kPoreVolumesInjected * kLength * flow.f(s_front) / s_front;
  const int behind = static_cast<int>(std::floor((x_front - 0.05 * kLength) / dx));
  out.plateau = s[behind];
  out.plateau_exact = flow.Profile((behind + 0.5) * dx, kPoreVolumesInjected);
  return out;
}

TEST(BuckleyLeverett, ShockPositionHeightAndConvergence) {
  const FractionalFlow flow{FluidProperties{}};
  const double s_front = flow.ShockSaturation();
  const double x_front = kPoreVolumesInjected * kLength * flow.f(s_front) / s_front;
  ASSERT_GT(x_front, 0.3 * kLength);
  ASSERT_LT(x_front, 0.95 * kLength);
  std::vector<ColumnRun> runs;
  for (int cells : {50, 100, 200, 400}) runs.push_back(RunColumn(cells, flow));
  for (std::size_t r = 1; r < runs.size(); ++r) EXPECT_LT(runs[r].l1_error, runs[r - 1].l1_error) << "refinement " << r;
  for (const ColumnRun& r : runs)
    std::printf("BL: L1 %.5f front %.3f m (exact %.3f) height %.4f (exact %.4f, S_f %.4f)\n", r.l1_error, r.front_position,
                x_front, r.plateau, r.plateau_exact, s_front);
  const ColumnRun& finest = runs.back();
  EXPECT_LT(finest.l1_error, 0.005);
  EXPECT_NEAR(finest.front_position, x_front, 0.01 * kLength) << "S_f = " << s_front;
  EXPECT_NEAR(finest.plateau, finest.plateau_exact, 0.01) << "analytical shock height S_f = " << s_front;
  EXPECT_NEAR(finest.plateau_exact, s_front, 0.05);  // the comparison point is on the shock plateau
}

}  // namespace
}  // namespace fno::sim
