// The fused forward and backward (with the vectorised kernels) against the plain form
// (one pass per operation, BLAS only): outputs, input gradients and every parameter
// gradient, on every process grid of the rank count, 2D+t and 3D+t, with and without time
// padding, batch 1 and 3, the default chunk and a small one (many chunks, an uneven last).
// float ≤ 1e-5 and double ≤ 1e-12, relative to the largest value of each tensor.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "layers/fno_model.hpp"
#include "test_fields.hpp"
#include "fft/truncated_dft.hpp"

namespace {

using fno::FnoConfig;
using fno::Index;
using fno::test::factorizations;
using fno::test::global_max;

int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

FnoConfig config_2d(Index padding) {
  FnoConfig c;
  c.space_dims = 2;
  c.grid = {12, 10, 9};
  c.modes = {3, 2, 3};
  c.width = 5;  // not a multiple of the kernels' four rows
  c.layers = 3;
  c.proj_width = 7;
  c.in_channels = 2;
  c.out_channels = 2;
  c.padding = padding;
  return c;
}

FnoConfig config_3d(Index padding) {
  FnoConfig c;
  c.space_dims = 3;
  c.grid = {6, 5, 4, 6};
  c.modes = {2, 2, 1, 2};
  c.width = 4;
  c.layers = 2;
  c.proj_width = 6;
  c.in_channels = 1;
  c.out_channels = 1;
  c.padding = padding;
  return c;
}

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

struct Run {
  std::vector<std::vector<double>> tensors;  // output, input gradient, every parameter gradient
  std::vector<std::string> names;
};

template <class T>
Run run(const FnoConfig& config, const std::vector<int>& dims, Index batch, bool fused, Index chunk) {
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
  fno::Fno<T> model(config, grid, batch, /*seed=*/23);
  model.set_fused(fused);
  if (chunk > 0) model.set_fused_chunk_points(chunk);
  fno::set_dft_kernels_enabled(fused);  // the plain form runs on BLAS alone
  const std::vector<T> x = fno::test::random_real<T>(model.input_layout(), 101);
  const std::vector<T> w = fno::test::random_real<T>(model.output_layout(), 102);
  std::vector<T> y(static_cast<std::size_t>(model.output_layout().local_count())), dx(x.size());
  model.zero_grad();
  // Two steps: the second sees what the first left in the buffers (and gradients accumulate).
  for (int step = 0; step < 2; ++step) {
    model.forward(x.data(), y.data());
    model.backward(w.data(), dx.data());
  }
  fno::set_dft_kernels_enabled(true);
  Run r;
  auto add = [&](const std::vector<T>& v, const std::string& name) {
    r.tensors.emplace_back(v.begin(), v.end());
    r.names.push_back(name);
  };
  add(y, "output");
  add(dx, "input gradient");
  for (const auto& p : model.parameters()) add(p.grad, p.name);
  return r;
}

template <class T>
void check(const FnoConfig& config, double tolerance) {
  for (const auto& dims : factorizations(world_size(), config.space_dims))
    for (Index batch : {1, 3})
      for (Index chunk : {Index{0}, Index{3 * (config.grid.back() + config.padding) + 1}}) {
        SCOPED_TRACE(::testing::Message() << "process grid " << ::testing::PrintToString(dims) << " batch " << batch
                                          << " chunk " << chunk << " padding " << config.padding);
        const Run plain = run<T>(config, dims, batch, false, chunk);
        const Run fused = run<T>(config, dims, batch, true, chunk);
        ASSERT_EQ(plain.tensors.size(), fused.tensors.size());
        for (std::size_t k = 0; k < plain.tensors.size(); ++k) {
          std::vector<double> a = fused.tensors[k], b = plain.tensors[k];
          double ref = 0;
          for (double v : b) ref = std::max(ref, std::abs(v));
          EXPECT_GT(global_max(ref, MPI_COMM_WORLD), 0.0) << plain.names[k];
          EXPECT_LE(relative_difference(a, b), tolerance) << plain.names[k];
        }
      }
}

TEST(Fused, EqualsPlainFloat2dPlusTime) {
  check<float>(config_2d(0), 1e-5);
  check<float>(config_2d(2), 1e-5);
}
TEST(Fused, EqualsPlainFloat3dPlusTime) {
  check<float>(config_3d(0), 1e-5);
  check<float>(config_3d(1), 1e-5);
}
TEST(Fused, EqualsPlainDouble2dPlusTime) {
  check<double>(config_2d(0), 1e-12);
  check<double>(config_2d(2), 1e-12);
}
TEST(Fused, EqualsPlainDouble3dPlusTime) {
  check<double>(config_3d(0), 1e-12);
  check<double>(config_3d(1), 1e-12);
}

}  // namespace
