#include "layers/activation.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace fno {

namespace {

// Branch-free float erf as a rational function x·P(x²)/Q(x²) on [-4, 4] (outside, erf is
// ±1 in single precision); absolute error below 5e-7 and written so that the compiler
// vectorises the array loops (std::erf on floats is a scalar library call and made GELU
// the most expensive step of the model).
inline float erf_rational(float a) {
  const float x = std::min(std::max(a, -4.f), 4.f);
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

// exp(y) for y <= 0 (clamped at -87), branch-free: y = n ln2 + r, |r| <= ln2/2, exp(r) by
// its degree-6 Taylor polynomial (relative error < 3e-7), 2^n from the exponent bits.
inline float exp_nonpositive(float y) {
  y = std::max(y, -87.f);
  const float shifter = 12582912.f;  // 1.5·2^23: adding it rounds to an integer
  const float n = (y * 1.44269504088896341f + shifter) - shifter;
  const float r = (y - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float e = 1.f / 720.f;
  e = e * r + 1.f / 120.f;
  e = e * r + 1.f / 24.f;
  e = e * r + 1.f / 6.f;
  e = e * r + 0.5f;
  e = e * r + 1.f;
  e = e * r + 1.f;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

inline float gelu_fast(float x) { return 0.5f * x * (1.f + erf_rational(x * 0.70710678118654752f)); }
inline float gelu_derivative_fast(float x) {
  const float cdf = 0.5f * (1.f + erf_rational(x * 0.70710678118654752f));
  return cdf + x * 0.39894228040143267794f * exp_nonpositive(-0.5f * x * x);
}

// The float array loops, compiled for several instruction sets (picked at load time):
// with AVX2/AVX-512 the vectorised loops process 8/16 values at once.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FNO_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FNO_VECTOR_CLONES
#endif

FNO_VECTOR_CLONES void gelu_array(Index n, const float* x, float* y) {
  for (Index i = 0; i < n; ++i) y[i] = gelu_fast(x[i]);
}
FNO_VECTOR_CLONES void gelu_derivative_array(Index n, const float* x, const float* dy, float* dx) {
  for (Index i = 0; i < n; ++i) dx[i] = dy[i] * gelu_derivative_fast(x[i]);
}
FNO_VECTOR_CLONES void gelu_and_derivative_array(Index n, const float* x, float* y, float* slope) {
  for (Index i = 0; i < n; ++i) {
    const float xi = x[i];
    const float cdf = 0.5f * (1.f + erf_rational(xi * 0.70710678118654752f));
    y[i] = xi * cdf;
    slope[i] = cdf + xi * 0.39894228040143267794f * exp_nonpositive(-0.5f * xi * xi);
  }
}

FNO_VECTOR_CLONES void gelu_weighted_accumulate_array(Index n, const float* h, float bias, float weight,
                                                        float* out) {
  for (Index i = 0; i < n; ++i) out[i] += weight * gelu_fast(h[i] + bias);
}

// One output channel (the common case): the slope, the weight gradient's partial sums (16
// independent lanes) and dg in one pass.
FNO_VECTOR_CLONES double gelu_projection_backward_one(Index n, const float* h, const float* dy, float w2, float* dg) {
  float part[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  Index i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) {
      const float x = h[i + k], d = dy[i + k];
      const float cdf = 0.5f * (1.f + erf_rational(x * 0.70710678118654752f));
      const float slope = cdf + x * 0.39894228040143267794f * exp_nonpositive(-0.5f * x * x);
      part[k] += d * (x * cdf);
      dg[i + k] = slope * w2 * d;
    }
  double sum = 0;
  for (; i < n; ++i) {
    sum += static_cast<double>(dy[i]) * static_cast<double>(gelu_fast(h[i]));
    dg[i] = gelu_derivative_fast(h[i]) * w2 * dy[i];
  }
  for (int k = 0; k < 16; ++k) sum += static_cast<double>(part[k]);
  return sum;
}

}  // namespace

template <class T>
void gelu_projection_backward(Index n, const T* h, Index out, const T* dy, Index lddy, const T* w2, Index ldw, T* dw2,
                              T* dg) {
  if constexpr (std::is_same_v<T, float>) {
    if (out == 1) {
      dw2[0] += static_cast<float>(gelu_projection_backward_one(n, h, dy, w2[0], dg));
      return;
    }
  }
  for (Index o = 0; o < out; ++o) {
    double sum = 0;
    for (Index i = 0; i < n; ++i) sum += static_cast<double>(dy[o * lddy + i]) * static_cast<double>(gelu(h[i]));
    dw2[o * ldw] += static_cast<T>(sum);
  }
  for (Index i = 0; i < n; ++i) {
    T back = 0;
    for (Index o = 0; o < out; ++o) back += w2[o * ldw] * dy[o * lddy + i];
    dg[i] = gelu_derivative(h[i]) * back;
  }
}

template <class T>
void gelu_weighted_accumulate(Index n, const T* h, T bias, T weight, T* out) {
  if constexpr (std::is_same_v<T, float>) {
    gelu_weighted_accumulate_array(n, h, bias, weight, out);
  } else {
    for (Index i = 0; i < n; ++i) out[i] += weight * gelu(h[i] + bias);
  }
}

template <class T>
void gelu_with_derivative(Index n, const T* x, T* y, T* slope) {
  if constexpr (std::is_same_v<T, float>) {
    gelu_and_derivative_array(n, x, y, slope);
  } else {
    for (Index i = 0; i < n; ++i) {
      const T xi = x[i];
      y[i] = gelu(xi);
      slope[i] = gelu_derivative(xi);
    }
  }
}

template <class T>
void activation_forward(Activation act, Index n, const T* x, T* y) {
  if (act == Activation::identity) {
    if (x != y)
      for (Index i = 0; i < n; ++i) y[i] = x[i];
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    gelu_array(n, x, y);
  else
    for (Index i = 0; i < n; ++i) y[i] = gelu(x[i]);
}

template <class T>
void activation_backward(Activation act, Index n, const T* x, const T* dy, T* dx) {
  if (act == Activation::identity) {
    if (dy != dx)
      for (Index i = 0; i < n; ++i) dx[i] = dy[i];
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    gelu_derivative_array(n, x, dy, dx);
  else
    for (Index i = 0; i < n; ++i) dx[i] = dy[i] * gelu_derivative(x[i]);
}

template void gelu_with_derivative<float>(Index, const float*, float*, float*);
template void gelu_with_derivative<double>(Index, const double*, double*, double*);
template void gelu_projection_backward<float>(Index, const float*, Index, const float*, Index, const float*, Index,
                                              float*, float*);
template void gelu_projection_backward<double>(Index, const double*, Index, const double*, Index, const double*, Index,
                                               double*, double*);
template void gelu_weighted_accumulate<float>(Index, const float*, float, float, float*);
template void gelu_weighted_accumulate<double>(Index, const double*, double, double, double*);
template void activation_forward<float>(Activation, Index, const float*, float*);
template void activation_forward<double>(Activation, Index, const double*, double*);
template void activation_backward<float>(Activation, Index, const float*, const float*, float*);
template void activation_backward<double>(Activation, Index, const double*, const double*, double*);

}  // namespace fno
