// Layout: DMDA ownership rule, explicit ownership arrays, process-grid rank order.
#include <gtest/gtest.h>

#include <memory>
#include <numeric>

#include "common/error.hpp"
#include "fft/layout.hpp"
#include "test_fields.hpp"

using namespace fno;

TEST(Layout, DmdaRuleFirstPartsLarger) {
  EXPECT_EQ(dmda_parts(37, 4), (std::vector<Index>{10, 9, 9, 9}));
  EXPECT_EQ(dmda_parts(29, 3), (std::vector<Index>{10, 10, 9}));
  EXPECT_EQ(dmda_parts(2, 3), (std::vector<Index>{1, 1, 0}));
}

TEST(Layout, BlocksTileTheGridOnEveryProcessGrid) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  for (const auto& dims : test::factorizations(np, 3)) {
    std::vector<int> pg = dims;
    pg.push_back(1);  // time is never split
    auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, pg);
    Layout l = Layout::block(grid, {17, 13, 9, 7}, 3);
    // DMDA rank order: x fastest.
    const auto& c = grid->coords();
    EXPECT_EQ(grid->rank(), c[0] + dims[0] * (c[1] + dims[1] * c[2]));
    // Every global point is owned exactly once.
    Index mine = l.local_count(), total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(total, 3 * 17 * 13 * 9 * 7);
    for (int a = 0; a < 3; ++a) {
      auto parts = dmda_parts(l.global(a), dims[a]);
      EXPECT_EQ(l.local(a), parts[c[a]]);
      EXPECT_EQ(l.start(a), std::accumulate(parts.begin(), parts.begin() + c[a], Index{0}));
    }
    EXPECT_EQ(l.local(3), 7);
  }
}

TEST(Layout, ExplicitOwnershipMirrorsDmdaGetOwnershipRanges) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{np, 1, 1});
  std::vector<Index> lx(np, 1);
  lx.back() = 37 - (np - 1);  // deliberately uneven: last rank owns most
  Layout l = Layout::owned(grid, {37, 29, 11}, 2, {lx, {}, {}});
  EXPECT_EQ(l.local(0), lx[grid->rank()]);
  EXPECT_EQ(l.start(0), grid->rank());
  EXPECT_EQ(l.local(1), 29);
}

TEST(Layout, ZeroPointsOnARankWhenOwnershipSaysSo) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  if (np < 2) return;  // needs a second rank to give the points to
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{np, 1});
  std::vector<Index> lx(np, 0);
  lx[1] = 12;
  Layout l = Layout::owned(grid, {12, 5}, 1, {lx, {}});
  EXPECT_EQ(l.local_count(), grid->rank() == 1 ? 60 : 0);
}

// One space axis and time (1D+t, [lead][n_x][n_t]): x split over every rank by the DMDA
// rule or by explicit ownership (uneven, a rank without points), time local; the grid may
// name only the space dimension.
TEST(Layout, OneSpaceAxisPlusTime) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  for (const std::vector<int>& pg : {std::vector<int>{np}, std::vector<int>{np, 1}}) {
    auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, pg);
    const int r = grid->rank();
    Layout l = Layout::block(grid, {23, 6}, 2);
    const auto parts = dmda_parts(23, np);
    EXPECT_EQ(l.ndim(), 2);
    EXPECT_EQ(l.split_dim(0), np > 1 ? 0 : -1);
    EXPECT_LT(l.split_dim(1), 0);
    EXPECT_EQ(l.local(0), parts[r]);
    EXPECT_EQ(l.start(0), std::accumulate(parts.begin(), parts.begin() + r, Index{0}));
    EXPECT_EQ(l.local(1), 6);
    EXPECT_EQ(l.local_count(), 2 * parts[r] * 6);
    // Explicit ownership: the first rank owns nothing, the last the most.
    std::vector<Index> lx(np, 1);
    lx.front() = 0;
    lx.back() = 23 - (np - 1) + (np > 1 ? 1 : 0);
    if (np == 1) lx = {23};
    Layout o = Layout::owned(grid, {23, 6}, 2, {lx, {}});
    EXPECT_EQ(o.local(0), lx[r]);
    EXPECT_EQ(o.start(0), std::accumulate(lx.begin(), lx.begin() + r, Index{0}));
    Index mine = o.local_count(), total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(total, 2 * 23 * 6);
    // Pencil swap onto the time axis (what the FFT does with a truncated time-mode axis).
    if (np > 1) {
      Layout s = l.with_extent(1, 3).swap_split(0, 1);
      EXPECT_LT(s.split_dim(0), 0);
      EXPECT_EQ(s.local(0), 23);
      EXPECT_EQ(s.local(1), dmda_parts(3, np)[r]);
    }
  }
}
