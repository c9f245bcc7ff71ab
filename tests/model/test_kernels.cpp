// The vectorised kernels against the plain BLAS paths they replace (float, ≤ 1e-5 relative
// to the largest reference value): the folded real DFT along time (forward, inverse and
// both adjoints) and the complex DFT along a space axis, over lengths odd and even, every
// mode count from 1 to the maximum, line counts that are and are not multiples of the
// kernels' blocking; and the pointwise layer's kernels against its gemm form. Where the
// CPU has no AVX-512 both sides are the BLAS path and the comparison is exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "layers/activation.hpp"
#include "layers/pointwise_linear.hpp"
#include "test_fields.hpp"
#include "fft/truncated_dft.hpp"

namespace {

using fno::Index;

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(fno::test::hash_uniform(seed, i));
  return v;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

// Runs f with the kernels on and off and compares what it wrote.
template <class F>
void expect_kernel_equals_blas(F&& f, std::size_t size, const std::string& what) {
  std::vector<float> with(size, 7.f), without(size, -7.f);
  fno::set_dft_kernels_enabled(true);
  f(with);
  fno::set_dft_kernels_enabled(false);
  f(without);
  fno::set_dft_kernels_enabled(true);
  ASSERT_GT(max_abs(without), 0.0) << what;
  EXPECT_LE(max_diff(with, without), 1e-5 * max_abs(without)) << what;
}

TEST(Kernels, FoldedRealDftEqualsGemm) {
  for (Index n : {1, 2, 3, 4, 5, 7, 8, 16, 17, 31, 33, 52, 53, 64, 100}) {
    std::vector<Index> mode_counts{1, n / 2 + 1};
    if (n >= 4) mode_counts.push_back(n / 4 + 1);
    for (Index m : mode_counts)
      for (Index lines : {1, 3, 4, 5, 13}) {
        const fno::TruncatedRealDFT<float> dft(n, m);
        const std::string tag = "n=" + std::to_string(n) + " m=" + std::to_string(m) + " lines=" + std::to_string(lines);
        const std::vector<float> x = random_floats(static_cast<std::size_t>(lines * n), 11 + n);
        const std::vector<float> X = random_floats(static_cast<std::size_t>(lines * 2 * m), 13 + m);
        const auto* Xc = reinterpret_cast<const std::complex<float>*>(X.data());
        const auto size_modes = static_cast<std::size_t>(lines * 2 * m), size_real = static_cast<std::size_t>(lines * n);
        expect_kernel_equals_blas(
            [&](std::vector<float>& out) { dft.forward(lines, x.data(), reinterpret_cast<std::complex<float>*>(out.data())); },
            size_modes, "forward " + tag);
        expect_kernel_equals_blas(
            [&](std::vector<float>& out) {
              dft.inverse_adjoint(lines, x.data(), reinterpret_cast<std::complex<float>*>(out.data()));
            },
            size_modes, "inverse_adjoint " + tag);
        expect_kernel_equals_blas([&](std::vector<float>& out) { dft.inverse(lines, Xc, out.data()); }, size_real,
                                  "inverse " + tag);
        expect_kernel_equals_blas([&](std::vector<float>& out) { dft.forward_adjoint(lines, Xc, out.data()); },
                                  size_real, "forward_adjoint " + tag);
      }
  }
}

TEST(Kernels, ComplexDftEqualsGemm) {
  for (Index n : {2, 3, 8, 13, 16, 64})
    for (Index m : {Index{1}, n / 2})
      for (Index inner : {2, 3, 6, 8, 9, 64})
        for (Index outer : {1, 3}) {
          const fno::TruncatedComplexDFT<float> dft(n, m);
          const std::string tag = "n=" + std::to_string(n) + " m=" + std::to_string(m) + " inner=" + std::to_string(inner) +
                                  " outer=" + std::to_string(outer);
          const std::vector<float> x = random_floats(static_cast<std::size_t>(2 * outer * n * inner), 17 + n);
          const std::vector<float> X = random_floats(static_cast<std::size_t>(2 * outer * 2 * m * inner), 19 + m);
          using C = std::complex<float>;
          const auto* xc = reinterpret_cast<const C*>(x.data());
          const auto* Xc = reinterpret_cast<const C*>(X.data());
          const auto modes_size = static_cast<std::size_t>(2 * outer * 2 * m * inner);
          const auto full_size = static_cast<std::size_t>(2 * outer * n * inner);
          auto as_c = [](std::vector<float>& v) { return reinterpret_cast<C*>(v.data()); };
          expect_kernel_equals_blas([&](std::vector<float>& o) { dft.forward(outer, inner, xc, as_c(o)); }, modes_size,
                                    "forward " + tag);
          expect_kernel_equals_blas([&](std::vector<float>& o) { dft.inverse_adjoint(outer, inner, xc, as_c(o)); },
                                    modes_size, "inverse_adjoint " + tag);
          expect_kernel_equals_blas([&](std::vector<float>& o) { dft.inverse(outer, inner, Xc, as_c(o)); }, full_size,
                                    "inverse " + tag);
          expect_kernel_equals_blas([&](std::vector<float>& o) { dft.forward_adjoint(outer, inner, Xc, as_c(o)); },
                                    full_size, "forward_adjoint " + tag);
        }
}

TEST(Kernels, LinearPointsEqualsGemm) {
  for (Index rows : {1, 4, 7, 20, 128})
    for (Index cols : {1, 5, 20})
      for (Index points : {1, 15, 16, 17, 100})
        for (bool transposed : {false, true})
          for (bool accumulate : {false, true})
            for (bool with_bias : {false, true}) {
              if (transposed && with_bias) continue;
              const std::string tag = "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
                                      " points=" + std::to_string(points) + (transposed ? " transposed" : "") +
                                      (accumulate ? " accumulate" : "") + (with_bias ? " bias" : "");
              const Index ldx = points + 3, ldy = points + 5;
              const std::vector<float> w = random_floats(static_cast<std::size_t>(rows * cols), 23);
              const std::vector<float> b = random_floats(static_cast<std::size_t>(rows), 29);
              const std::vector<float> x = random_floats(static_cast<std::size_t>(cols * ldx), 31);
              const std::vector<float> y0 = random_floats(static_cast<std::size_t>(rows * ldy), 37);
              expect_kernel_equals_blas(
                  [&](std::vector<float>& y) {
                    y = y0;
                    // transposed: w holds [cols][rows], element (r, c) at w[c·rows + r]
                    fno::linear_points(rows, cols, w.data(), transposed ? Index{1} : cols, transposed ? rows : Index{1},
                                       with_bias ? b.data() : nullptr, x.data(), ldx, y.data(), ldy, points, accumulate);
                  },
                  y0.size(), tag);
            }
}

}  // namespace
