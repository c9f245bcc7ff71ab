// Repartition: moves every element to its owner in the target layout; the reverse
// repartition is its adjoint (<R x, y> = <x, R^T y>, double, <= 1e-12 relative).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <memory>

#include "repartition.hpp"
#include "test_fields.hpp"

using namespace fno;

namespace {

// Pairs of layouts of the same tensor that the FFT and the plugin need: a pencil swap
// of every split axis with every local axis, and explicit uneven ownership -> DMDA rule.
std::vector<std::pair<Layout, Layout>> layout_pairs(std::shared_ptr<ProcessGrid> grid,
                                                   const std::vector<Index>& shape, Index lead) {
  std::vector<std::pair<Layout, Layout>> out;
  Layout base = Layout::block(grid, shape, lead);
  const int d = base.ndim();
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b)
      if (base.split_dim(a) >= 0 && grid->dim(base.split_dim(a)) > 1 && base.split_dim(b) < 0)
        out.emplace_back(base, base.swap_split(a, b));
  // Uneven explicit ownership along axis 0: last process holds the remainder.
  if (grid->dim(0) > 1) {
    std::vector<Index> own(grid->dim(0), 1);
    own.back() = shape[0] - (grid->dim(0) - 1);
    std::vector<std::vector<Index>> ownership(d);
    ownership[0] = own;
    out.emplace_back(Layout::owned(grid, shape, lead, ownership), base);
  }
  return out;
}

void check_pairs(const std::vector<Index>& shape, int space_dims) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const auto& dims : test::factorizations(np, space_dims)) {
    auto pg = dims;
    pg.push_back(1);
    auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, pg);
    for (const auto& [from, to] : layout_pairs(grid, shape, 3)) {
      SCOPED_TRACE(from.describe() + " -> " + to.describe());
      Repartition r(from, to, sizeof(double));
      // Every element lands where the target layout says its global index lives.
      std::vector<double> gin(from.local_count()), gout(to.local_count(), -1.0);
      test::for_each_local(from, [&](Index o, std::uint64_t g) { gin[o] = static_cast<double>(g); });
      r.forward(gin.data(), gout.data());
      test::for_each_local(to, [&](Index o, std::uint64_t g) { ASSERT_EQ(gout[o], static_cast<double>(g)); });
      // Adjoint (reverse) brings it back.
      std::vector<double> back(from.local_count(), -1.0);
      r.adjoint(gout.data(), back.data());
      EXPECT_EQ(back, gin);
      // The datatype exchange moves the same elements.
      Repartition rt(from, to, sizeof(double), Repartition::Exchange::datatypes);
      std::vector<double> tout(to.local_count(), -1.0), tback(from.local_count(), -1.0);
      rt.forward(gin.data(), tout.data());
      EXPECT_EQ(tout, gout);
      rt.adjoint(tout.data(), tback.data());
      EXPECT_EQ(tback, gin);
      // Dot-product test with complex elements.
      Repartition rc(from, to, sizeof(std::complex<double>));
      auto x = test::random_complex<double>(from, seed);
      auto y = test::random_complex<double>(to, seed + 1);
      std::vector<std::complex<double>> rx(to.local_count()), rty(from.local_count());
      rc.forward(x.data(), rx.data());
      rc.adjoint(y.data(), rty.data());
      const double lhs = test::global_dot(rx, y, MPI_COMM_WORLD), rhs = test::global_dot(x, rty, MPI_COMM_WORLD);
      EXPECT_LE(std::abs(lhs - rhs), 1e-12 * std::max(std::abs(lhs), std::abs(rhs)));
    }
  }
}

}  // namespace

TEST(Repartition, Grid2DplusT_37x29x11) { check_pairs({37, 29, 11}, 2); }
TEST(Repartition, Grid3DplusT_17x13x9x7) { check_pairs({17, 13, 9, 7}, 3); }
