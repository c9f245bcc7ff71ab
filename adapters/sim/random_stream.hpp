// Deterministic, platform-independent random numbers for the earth-model generators.
// std::normal_distribution is implementation-defined, so normals come from our own
// Box-Muller on top of std::mt19937_64 (whose output sequence the standard fixes), and
// per-cell noise comes from a counter-based hash so it never depends on which rank or in
// which order a cell is evaluated.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace fno::sim {

class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1) from the top 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Integer(int lo, int hi) {  // inclusive range
    return lo + static_cast<int>(std::floor(Uniform() * (hi - lo + 1)));
  }
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

// SplitMix64 finaliser: a good 64-bit mixing function.
inline std::uint64_t MixBits(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A standard normal number attached to (seed, cell index), independent of evaluation order.
inline double CellNormal(std::uint64_t seed, std::uint64_t cell) {
  const std::uint64_t a = MixBits(seed ^ MixBits(2 * cell + 1));
  const std::uint64_t b = MixBits(a + 0x632be59bd9b4e019ULL);
  const double u1 = 1.0 - static_cast<double>(a >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(b >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace fno::sim
