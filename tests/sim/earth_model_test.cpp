// Earth-model generators: reproducible per seed, different across seeds, the statistics
// they promise, and the porosity relation.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "earth_model.hpp"

namespace fno::sim {
namespace {

std::vector<double> Field(const GridSpec& grid, const EarthModelSpec& spec) {
  PermeabilityGenerator generator(grid, spec);
  std::vector<double> k;
  for (int kk = 0; kk < grid.cells[2]; ++kk)
    for (int j = 0; j < grid.cells[1]; ++j)
      for (int i = 0; i < grid.cells[0]; ++i) k.push_back(generator.PermeabilityMilliDarcy(i, j, kk));
  return k;
}

TEST(EarthModel, ChannelsAreReproducibleAndSeedDependent) {
  GridSpec grid;
  EarthModelSpec spec;
  spec.seed = 5;
  const auto a = Field(grid, spec), b = Field(grid, spec);
  EXPECT_EQ(a, b);
  spec.seed = 6;
  const auto c = Field(grid, spec);
  int differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += std::abs(std::log10(a[i] / c[i])) > 1.0;
  EXPECT_GT(differ, 100) << "another seed should move the channels";
  // Sand fraction: channels exist but do not fill the grid.
  int sand = 0;
  for (double k : a) sand += k > 100.0;
  EXPECT_GT(sand, static_cast<int>(a.size() / 20));
  EXPECT_LT(sand, static_cast<int>(a.size() * 9 / 10));
}

TEST(EarthModel, GaussianFieldHasTheRequestedStatistics) {
  GridSpec grid;
  grid.cells = {128, 128, 1};
  EarthModelSpec spec;
  spec.model = PermeabilityModel::Gaussian;
  spec.log10_mean = 2.0;
  spec.log10_std = 0.5;
  spec.correlation_length = {4.0, 4.0, 4.0};
  double sum = 0, sum2 = 0, lag_product = 0;
  const auto k = Field(grid, spec);
  std::vector<double> y;
  for (double v : k) y.push_back(std::log10(v));
  for (double v : y) sum += v, sum2 += v * v;
  const double n = static_cast<double>(y.size());
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 2.0, 0.15);
  EXPECT_NEAR(std::sqrt(var), 0.5, 0.1);
  // Correlation at one correlation length along x: exp(-1/2) for the Gaussian covariance.
  int pairs = 0;
  for (int j = 0; j < 128; ++j)
    for (int i = 0; i + 4 < 128; ++i, ++pairs) lag_product += (y[j * 128 + i] - mean) * (y[j * 128 + i + 4] - mean);
  EXPECT_NEAR(lag_product / pairs / var, std::exp(-0.5), 0.15);
}

TEST(EarthModel, PorosityRelationIsMonotoneAndBounded) {
  GridSpec grid;
  EarthModelSpec spec;
  PermeabilityGenerator generator(grid, spec);
  EXPECT_NEAR(generator.Porosity(spec.porosity_reference_perm), spec.porosity_reference, 1e-12);
  EXPECT_LT(generator.Porosity(10.0), generator.Porosity(1000.0));
  EXPECT_GE(generator.Porosity(1e-9), spec.porosity_min);
  EXPECT_LE(generator.Porosity(1e9), spec.porosity_max);
  spec.constant_porosity = 0.17;
  EXPECT_EQ(PermeabilityGenerator(grid, spec).Porosity(3.0), 0.17);
}

TEST(EarthModel, InvalidRangesAreRejected) {
  GridSpec grid;
  EarthModelSpec spec;
  spec.channel_count_min = 5;
  spec.channel_count_max = 2;
  EXPECT_THROW(PermeabilityGenerator(grid, spec), std::invalid_argument);
  spec = EarthModelSpec{};
  spec.sand_permeability = -1;
  EXPECT_THROW(PermeabilityGenerator(grid, spec), std::invalid_argument);
}

}  // namespace
}  // namespace fno::sim
