#include "perturbation.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <stdexcept>

namespace fno::plugin {
namespace {

using Complex = std::complex<double>;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Standard normal draws by Box-Muller from 53-bit uniforms (the same sequence on every
// platform, unlike std::normal_distribution).
class NormalStream {
 public:
  explicit NormalStream(std::uint64_t seed) : engine_(seed) {}
  double next() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(angle);
    have_spare_ = true;
    return r * std::cos(angle);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool have_spare_ = false;
};

// exp(i 2 pi k x / n) for k in [-K, K] (row k + K) and the block's x (column).
std::vector<Complex> phase_table(std::int64_t K, std::int64_t n, std::int64_t start, std::int64_t extent) {
  std::vector<Complex> table(static_cast<std::size_t>((2 * K + 1) * extent));
  for (std::int64_t k = -K; k <= K; ++k)
    for (std::int64_t x = 0; x < extent; ++x) {
      const std::int64_t m = ((k * (start + x)) % n + n) % n;  // exact reduction keeps the angle small
      table[static_cast<std::size_t>((k + K) * extent + x)] =
          std::polar(1.0, 2.0 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(n));
    }
  return table;
}

}  // namespace

std::vector<double> smooth_random_field(const PerturbationSpec& spec, int component, const std::vector<std::int64_t>& global,
                                        const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& extent) {
  const std::size_t dims = global.size();
  if (dims < 1 || dims > 3 || start.size() != dims || extent.size() != dims)
    throw std::invalid_argument("smooth_random_field: 1 to 3 axes");
  if (!(spec.correlation > 0)) throw std::invalid_argument("smooth_random_field: correlation length must be > 0");
  const double amplitude =
      spec.amplitude.size() == 1 ? spec.amplitude[0] : spec.amplitude.at(static_cast<std::size_t>(component));

  // Wavenumbers per axis while the weight stays above 1e-12 of the largest, at most Nyquist.
  const double L = spec.correlation;
  std::vector<std::int64_t> K(3, 0), n(3, 1), s(3, 0), e(3, 1);
  for (std::size_t a = 0; a < dims; ++a) {
    n[a] = global[a];
    s[a] = start[a];
    e[a] = extent[a];
    const double reach = static_cast<double>(n[a]) * std::sqrt(std::log(1e12) / (2 * std::numbers::pi * std::numbers::pi)) / L;
    K[a] = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(reach)), n[a] / 2);
  }
  auto weight = [&](std::size_t a, std::int64_t k) {
    const double f = static_cast<double>(k) / static_cast<double>(n[a]);
    return std::exp(-2 * std::numbers::pi * std::numbers::pi * L * L * f * f);
  };
  double total = 0;
  const std::int64_t W0 = 2 * K[0] + 1, W1 = 2 * K[1] + 1, W2 = 2 * K[2] + 1;
  for (std::int64_t k2 = -K[2]; k2 <= K[2]; ++k2)
    for (std::int64_t k1 = -K[1]; k1 <= K[1]; ++k1)
      for (std::int64_t k0 = -K[0]; k0 <= K[0]; ++k0) total += weight(0, k0) * weight(1, k1) * weight(2, k2);

  // Coefficients w_k (xi - i eta), k0 fastest; the draws depend only on (seed, component).
  NormalStream normal(splitmix64(static_cast<std::uint64_t>(spec.seed) * 0x100000001b3ULL +
                                 static_cast<std::uint64_t>(component)));
  std::vector<Complex> c(static_cast<std::size_t>(W0 * W1 * W2));
  std::size_t idx = 0;
  for (std::int64_t k2 = -K[2]; k2 <= K[2]; ++k2)
    for (std::int64_t k1 = -K[1]; k1 <= K[1]; ++k1)
      for (std::int64_t k0 = -K[0]; k0 <= K[0]; ++k0) {
        const double w = std::sqrt(weight(0, k0) * weight(1, k1) * weight(2, k2) / total);
        const double xi = normal.next(), eta = normal.next();
        c[idx++] = Complex(w * xi, -w * eta);
      }

  // Contract the last axis first: A[k0][k1](z), then B[k0](y, z), then the value at x.
  const auto p0 = phase_table(K[0], n[0], s[0], e[0]);
  const auto p1 = phase_table(K[1], n[1], s[1], e[1]);
  const auto p2 = phase_table(K[2], n[2], s[2], e[2]);
  std::vector<double> out(static_cast<std::size_t>(e[0] * e[1] * e[2]));
  std::vector<Complex> A(static_cast<std::size_t>(W0 * W1)), B(static_cast<std::size_t>(W0));
  for (std::int64_t z = 0; z < e[2]; ++z) {
    for (std::int64_t j = 0; j < W0 * W1; ++j) {
      Complex sum = 0;
      for (std::int64_t k2 = 0; k2 < W2; ++k2)
        sum += c[static_cast<std::size_t>(k2 * W0 * W1 + j)] * p2[static_cast<std::size_t>(k2 * e[2] + z)];
      A[static_cast<std::size_t>(j)] = sum;
    }
    for (std::int64_t y = 0; y < e[1]; ++y) {
      for (std::int64_t k0 = 0; k0 < W0; ++k0) {
        Complex sum = 0;
        for (std::int64_t k1 = 0; k1 < W1; ++k1)
          sum += A[static_cast<std::size_t>(k1 * W0 + k0)] * p1[static_cast<std::size_t>(k1 * e[1] + y)];
        B[static_cast<std::size_t>(k0)] = sum;
      }
      for (std::int64_t x = 0; x < e[0]; ++x) {
        double value = 0;
        for (std::int64_t k0 = 0; k0 < W0; ++k0)
          value += (B[static_cast<std::size_t>(k0)] * p0[static_cast<std::size_t>(k0 * e[0] + x)]).real();
        out[static_cast<std::size_t>((z * e[1] + y) * e[0] + x)] = amplitude * value;
      }
    }
  }
  return out;
}

}  // namespace fno::plugin
