// Bad arguments give an fno::Error with a clear message on every rank (run on 2 ranks).
#include <gtest/gtest.h>

#include <memory>

#include "common/error.hpp"
#include "fft/truncated_fft.hpp"

using namespace fno;

namespace {
// Runs f, expects fno::Error whose message contains `needle`; checks all ranks agree.
template <class F>
void expect_error_everywhere(F&& f, const std::string& needle) {
  int threw = 0;
  try {
    f();
  } catch (const Error& e) {
    threw = std::string(e.what()).find(needle) != std::string::npos ? 1 : 0;
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  int all = 0;
  MPI_Allreduce(&threw, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  EXPECT_EQ(all, 1) << "not every rank raised the expected error (" << needle << ")";
}

int world_size() {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  return np;
}
}  // namespace

TEST(Errors, SpaceModesLargerThanTheAxisAllows) {
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{world_size(), 1, 1});
  Layout l = Layout::block(grid, {16, 16, 8}, 1);
  expect_error_everywhere([&] { TruncatedFFT<double>(l, {9, 4, 3}); }, "it allows 1..8");
}

TEST(Errors, TimeModesLargerThanTheAxisAllows) {
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{world_size(), 1, 1});
  Layout l = Layout::block(grid, {16, 16, 8}, 1);
  expect_error_everywhere([&] { TruncatedFFT<float>(l, {4, 4, 6}); }, "along the time axis of length 8");
}

TEST(Errors, OwnershipRangesThatDoNotSumToTheGlobalSize) {
  const int np = world_size();
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{np, 1, 1});
  std::vector<Index> lx(np, 5);  // sums to 5*np, not 37
  expect_error_everywhere([&] { Layout::owned(grid, {37, 29, 11}, 1, {lx, {}, {}}); }, "sum to");
}

TEST(Errors, CommunicatorSizeDoesNotMatchTheProcessGrid) {
  const int np = world_size();
  expect_error_everywhere([&] { ProcessGrid(MPI_COMM_WORLD, {np + 1, 1}); }, "but the communicator has");
}

TEST(Errors, ZeroSizedGrid) {
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{world_size(), 1, 1});
  expect_error_everywhere([&] { Layout::block(grid, {16, 0, 8}, 1); }, "every axis needs at least one point");
}

TEST(Errors, ZeroChannels) {
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{world_size(), 1, 1});
  expect_error_everywhere([&] { Layout::block(grid, {16, 16, 8}, 0); }, "leading (channel/batch) extent");
}

TEST(Errors, SplitTimeAxis) {
  const int np = world_size();
  ASSERT_GE(np, 2) << "this suite runs on 2 ranks";
  auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{1, 1, np});
  Layout l = Layout::block(grid, {16, 16, 8}, 1);
  expect_error_everywhere([&] { TruncatedFFT<double>(l, {4, 4, 3}); }, "time) axis");
}
