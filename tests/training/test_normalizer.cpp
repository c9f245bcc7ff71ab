// Unit-Gaussian normalizer: statistics from global reductions equal the serial ones on
// any rank count, encode/decode invert each other, decode's backward by finite differences.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "distributed_field.hpp"
#include "common/error.hpp"
#include "training/normalizer.hpp"

namespace {

using fno::Index;
using fno::test::DistributedField;
using fno::test::random_global_field;

// Channel c of the field: offset 3c - 1 and spread c + 0.5, so every channel differs.
std::vector<double> channel_shifted_field(const DistributedField& f, std::uint64_t seed) {
  auto v = random_global_field(f.global_size(), seed);
  for (Index b = 0; b < f.batch; ++b)
    for (Index c = 0; c < f.channels; ++c)
      for (Index x = 0; x < f.global_points; ++x) {
        double& e = v[f.global_index(b, c, x)];
        e = (3.0 * c - 1.0) + (c + 0.5) * e;
      }
  return v;
}

TEST(UnitGaussianNormalizer, HandComputedStatistics) {
  // One channel holding 1, 2, 3, 4 (two samples of two points): mean 2.5, population
  // variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
  DistributedField f(MPI_COMM_WORLD, 2, 1, 2);
  const std::vector<double> data{1, 2, 3, 4};
  const auto n = fno::UnitGaussianNormalizer<double>::fit(f.local_part(data), f.block(), MPI_COMM_WORLD, 0.0);
  ASSERT_EQ(n.channels(), 1);
  EXPECT_DOUBLE_EQ(n.mean()[0], 2.5);
  EXPECT_DOUBLE_EQ(n.stddev()[0], std::sqrt(1.25));
  EXPECT_EQ(n.epsilon(), 0.0);
}

TEST(UnitGaussianNormalizer, StatisticsMatchSerialComputationOnEveryPartition) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 3, 4, 23);
  const auto data = channel_shifted_field(f, seed);
  const double epsilon = 1e-5;
  const auto n = fno::UnitGaussianNormalizer<double>::fit(f.local_part(data), f.block(), MPI_COMM_WORLD, epsilon);
  ASSERT_EQ(n.channels(), f.channels);
  const double count = static_cast<double>(f.batch * f.global_points);
  for (Index c = 0; c < f.channels; ++c) {
    double sum = 0, squares = 0;
    for (Index b = 0; b < f.batch; ++b)
      for (Index x = 0; x < f.global_points; ++x) sum += data[f.global_index(b, c, x)];
    const double mean = sum / count;
    for (Index b = 0; b < f.batch; ++b)
      for (Index x = 0; x < f.global_points; ++x) {
        const double d = data[f.global_index(b, c, x)] - mean;
        squares += d * d;
      }
    EXPECT_NEAR(n.mean()[c], mean, 1e-13 * std::max(1.0, std::abs(mean))) << "channel " << c;
    EXPECT_NEAR(n.stddev()[c], std::sqrt(squares / count), 1e-13) << "channel " << c;
  }

  // Encoded data has global mean 0 and standard deviation std / (std + epsilon) per channel.
  const auto local = f.local_part(data);
  std::vector<double> encoded(local.size());
  n.encode(local, encoded, f.batch, f.local_points);
  const auto check = fno::UnitGaussianNormalizer<double>::fit(encoded, f.block(), MPI_COMM_WORLD, epsilon);
  for (Index c = 0; c < f.channels; ++c) {
    EXPECT_NEAR(check.mean()[c], 0.0, 1e-13) << "channel " << c;
    EXPECT_NEAR(check.stddev()[c], n.stddev()[c] / (n.stddev()[c] + epsilon), 1e-13) << "channel " << c;
  }

  // float fits agree with double to float accuracy.
  const auto nf = fno::UnitGaussianNormalizer<float>::fit(fno::test::converted<float>(local), f.block(),
                                                          MPI_COMM_WORLD, epsilon);
  for (Index c = 0; c < f.channels; ++c) {
    EXPECT_NEAR(nf.mean()[c], n.mean()[c], 1e-5);
    EXPECT_NEAR(nf.stddev()[c], n.stddev()[c], 1e-5);
  }
}

TEST(UnitGaussianNormalizer, EncodeAndDecodeInvertEachOther) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 2, 3, 17);
  const auto local = f.local_part(channel_shifted_field(f, seed));
  const fno::UnitGaussianNormalizer<double> n({1.5, -2.0, 0.25}, {0.5, 2.0, 1e-3}, 1e-4);
  std::vector<double> encoded(local.size()), decoded(local.size());
  n.encode(local, encoded, f.batch, f.local_points);
  n.decode(encoded, decoded, f.batch, f.local_points);
  for (std::size_t i = 0; i < local.size(); ++i) EXPECT_NEAR(decoded[i], local[i], 1e-12 * (1 + std::abs(local[i])));
  // Element by element against the formula (x - mean_c) / (std_c + eps).
  for (Index b = 0; b < f.batch; ++b)
    for (Index c = 0; c < f.channels; ++c)
      for (Index x = 0; x < f.local_points; ++x) {
        const std::size_t i = static_cast<std::size_t>((b * f.channels + c) * f.local_points + x);
        EXPECT_NEAR(encoded[i], (local[i] - n.mean()[c]) / (n.stddev()[c] + n.epsilon()), 1e-12 * (1 + std::abs(encoded[i])));
      }
  // In place.
  std::vector<double> in_place(local);
  n.encode(in_place, in_place, f.batch, f.local_points);
  for (std::size_t i = 0; i < local.size(); ++i) EXPECT_EQ(in_place[i], encoded[i]);
}

// f(z) = <w, decode(z)>: its gradient with respect to z is decode_backward(w); central
// differences along a random direction (global over the ranks) and along every local
// coordinate. Same for encode.
TEST(UnitGaussianNormalizer, BackwardsMatchFiniteDifferences) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  DistributedField f(MPI_COMM_WORLD, 2, 3, 7);
  const fno::UnitGaussianNormalizer<double> n({0.3, -1.0, 4.0}, {0.7, 3.0, 0.05});
  const auto z = f.local_part(random_global_field(f.global_size(), seed));
  const auto w = f.local_part(random_global_field(f.global_size(), seed + 1));
  const auto direction = f.local_part(random_global_field(f.global_size(), seed + 2));
  const double h = 1e-6;
  for (const bool decoding : {true, false}) {
    SCOPED_TRACE(decoding ? "decode" : "encode");
    auto objective = [&](const std::vector<double>& at) {
      std::vector<double> out(at.size());
      if (decoding)
        n.decode(at, out, f.batch, f.local_points);
      else
        n.encode(at, out, f.batch, f.local_points);
      return fno::test::global_dot(w, out, MPI_COMM_WORLD);
    };
    std::vector<double> grad(z.size());
    if (decoding)
      n.decode_backward(w, grad, f.batch, f.local_points);
    else
      n.encode_backward(w, grad, f.batch, f.local_points);
    std::vector<double> plus(z), minus(z);
    for (std::size_t i = 0; i < z.size(); ++i) {
      plus[i] += h * direction[i];
      minus[i] -= h * direction[i];
    }
    const double fd = (objective(plus) - objective(minus)) / (2 * h);
    const double analytic = fno::test::global_dot(grad, direction, MPI_COMM_WORLD);
    EXPECT_NEAR(fd, analytic, 1e-7 * std::max(1.0, std::abs(analytic)));
    // Every coordinate, one rank's at a time (the objective is collective).
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int owner = 0; owner < size; ++owner) {
      Index owner_count = static_cast<Index>(z.size());
      MPI_Bcast(&owner_count, 1, MPI_INT64_T, owner, MPI_COMM_WORLD);
      for (Index i = 0; i < owner_count; ++i) {
        const bool mine = rank == owner;
        std::vector<double> up(z), down(z);
        if (mine) {
          up[i] += h;
          down[i] -= h;
        }
        const double fd_i = (objective(up) - objective(down)) / (2 * h);
        if (mine) {
          EXPECT_NEAR(fd_i, grad[i], 1e-7 * std::max(1.0, std::abs(grad[i]))) << "local " << i;
        }
      }
    }
  }
}

TEST(UnitGaussianNormalizer, RejectsInvalidStatisticsAndSizes) {
  using N = fno::UnitGaussianNormalizer<double>;
  EXPECT_THROW(N({1.0, 2.0}, {1.0}), fno::Error);
  EXPECT_THROW(N({}, {}), fno::Error);
  EXPECT_THROW(N({1.0}, {-1.0}), fno::Error);
  EXPECT_THROW(N({1.0}, {0.0}, 0.0), fno::Error);  // zero scale
  const N n({0.0, 0.0}, {1.0, 1.0});
  std::vector<double> in(6), out(5);
  EXPECT_THROW(n.encode(in, out, 1, 3), fno::Error);
  std::vector<double> out6(6);
  EXPECT_THROW(n.decode(in, out6, 2, 3), fno::Error);  // 2 x 2 x 3 = 12 values needed
  EXPECT_NO_THROW(n.decode(in, out6, 1, 3));
}

}  // namespace
