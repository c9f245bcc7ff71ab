// Pointwise activations of the FNO: GELU (exact erf form, PyTorch's default) and identity.
#pragma once
#include <cmath>

#include "fft/layout.hpp"

namespace fno {

enum class Activation { gelu, identity };

// GELU(x) = x Φ(x) = 0.5 x (1 + erf(x / √2)).
template <class T>
inline T gelu(T x) {
  return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
}
// GELU'(x) = Φ(x) + x φ(x).
template <class T>
inline T gelu_derivative(T x) {
  const T cdf = T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
  const T pdf = T(0.39894228040143267794) * std::exp(T(-0.5) * x * x);
  return cdf + x * pdf;
}

// Array forms. double uses std::erf/std::exp; float uses branch-free approximations that
// vectorise (GELU within 4e-7 absolute of the exact value, its derivative within 1e-6).
// y = act(x), n elements; x and y may alias.                                [n] -> [n]
template <class T>
void activation_forward(Activation act, Index n, const T* x, T* y);
// dx = dy · act'(x), n elements (x: the activation's input); dy and dx may alias. [n] -> [n]
template <class T>
void activation_backward(Activation act, Index n, const T* x, const T* dy, T* dx);

// y = GELU(x) and slope = GELU'(x) in one pass (what backward needs when it recomputes
// the activation); slope may alias x.                    [n] -> [n], [n]
template <class T>
void gelu_with_derivative(Index n, const T* x, T* y, T* slope);
// out += weight · GELU(h + bias), n elements: a projection row's bias, activation and its
// contribution to the next linear map in one pass.                    [n] -> [n]
template <class T>
void gelu_weighted_accumulate(Index n, const T* h, T bias, T weight, T* out);

// Backward through GELU and the projection's last linear map for one hidden row k of the
// projection: with g = GELU(h) and s = GELU'(h), dw2[o·ldw] += Σ_p dy[o][p] g[p] (summed in
// double) and dg[p] = s[p] Σ_o w2[o·ldw] dy[o][p], for o < out (dy rows lddy apart).
//   h [n], dy [out][n | lddy] -> dg [n]
template <class T>
void gelu_projection_backward(Index n, const T* h, Index out, const T* dy, Index lddy, const T* w2, Index ldw, T* dw2,
                              T* dg);

}  // namespace fno
