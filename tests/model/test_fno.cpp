// The whole FNO: parameter list, finite-difference gradients (double) with respect to the
// input and every parameter, partition invariance on every process grid (and explicit
// uneven ownership) against a one-rank model, gradient accumulation and the data-parallel
// reduction.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "layers/fno_model.hpp"
#include "fft/tensor_slice.hpp"
#include "test_fields.hpp"

namespace {

using fno::FnoConfig;
using fno::Index;
using fno::Layout;
using fno::Parameter;
using fno::test::factorizations;
using fno::test::global_dot;
using fno::test::global_max;
using fno::test::hash_uniform;

FnoConfig config_2d_plus_time() {
  FnoConfig c;
  c.space_dims = 2;
  c.grid = {10, 9, 8};
  c.modes = {3, 2, 3};
  c.width = 4;
  c.layers = 2;
  c.proj_width = 6;
  c.in_channels = 2;
  c.out_channels = 2;
  c.padding = 2;
  return c;
}

FnoConfig config_3d_plus_time() {
  FnoConfig c;
  c.space_dims = 3;
  c.grid = {6, 5, 4, 6};
  c.modes = {2, 2, 1, 2};
  c.width = 3;
  c.layers = 2;
  c.proj_width = 5;
  c.in_channels = 1;
  c.out_channels = 1;
  c.padding = 1;
  return c;
}

int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// A partition-independent perturbation direction for a parameter (its local slice).
template <class T>
std::vector<T> parameter_direction(const Parameter<T>& p, std::uint64_t seed) {
  std::vector<T> global(static_cast<std::size_t>(fno::element_count(p.global_shape)));
  for (std::size_t i = 0; i < global.size(); ++i) global[i] = static_cast<T>(hash_uniform(seed, i));
  std::vector<T> local(p.value.size());
  fno::extract_hyperslab(p.global_shape, p.local_start, p.local_shape, global.data(), local.data());
  return local;
}

// Σ over the global tensor: replicated parameters are identical on every rank.
template <class T>
double parameter_dot(const Parameter<T>& p, const std::vector<T>& a, const std::vector<T>& b) {
  if (!p.replicated) return global_dot(a, b, MPI_COMM_WORLD);
  long double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<long double>(a[i]) * b[i];
  return static_cast<double>(s);
}

TEST(Fno, ParametersInGoldenOrder) {
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1, 1});
  fno::Fno<float> model(config_2d_plus_time(), grid, 1);
  std::vector<std::string> names;
  for (const auto& p : model.parameters()) names.push_back(p.name);
  const std::vector<std::string> expected{
      "lift.weight",         "lift.bias",          "layers.0.spectral.weights", "layers.0.pointwise.weight",
      "layers.0.pointwise.bias", "layers.1.spectral.weights", "layers.1.pointwise.weight", "layers.1.pointwise.bias",
      "proj.fc1.weight",     "proj.fc1.bias",      "proj.fc2.weight",           "proj.fc2.bias"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(model.parameters()[0].global_shape, (std::vector<Index>{4, 2 + 3}));
  EXPECT_EQ(model.parameters()[2].global_shape, (std::vector<Index>{4, 4, 6, 4, 3, 2}));
  EXPECT_EQ(model.parameters()[10].global_shape, (std::vector<Index>{2, 6}));
  // Linear layers as nn.Linear: |w| <= 1/sqrt(fan_in); spectral weights in [0, 1/(in·out)).
  for (float v : model.parameters()[8].value) EXPECT_LE(std::abs(v), 1.0f / 2.0f);
  for (float v : model.parameters()[2].value) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, 1.0f / 16.0f);
  }
}

TEST(Fno, RejectsInvalidConfigurations) {
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1, 1});
  auto expect_error = [&](FnoConfig c, const char* what) {
    try {
      fno::Fno<double> model(c, grid, 1);
      ADD_FAILURE() << "no error for " << what;
    } catch (const fno::Error& e) {
      SUCCEED() << e.what();
    }
  };
  FnoConfig c = config_2d_plus_time();
  c.space_dims = 1;
  expect_error(c, "one space axis");
  c = config_2d_plus_time();
  c.grid = {10, 9};
  expect_error(c, "two grid extents for three axes");
  c = config_2d_plus_time();
  c.modes = {6, 2, 3};  // 2·6 > 10
  expect_error(c, "too many space modes");
  c = config_2d_plus_time();
  c.modes = {3, 2, 7};  // time 8 + padding 2 allows 6
  expect_error(c, "too many time modes");
  c = config_2d_plus_time();
  c.width = 0;
  expect_error(c, "zero width");
  EXPECT_THROW(fno::Fno<double>(config_2d_plus_time(), grid, 0), fno::Error);
}

// Central differences of L = <model(x), w> along a random direction, for the input and
// every parameter, against the hand-written backward.
void check_gradients(const FnoConfig& config, const std::vector<int>& dims) {
  SCOPED_TRACE(::testing::Message() << "process grid " << ::testing::PrintToString(dims));
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
  const Index batch = 2;
  fno::Fno<double> model(config, grid, batch, /*seed=*/5);
  const std::vector<double> x = fno::test::random_real<double>(model.input_layout(), 41);
  const std::vector<double> w = fno::test::random_real<double>(model.output_layout(), 42);
  std::vector<double> y(static_cast<std::size_t>(model.output_layout().local_count()));
  auto loss = [&](const std::vector<double>& input) {
    model.forward(input.data(), y.data());
    return global_dot(y, w, MPI_COMM_WORLD);
  };
  loss(x);
  std::vector<double> dx(x.size());
  model.backward(w.data(), dx.data());

  const double h = 1e-5, tolerance = 1e-6;
  {
    const std::vector<double> v = fno::test::random_real<double>(model.input_layout(), 43);
    std::vector<double> up(x), down(x);
    for (std::size_t i = 0; i < x.size(); ++i) {
      up[i] += h * v[i];
      down[i] -= h * v[i];
    }
    const double fd = (loss(up) - loss(down)) / (2 * h);
    const double exact = global_dot(dx, v, MPI_COMM_WORLD);
    EXPECT_NEAR(fd, exact, tolerance * std::max(std::abs(fd), 1e-3)) << "input";
  }
  std::uint64_t seed = 100;
  for (Parameter<double>& p : model.parameters()) {
    const std::vector<double> v = parameter_direction(p, seed++);
    const std::vector<double> saved = p.value;
    for (std::size_t i = 0; i < v.size(); ++i) p.value[i] = saved[i] + h * v[i];
    const double up = loss(x);
    for (std::size_t i = 0; i < v.size(); ++i) p.value[i] = saved[i] - h * v[i];
    const double down = loss(x);
    p.value = saved;
    const double fd = (up - down) / (2 * h);
    const double exact = parameter_dot(p, p.grad, v);
    EXPECT_NEAR(fd, exact, tolerance * std::max(std::abs(fd), 1e-3)) << p.name;
  }
}

TEST(Fno, FiniteDifferenceGradients2dPlusTime) {
  for (const auto& dims : factorizations(world_size(), 2)) check_gradients(config_2d_plus_time(), dims);
}
TEST(Fno, FiniteDifferenceGradients3dPlusTime) {
  const auto grids = factorizations(world_size(), 3);
  check_gradients(config_3d_plus_time(), grids.front());
  check_gradients(config_3d_plus_time(), grids.back());
}

// max |ours - reference| / max |reference| over all ranks.
template <class T>
double relative_difference(const std::vector<T>& ours, const std::vector<T>& reference) {
  double diff = 0, ref = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ours[i]) - static_cast<double>(reference[i])));
    ref = std::max(ref, std::abs(static_cast<double>(reference[i])));
  }
  diff = global_max(diff, MPI_COMM_WORLD);
  ref = global_max(ref, MPI_COMM_WORLD);
  return ref > 0 ? diff / ref : diff;
}

// This rank's block of a tensor that a one-rank model holds whole.
template <class T>
std::vector<T> local_block(const Layout& layout, const std::vector<T>& whole) {
  std::vector<T> block(static_cast<std::size_t>(layout.local_count()));
  fno::extract_hyperslab(fno::layout_global_shape(layout), fno::layout_local_start(layout),
                         fno::layout_local_shape(layout), whole.data(), block.data());
  return block;
}

struct Result {
  std::vector<std::vector<double>> tensors;  // output, input gradient, then every parameter's value and gradient
};

// Runs forward and backward (twice: gradients must accumulate) and collects this rank's slices.
template <class T>
void run_model(fno::Fno<T>& model, std::vector<T>& y, std::vector<T>& dx, std::uint64_t seed) {
  const std::vector<T> x = fno::test::random_real<T>(model.input_layout(), seed);
  const std::vector<T> w = fno::test::random_real<T>(model.output_layout(), seed + 1);
  y.resize(static_cast<std::size_t>(model.output_layout().local_count()));
  dx.resize(x.size());
  model.zero_grad();
  model.forward(x.data(), y.data());
  model.backward(w.data(), dx.data());
}

template <class T>
void check_partition_invariance(const FnoConfig& config, const std::vector<int>& dims,
                                std::vector<std::vector<Index>> ownership, double tolerance) {
  SCOPED_TRACE(::testing::Message() << "process grid " << ::testing::PrintToString(dims) << " ownership "
                                    << ::testing::PrintToString(ownership));
  const Index batch = 2;
  std::vector<int> single(dims.size(), 1);
  auto self = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, single);
  fno::Fno<T> reference(config, self, batch, /*seed=*/17);
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
  fno::Fno<T> model(config, grid, batch, /*seed=*/17, ownership);

  std::vector<T> y_ref, dx_ref, y, dx;
  run_model(reference, y_ref, dx_ref, 61);
  run_model(model, y, dx, 61);
  EXPECT_LE(relative_difference(y, local_block(model.output_layout(), y_ref)), tolerance) << "output";
  EXPECT_LE(relative_difference(dx, local_block(model.input_layout(), dx_ref)), tolerance) << "input gradient";
  for (std::size_t k = 0; k < model.parameters().size(); ++k) {
    const Parameter<T>& p = model.parameters()[k];
    const Parameter<T>& r = reference.parameters()[k];
    ASSERT_EQ(p.name, r.name);
    ASSERT_EQ(p.global_shape, r.global_shape);
    std::vector<T> value(p.value.size()), grad(p.grad.size());
    fno::extract_hyperslab(r.global_shape, p.local_start, p.local_shape, r.value.data(), value.data());
    fno::extract_hyperslab(r.global_shape, p.local_start, p.local_shape, r.grad.data(), grad.data());
    EXPECT_EQ(p.value, value) << p.name << ": initialisation depends on the partition";
    EXPECT_LE(relative_difference(p.grad, grad), tolerance) << p.name;
  }
}

TEST(Fno, PartitionInvarianceDouble) {
  for (const auto& dims : factorizations(world_size(), 2))
    check_partition_invariance<double>(config_2d_plus_time(), dims, {}, 1e-10);
  for (const auto& dims : factorizations(world_size(), 3))
    check_partition_invariance<double>(config_3d_plus_time(), dims, {}, 1e-10);
}

TEST(Fno, PartitionInvarianceFloat) {
  for (const auto& dims : factorizations(world_size(), 2))
    check_partition_invariance<float>(config_2d_plus_time(), dims, {}, 1e-5);
  for (const auto& dims : factorizations(world_size(), 3))
    check_partition_invariance<float>(config_3d_plus_time(), dims, {}, 1e-5);
}

// Explicit, uneven ownership ranges (as DMDAGetOwnershipRanges may return).
TEST(Fno, PartitionInvarianceExplicitOwnership) {
  const int n = world_size();
  std::vector<Index> parts;
  Index rest = 10;  // grid extent of axis 0 in config_2d_plus_time
  for (int r = 0; r + 1 < n; ++r) {
    parts.push_back(r + 1);
    rest -= r + 1;
  }
  parts.push_back(rest);
  check_partition_invariance<double>(config_2d_plus_time(), {n, 1}, {parts, {}}, 1e-10);
}

TEST(Fno, GradientsAccumulateUntilZeroGrad) {
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, factorizations(world_size(), 2).back());
  fno::Fno<double> model(config_2d_plus_time(), grid, 1, 3);
  std::vector<double> y, dx;
  run_model(model, y, dx, 71);
  std::vector<std::vector<double>> once;
  for (const auto& p : model.parameters()) once.push_back(p.grad);
  // Each backward consumes its forward's saved activations.
  EXPECT_THROW(model.backward(y.data(), nullptr), fno::Error);
  const std::vector<double> x = fno::test::random_real<double>(model.input_layout(), 71);
  const std::vector<double> w = fno::test::random_real<double>(model.output_layout(), 72);
  model.forward(x.data(), y.data());
  model.backward(w.data(), nullptr);  // no input gradient wanted
  for (std::size_t k = 0; k < once.size(); ++k)
    for (std::size_t i = 0; i < once[k].size(); ++i)
      EXPECT_NEAR(model.parameters()[k].grad[i], 2 * once[k][i], 1e-12 * (1 + std::abs(once[k][i])))
          << model.parameters()[k].name;
  model.zero_grad();
  for (const auto& p : model.parameters())
    for (double g : p.grad) EXPECT_EQ(g, 0.0);
}

// Inference (nothing kept for backward) computes the same output as a training forward.
TEST(Fno, InferenceForwardMatchesTrainingForward) {
  for (int layers : {1, 2, 3}) {
    FnoConfig config = config_2d_plus_time();
    config.layers = layers;
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, factorizations(world_size(), 2).front());
    fno::Fno<double> model(config, grid, 2, 4);
    const std::vector<double> x = fno::test::random_real<double>(model.input_layout(), 91);
    std::vector<double> trained(static_cast<std::size_t>(model.output_layout().local_count())), inferred(trained.size());
    model.forward(x.data(), inferred.data(), /*keep_for_backward=*/false);
    EXPECT_THROW(model.backward(inferred.data(), nullptr), fno::Error);
    model.forward(x.data(), trained.data());
    EXPECT_EQ(trained, inferred) << layers << " layers";
    model.forward(x.data(), inferred.data(), /*keep_for_backward=*/false);
    EXPECT_EQ(trained, inferred) << layers << " layers, after a training forward";
  }
}

// The forward's fused epilogue gives the same model whatever its chunk: one time line per
// chunk (many chunks, an uneven last one) against the default (one chunk at these sizes),
// outputs and, after backward, every gradient (double, <= 1e-13 relative).
TEST(Fno, FusedEpilogueChunkDoesNotChangeResults) {
  for (const FnoConfig& config : {config_2d_plus_time(), config_3d_plus_time()}) {
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD,
                                                         factorizations(world_size(), config.space_dims).back());
    fno::Fno<double> whole(config, grid, 2, 5), chunked(config, grid, 2, 5);
    chunked.set_fused_chunk_points(1);
    const std::vector<double> x = fno::test::random_real<double>(whole.input_layout(), 17);
    const std::vector<double> dy = fno::test::random_real<double>(whole.output_layout(), 18);
    std::vector<double> a(static_cast<std::size_t>(whole.output_layout().local_count())), b(a.size());
    std::vector<double> da(x.size()), db(x.size());
    whole.forward(x.data(), a.data());
    chunked.forward(x.data(), b.data());
    whole.backward(dy.data(), da.data());
    chunked.backward(dy.data(), db.data());
    auto rel = [](const std::vector<double>& u, const std::vector<double>& v) {
      double err = 0, ref = 0;
      for (std::size_t i = 0; i < u.size(); ++i) {
        err = std::max(err, std::abs(u[i] - v[i]));
        ref = std::max(ref, std::abs(u[i]));
      }
      return std::make_pair(global_max(err, MPI_COMM_WORLD), global_max(ref, MPI_COMM_WORLD));
    };
    auto [oe, orf] = rel(a, b);
    ASSERT_GT(orf, 0.0);
    EXPECT_LE(oe, 1e-13 * orf);
    auto [ie, irf] = rel(da, db);
    EXPECT_LE(ie, 1e-13 * irf);
    for (std::size_t k = 0; k < whole.parameters().size(); ++k) {
      auto [pe, prf] = rel(whole.parameters()[k].grad, chunked.parameters()[k].grad);
      EXPECT_LE(pe, 1e-13 * prf) << whole.parameters()[k].name;
    }
  }
  EXPECT_THROW(
      fno::Fno<double>(config_2d_plus_time(),
                       std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, factorizations(world_size(), 2).back()),
                       1, 1)
          .set_fused_chunk_points(0),
      fno::Error);
}

// Data parallelism: every rank holds a whole replica and its own sample; with the
// data-parallel communicator set, each replica's gradients are the sum over all samples.
TEST(Fno, DataParallelReductionSumsReplicas) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  auto self = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1, 1});
  fno::Fno<double> alone(config_2d_plus_time(), self, 1, 9), replica(config_2d_plus_time(), self, 1, 9);
  replica.set_data_parallel_comm(MPI_COMM_WORLD);
  std::vector<double> y, dx;
  run_model(alone, y, dx, 80 + 2 * static_cast<std::uint64_t>(rank));
  run_model(replica, y, dx, 80 + 2 * static_cast<std::uint64_t>(rank));
  for (std::size_t k = 0; k < alone.parameters().size(); ++k) {
    std::vector<double> sum(alone.parameters()[k].grad.size());
    MPI_Allreduce(alone.parameters()[k].grad.data(), sum.data(), static_cast<int>(sum.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
    EXPECT_LE(relative_difference(replica.parameters()[k].grad, sum), 1e-13) << alone.parameters()[k].name;
  }
}

}  // namespace
