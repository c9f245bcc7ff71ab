// The model file with the real FNO: a model written on all ranks of the test (at np4 on a
// 2x2 process grid) and read on rank 0 alone, on the other ranks (at np4: 3) and on all
// ranks with another process grid gives the same outputs as the one-rank model it was
// written from; also through float32 storage into a float model.
#include <gtest/gtest.h>
#include <mpi.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "layers/fno_model.hpp"
#include "files/model_file.hpp"
#include "common/mpi_handles.hpp"
#include "fft/tensor_slice.hpp"
#include "test_fields.hpp"

namespace {

using fno::Index;

fno::FnoConfig small_config() {
  fno::FnoConfig c;
  c.space_dims = 2;
  c.grid = {9, 8, 6};
  c.modes = {2, 3, 2};
  c.width = 4;
  c.layers = 2;
  c.proj_width = 6;
  c.in_channels = 2;
  c.out_channels = 1;
  c.padding = 1;
  return c;
}

const Index batch = 2;

int rank_of(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int size_of(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

// This rank's block of a global tensor laid out as [lead][grid...].
template <class T>
std::vector<T> local_block(const fno::Layout& layout, const std::vector<double>& global) {
  std::vector<T> local(static_cast<std::size_t>(layout.local_count()));
  fno::for_each_in_hyperslab(fno::layout_global_shape(layout), fno::layout_local_start(layout),
                             fno::layout_local_shape(layout),
                             [&](Index g, Index s) { local[static_cast<std::size_t>(s)] = static_cast<T>(global[g]); });
  return local;
}

std::vector<double> global_input(const fno::Layout& layout, std::uint64_t seed) {
  std::vector<double> x(static_cast<std::size_t>(fno::element_count(fno::layout_global_shape(layout))));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = fno::test::hash_uniform(seed, i);
  return x;
}

// max |a - b| / max |b| over all ranks of comm.
template <class T>
double relative_difference(const std::vector<T>& a, const std::vector<T>& b, MPI_Comm comm) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  MPI_Allreduce(MPI_IN_PLACE, &diff, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(MPI_IN_PLACE, &scale, 1, MPI_DOUBLE, MPI_MAX, comm);
  return diff / scale;
}

// The output of a model for the global input, as this rank's block.
template <class T>
std::vector<T> run(fno::Fno<T>& model, const std::vector<double>& input) {
  const auto x = local_block<T>(model.input_layout(), input);
  std::vector<T> y(static_cast<std::size_t>(model.output_layout().local_count()));
  model.forward(x.data(), y.data());
  return y;
}

class ModelFileWithFno : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir;
    if (rank_of(MPI_COMM_WORLD) == 0) {
      std::string pattern = (std::filesystem::temp_directory_path() / "petscfno-model-fno-XXXXXX").string();
      if (mkdtemp(pattern.data())) dir = pattern;
    }
    std::uint64_t n = dir.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    dir.resize(n);
    if (n) MPI_Bcast(dir.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
    ASSERT_FALSE(dir.empty());
    directory_ = dir;
  }
  void TearDown() override {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank_of(MPI_COMM_WORLD) == 0) std::filesystem::remove_all(directory_);
  }
  std::filesystem::path directory_;
};

TEST_F(ModelFileWithFno, WrittenOnAllRanksReadOnOtherRankCountsGivesTheSameOutputs) {
  const fno::FnoConfig config = small_config();
  const int world = size_of(MPI_COMM_WORLD);
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  const std::string file = (directory_ / "fno.h5").string(), file32 = (directory_ / "fno32.h5").string();

  // Reference: the whole model on one rank.
  auto self = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1, 1});
  fno::Fno<double> reference(config, self, batch, seed);
  const auto input = global_input(reference.input_layout(), seed + 1);
  const auto reference_output = run(reference, input);

  // Written from the model on every rank.
  const std::vector<int> writer_dims = world == 4 ? std::vector<int>{2, 2} : std::vector<int>{world, 1};
  auto writer_grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, writer_dims);
  fno::Fno<double> writer(config, writer_grid, batch, seed);
  fno::write_model(file, MPI_COMM_WORLD, config, writer.parameters(), fno::Normalizers<double>{});
  fno::write_model(file32, MPI_COMM_WORLD, config, writer.parameters(), fno::Normalizers<double>{},
                   {.precision = fno::StoredPrecision::float32});

  // Read on the world (another grid), and at np >= 2 on rank 0 alone and on the rest.
  std::vector<fno::Comm> groups;
  groups.push_back(fno::Comm::borrow(MPI_COMM_WORLD));
  if (world > 1) {
    MPI_Comm split = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, rank_of(MPI_COMM_WORLD) == 0 ? 0 : 1, rank_of(MPI_COMM_WORLD), &split);
    groups.push_back(fno::Comm::own(split));
  }
  for (const auto& comm : groups) {
    const int n = comm.size();
    SCOPED_TRACE("reading on " + std::to_string(n) + " ranks");
    auto grid = std::make_shared<const fno::ProcessGrid>(comm.get(), std::vector<int>{1, n});
    ASSERT_EQ(fno::read_model_config(file, comm).grid, config.grid);
    fno::Fno<double> model(config, grid, batch, seed + 99);  // other weights until read
    const auto expected = local_block<double>(model.output_layout(), reference_output);
    EXPECT_GT(relative_difference(run(model, input), expected, comm), 1e-3) << "the fresh model already agrees";
    fno::read_model(file, comm, config, model.parameters());
    EXPECT_LE(relative_difference(run(model, input), expected, comm), 1e-10);

    fno::Fno<float> model32(config, grid, batch, seed + 98);
    fno::read_model(file32, comm, config, model32.parameters());
    const auto expected32 = std::vector<float>(expected.begin(), expected.end());
    EXPECT_LE(relative_difference(run(model32, input), expected32, comm), 1e-5);
  }
}

}  // namespace
