// Repartition: both exchanges (packed buffers with MPI_Alltoallv, subarray datatypes with
// MPI_Alltoallw) move every element to its owner in the target layout, bit for bit as
// the serial global tensor says, and agree with each other; the reverse repartition is
// the adjoint (<R x, y> = <x, R^T y>, double, <= 1e-12 relative). Checked on every
// process grid of the communicator (1-4 ranks in ctest), for every pair of layouts from
// a family that splits any axis over any process dimension with even, uneven and
// zero-sized parts.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <string>

#include "fft/repartition.hpp"
#include "test_fields.hpp"

using namespace fno;

namespace {

constexpr std::array<Repartition::Exchange, 2> kExchanges{Repartition::Exchange::packed,
                                                          Repartition::Exchange::datatypes};

const char* name(Repartition::Exchange e) { return e == Repartition::Exchange::packed ? "packed" : "datatypes"; }

// How the parts of a split axis of n points over p processes are sized.
enum class Parts { dmda, zero_first, heavy_last };

std::vector<Index> parts_of(Index n, int p, Parts how) {
  if (p == 1 || how == Parts::dmda) return dmda_parts(n, p);
  if (how == Parts::zero_first) {  // first process owns nothing, the rest by the DMDA rule
    auto rest = dmda_parts(n, p - 1);
    rest.insert(rest.begin(), 0);
    return rest;
  }
  // one point each, the last process the remainder (falls back to DMDA if n < p)
  if (n < p) return dmda_parts(n, p);
  std::vector<Index> v(p, 1);
  v.back() = n - (p - 1);
  return v;
}

// Every layout of `shape` on `grid` in which each process dimension of size > 1 splits one
// axis (every injective assignment), with the parts of each split axis sized by each rule.
std::vector<Layout> layout_family(const std::shared_ptr<ProcessGrid>& grid, const std::vector<Index>& shape,
                                  Index lead) {
  const int d = static_cast<int>(shape.size());
  std::vector<int> busy;  // process dimensions with more than one process
  for (int q = 0; q < grid->ndims(); ++q)
    if (grid->dim(q) > 1) busy.push_back(q);
  std::vector<Layout> out;
  std::vector<int> split(d, -1);
  std::function<void(std::size_t)> assign = [&](std::size_t k) {
    if (k == busy.size()) {
      for (Parts how : {Parts::dmda, Parts::zero_first, Parts::heavy_last}) {
        std::vector<std::vector<Index>> parts(d);
        for (int a = 0; a < d; ++a)
          if (split[a] >= 0) parts[a] = parts_of(shape[a], grid->dim(split[a]), how);
        Layout l(grid, shape, lead, split, parts);
        bool seen = false;
        for (const Layout& o : out) seen = seen || o == l;
        if (!seen) out.push_back(l);
      }
      return;
    }
    for (int a = 0; a < d; ++a)
      if (split[a] < 0) {
        split[a] = busy[k];
        assign(k + 1);
        split[a] = -1;
      }
  };
  assign(0);
  return out;
}

// Every process grid a DMDA over the space axes could use (time is never split by the
// host; the layouts above still move splits onto it, as the FFT's transposes do).
std::vector<std::shared_ptr<ProcessGrid>> grids_for(int space_dims) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  std::vector<std::shared_ptr<ProcessGrid>> out;
  for (auto dims : test::factorizations(np, space_dims)) {
    dims.push_back(1);
    out.push_back(std::make_shared<ProcessGrid>(MPI_COMM_WORLD, dims));
  }
  return out;
}

// The serial reference: element g of the global tensor [lead][shape...] is value(g).
double value(std::uint64_t seed, std::uint64_t g) { return test::hash_uniform(seed, g); }

// Counts elements of `out` (a block of layout l) that differ from the serial reference.
Index mismatches(const Layout& l, const std::vector<double>& out, std::uint64_t seed) {
  Index bad = 0;
  test::for_each_local(l, [&](Index o, std::uint64_t g) { bad += out[o] != value(seed, g); });
  return bad;
}

Index global_sum(Index v) {
  Index s = 0;
  MPI_Allreduce(&v, &s, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return s;
}

struct Tally {
  Index pairs = 0, empty_parts = 0, multi_dim = 0;
};

// One ordered pair of layouts, both exchanges. Every check below is evaluated without
// leaving the loop early, so all ranks make the same collective calls.
void check_pair(const Layout& from, const Layout& to, std::uint64_t seed, Tally& tally) {
  SCOPED_TRACE(from.describe() + " -> " + to.describe());
  std::vector<double> gin(from.local_count());
  test::for_each_local(from, [&](Index o, std::uint64_t g) { gin[o] = value(seed, g); });
  std::vector<std::vector<double>> outs;
  for (auto how : kExchanges) {
    SCOPED_TRACE(name(how));
    Repartition r(from, to, sizeof(double), how);
    std::vector<double> out(to.local_count(), -7.0), back(from.local_count(), -7.0);
    r.forward(gin.data(), out.data());
    EXPECT_EQ(global_sum(mismatches(to, out, seed)), 0) << "forward differs from the serial tensor";
    r.adjoint(out.data(), back.data());
    EXPECT_EQ(global_sum(mismatches(from, back, seed)), 0) << "adjoint does not bring the block back";
    // The plan is reused: a second, different input moves as well.
    std::vector<double> gin2(gin.size()), out2(out.size());
    test::for_each_local(from, [&](Index o, std::uint64_t g) { gin2[o] = value(seed + 3, g); });
    r.forward(gin2.data(), out2.data());
    EXPECT_EQ(global_sum(mismatches(to, out2, seed + 3)), 0) << "second use of the plan";
    outs.push_back(std::move(out));

    // Dot-product test with complex elements: <R x, y> = <x, R^T y>.
    Repartition rc(from, to, sizeof(std::complex<double>), how);
    auto x = test::random_complex<double>(from, seed + 11);
    auto y = test::random_complex<double>(to, seed + 12);
    std::vector<std::complex<double>> rx(to.local_count()), rty(from.local_count());
    rc.forward(x.data(), rx.data());
    rc.adjoint(y.data(), rty.data());
    const double lhs = test::global_dot(rx, y, MPI_COMM_WORLD), rhs = test::global_dot(x, rty, MPI_COMM_WORLD);
    EXPECT_LE(std::abs(lhs - rhs), 1e-12 * std::max(std::abs(lhs), std::abs(rhs))) << lhs << " vs " << rhs;

    // An element size that is no power of two (12 bytes): the packed path copies runs
    // of bytes, the datatype path builds byte-element subarrays.
    using E = std::array<float, 3>;
    Repartition r12(from, to, sizeof(E), how);
    std::vector<E> ein(from.local_count()), eout(to.local_count(), E{-1, -1, -1});
    test::for_each_local(from, [&](Index o, std::uint64_t g) {
      ein[o] = {static_cast<float>(g), static_cast<float>(value(seed, g)), -static_cast<float>(g)};
    });
    r12.forward(ein.data(), eout.data());
    Index bad = 0;
    test::for_each_local(to, [&](Index o, std::uint64_t g) {
      const E want{static_cast<float>(g), static_cast<float>(value(seed, g)), -static_cast<float>(g)};
      bad += std::memcmp(&eout[o], &want, sizeof(E)) != 0;
    });
    EXPECT_EQ(global_sum(bad), 0) << "12-byte elements";
  }
  EXPECT_EQ(outs[0], outs[1]) << "packed and datatype exchanges disagree";

  ++tally.pairs;
  int changed = 0;
  for (int q = 0; q < from.grid().ndims(); ++q) {
    int af = -1, at = -1;
    for (int a = 0; a < from.ndim(); ++a) {
      if (from.split_dim(a) == q) af = a;
      if (to.split_dim(a) == q) at = a;
    }
    changed += af != at;
  }
  tally.multi_dim += changed > 1;
  bool empty = false;
  for (const Layout* l : {&from, &to})
    for (int a = 0; a < l->ndim(); ++a)
      for (Index p : l->parts(a)) empty = empty || p == 0;
  tally.empty_parts += empty;
}

Tally check_all_pairs(const std::vector<Index>& shape, Index lead) {
  const int space_dims = static_cast<int>(shape.size()) - 1;
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  Tally tally;
  for (const auto& grid : grids_for(space_dims)) {
    const auto family = layout_family(grid, shape, lead);
    for (const Layout& from : family)
      for (const Layout& to : family) check_pair(from, to, seed, tally);
  }
  return tally;
}

int world_size() {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  return np;
}

}  // namespace

TEST(Repartition, EveryLayoutPair1DplusT_23x6) {
  const Tally t = check_all_pairs({23, 6}, 2);
  EXPECT_GT(t.pairs, 0);
  if (world_size() > 1) {
    EXPECT_GT(t.empty_parts, 0);
  }
}

TEST(Repartition, EveryLayoutPair2DplusT_13x7x5) {
  const Tally t = check_all_pairs({13, 7, 5}, 3);
  if (world_size() > 1) {
    EXPECT_GT(t.empty_parts, 0);
  }
  if (world_size() == 4) {
    EXPECT_GT(t.multi_dim, 0) << "a pair that changes two process dimensions at once";
  }
}

TEST(Repartition, EveryLayoutPair3DplusT_7x5x4x3) {
  const Tally t = check_all_pairs({7, 5, 4, 3}, 2);
  if (world_size() == 4) {
    EXPECT_GT(t.multi_dim, 0);
  }
}

// Axes shorter than the process count: the DMDA rule itself leaves processes empty
// (3 points over 4 processes: 1,1,1,0), as a truncated mode axis does in the FFT.
TEST(Repartition, AxesShorterThanTheProcessCount_3x2x2) {
  const Tally t = check_all_pairs({3, 2, 2}, 1);
  if (world_size() > 1) {
    EXPECT_GT(t.empty_parts, 0);
  }
}

// The pencil swaps and DMDA ownership pairs the FFT and the plugin build, at sizes with
// uneven blocks, both exchanges.
TEST(Repartition, PencilSwapsAndOwnership2DplusT_37x29x11) {
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  Tally tally;
  for (const auto& grid : grids_for(2)) {
    const std::vector<Index> shape{37, 29, 11};
    Layout base = Layout::block(grid, shape, 3);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        if (base.split_dim(a) >= 0 && base.split_dim(b) < 0) check_pair(base, base.swap_split(a, b), seed, tally);
    if (grid->dim(0) > 1) {
      std::vector<std::vector<Index>> own(3);
      own[0] = parts_of(37, grid->dim(0), Parts::heavy_last);
      check_pair(Layout::owned(grid, shape, 3, own), base, seed, tally);
    }
  }
  if (world_size() > 1) {
    EXPECT_GT(tally.pairs, 0);
  }
}
