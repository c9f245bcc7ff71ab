// Relative L2 and MSE losses on distributed fields: hand-computed values, agreement with a
// serial computation over the whole field on any rank count, finite-difference gradients.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <span>

#include "distributed_field.hpp"
#include "common/error.hpp"
#include "training/loss.hpp"

namespace {

using fno::Index;
using fno::test::DistributedField;
using fno::test::random_global_field;

// Serial relative L2 of a whole global field, sample by sample.
double serial_relative_l2(const DistributedField& f, const std::vector<double>& pred, const std::vector<double>& y,
                          std::vector<double>* per_sample = nullptr) {
  double total = 0;
  const Index n = f.channels * f.global_points;
  for (Index b = 0; b < f.batch; ++b) {
    double e = 0, t = 0;
    for (Index i = b * n; i < (b + 1) * n; ++i) {
      e += (pred[i] - y[i]) * (pred[i] - y[i]);
      t += y[i] * y[i];
    }
    if (per_sample) per_sample->push_back(std::sqrt(e / t));
    total += std::sqrt(e / t);
  }
  return total / static_cast<double>(f.batch);
}

TEST(RelativeL2Loss, HandComputedValueAndGradient) {
  // Two samples of two points (so some ranks own no point at np3 and np4):
  //   sample 0: pred (3, 0), y (0, 4): sqrt(25 / 16) = 1.25
  //   sample 1: pred (1, 2), y (1, 1): sqrt(1 / 2)
  // d loss / d pred = (pred - y) / (batch * r_b * sum y^2):
  //   sample 0: (3, -4) / (2 * 1.25 * 16) = (0.075, -0.1)
  //   sample 1: (0, 1) / (2 * sqrt(1/2) * 2) = (0, 1 / (2 sqrt 2))
  DistributedField f(MPI_COMM_WORLD, 2, 1, 2);
  const std::vector<double> pred{3, 0, 1, 2}, y{0, 4, 1, 1};
  const std::vector<double> expected_grad{0.075, -0.1, 0.0, 1.0 / (2.0 * std::sqrt(2.0))};
  fno::RelativeL2Loss<double> loss(f.block(), MPI_COMM_WORLD);
  const auto p = f.local_part(pred), t = f.local_part(y);
  EXPECT_NEAR(loss.forward(p, t), (1.25 + std::sqrt(0.5)) / 2, 1e-15);
  ASSERT_EQ(loss.per_sample().size(), 2u);
  EXPECT_NEAR(loss.per_sample()[0], 1.25, 1e-15);
  EXPECT_NEAR(loss.per_sample()[1], std::sqrt(0.5), 1e-15);
  std::vector<double> grad(p.size());
  loss.backward(p, t, 1.0, grad);
  const auto expected_local = f.local_part(expected_grad);
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad[i], expected_local[i], 1e-15) << i;
  // The incoming gradient scales the result.
  loss.backward(p, t, 3.0, grad);
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad[i], 3.0 * expected_local[i], 1e-15) << i;
}

TEST(RelativeL2Loss, MatchesSerialComputationOnEveryPartition) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 3, 2, 29);
  const auto y = random_global_field(f.global_size(), seed, 1.0, 0.5);
  const auto pred = random_global_field(f.global_size(), seed + 1, 1.0, 0.5);
  std::vector<double> expected_per_sample;
  const double expected = serial_relative_l2(f, pred, y, &expected_per_sample);

  fno::RelativeL2Loss<double> loss(f.block(), MPI_COMM_WORLD);
  EXPECT_NEAR(loss.forward(f.local_part(pred), f.local_part(y)), expected, 1e-13 * expected);
  for (Index b = 0; b < f.batch; ++b) EXPECT_NEAR(loss.per_sample()[b], expected_per_sample[b], 1e-13);

  fno::RelativeL2Loss<float> loss_float(f.block(), MPI_COMM_WORLD);
  const auto pred_f = fno::test::converted<float>(f.local_part(pred)), y_f = fno::test::converted<float>(f.local_part(y));
  EXPECT_NEAR(loss_float.forward(pred_f, y_f), expected, 1e-6 * expected);
}

// Central differences of a collective scalar function along a random direction and along
// single global coordinates, against the gradient from backward().
template <class Loss>
void check_gradient_by_finite_differences(Loss& loss, const DistributedField& f, std::vector<double> pred,
                                          const std::vector<double>& target, std::uint64_t seed) {
  const double grad_loss = 0.7;  // an incoming gradient other than 1
  loss.forward(pred, target);
  std::vector<double> grad(pred.size());
  loss.backward(pred, target, grad_loss, grad);

  const double h = 1e-6;
  // Along a random direction: <grad, d> = d/ds L(pred + s d) at s = 0.
  std::vector<double> direction(pred.size());
  for (std::size_t i = 0; i < direction.size(); ++i)
    direction[i] = fno::test::hash_uniform(seed + 7, static_cast<std::uint64_t>(f.global_of_local(static_cast<Index>(i))));
  auto shifted = [&](double s) {
    std::vector<double> q(pred);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] += s * direction[i];
    return static_cast<double>(loss.forward(q, target));
  };
  const double fd = grad_loss * (shifted(h) - shifted(-h)) / (2 * h);
  const double analytic = fno::test::global_dot(grad, direction, MPI_COMM_WORLD);
  EXPECT_NEAR(fd, analytic, 1e-7 * std::max(1.0, std::abs(analytic)));

  // Along single coordinates spread over the global field (each owned by one rank).
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (Index g = 0; g < f.global_size(); g += f.global_size() / 7 + 1) {
    const Index b = g / (f.channels * f.global_points), c = (g / f.global_points) % f.channels,
                x = g % f.global_points;
    const bool owned = x >= f.local_start && x < f.local_start + f.local_points;
    const std::size_t local = static_cast<std::size_t>((b * f.channels + c) * f.local_points + (x - f.local_start));
    auto at = [&](double s) {
      std::vector<double> q(pred);
      if (owned) q[local] += s;
      return static_cast<double>(loss.forward(q, target));
    };
    const double fd_coordinate = grad_loss * (at(h) - at(-h)) / (2 * h);
    if (owned) {
      EXPECT_NEAR(fd_coordinate, grad[local], 1e-7 * std::max(1.0, std::abs(grad[local]))) << "global " << g;
    }
  }
}

TEST(RelativeL2Loss, GradientMatchesFiniteDifferences) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 2, 3, 11);
  const auto y = random_global_field(f.global_size(), seed, 1.0, 0.2);
  const auto pred = random_global_field(f.global_size(), seed + 1, 1.0, 0.2);
  fno::RelativeL2Loss<double> loss(f.block(), MPI_COMM_WORLD);
  check_gradient_by_finite_differences(loss, f, f.local_part(pred), f.local_part(y), seed);
}

TEST(RelativeL2Loss, ExactPredictionHasZeroLossAndGradient) {
  DistributedField f(MPI_COMM_WORLD, 2, 1, 9);
  const auto y = f.local_part(random_global_field(f.global_size(), 5, 1.0, 2.0));
  fno::RelativeL2Loss<double> loss(f.block(), MPI_COMM_WORLD);
  EXPECT_EQ(loss.forward(y, y), 0.0);
  std::vector<double> grad(y.size(), 1.0);
  loss.backward(y, y, 1.0, grad);
  for (double g : grad) EXPECT_EQ(g, 0.0);
}

TEST(RelativeL2Loss, AllZeroTargetThrowsOnEveryRank) {
  DistributedField f(MPI_COMM_WORLD, 2, 1, 9);
  std::vector<double> y(f.global_size(), 1.0);
  for (Index x = 0; x < f.global_points; ++x) y[f.global_index(1, 0, x)] = 0.0;  // sample 1 is all zero
  const auto pred = f.local_part(std::vector<double>(f.global_size(), 0.5));
  fno::RelativeL2Loss<double> loss(f.block(), MPI_COMM_WORLD);
  EXPECT_THROW(loss.forward(pred, f.local_part(y)), fno::Error);
}

TEST(RelativeL2Loss, RejectsMismatchedSizes) {
  fno::RelativeL2Loss<double> loss({1, 1, 4}, MPI_COMM_WORLD);
  const std::vector<double> four(4, 1.0), three(3, 1.0);
  EXPECT_THROW(loss.forward(three, three), fno::Error);
  EXPECT_THROW(loss.forward(four, three), fno::Error);
  std::vector<double> grad(4);
  EXPECT_THROW(loss.backward(four, four, 1.0, grad), fno::Error);  // backward before forward
}

TEST(MeanSquaredError, HandComputedValueAndGradient) {
  // pred (1, 2, 3, 4), y 0: MSE = 30 / 4 = 7.5, gradient 2 (pred - y) / 4 = (0.5, 1, 1.5, 2).
  DistributedField f(MPI_COMM_WORLD, 1, 1, 4);
  const std::vector<double> pred{1, 2, 3, 4}, y{0, 0, 0, 0}, expected_grad{0.5, 1, 1.5, 2};
  fno::MeanSquaredError<double> mse(f.block(), MPI_COMM_WORLD);
  EXPECT_EQ(mse.global_count(), 4);
  const auto p = f.local_part(pred), t = f.local_part(y);
  EXPECT_DOUBLE_EQ(mse.forward(p, t), 7.5);
  std::vector<double> grad(p.size());
  mse.backward(p, t, 1.0, grad);
  const auto expected_local = f.local_part(expected_grad);
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_DOUBLE_EQ(grad[i], expected_local[i]);
}

TEST(MeanSquaredError, MatchesSerialComputationAndFiniteDifferences) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 2, 3, 13);
  const auto y = random_global_field(f.global_size(), seed);
  const auto pred = random_global_field(f.global_size(), seed + 1);
  double expected = 0;
  for (Index i = 0; i < f.global_size(); ++i) expected += (pred[i] - y[i]) * (pred[i] - y[i]);
  expected /= static_cast<double>(f.global_size());
  fno::MeanSquaredError<double> mse(f.block(), MPI_COMM_WORLD);
  EXPECT_NEAR(mse.forward(f.local_part(pred), f.local_part(y)), expected, 1e-14 * expected);
  fno::MeanSquaredError<float> mse_float(f.block(), MPI_COMM_WORLD);
  EXPECT_NEAR(mse_float.forward(fno::test::converted<float>(f.local_part(pred)),
                                fno::test::converted<float>(f.local_part(y))),
              expected, 1e-6 * expected);
  check_gradient_by_finite_differences(mse, f, f.local_part(pred), f.local_part(y), seed);
}

}  // namespace
