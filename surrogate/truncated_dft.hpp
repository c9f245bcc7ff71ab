// Truncated 1D discrete Fourier transforms along one axis, as matrix products (BLAS).
//
// With few modes kept, a truncated DFT written as one gemm beats computing the full FFT
// and discarding most of it (see DESIGN.md's measurements and README "Performance").
// Each operator comes with its adjoint under the real inner product Re<u, v>, which is
// what backpropagation through complex intermediates needs.
#pragma once
#include <complex>
#include <vector>

#include "layout.hpp"

namespace fno {

// Real-to-complex along a contiguous last axis of length n, keeping modes k = 0..m-1
// (m <= n/2 + 1). Unnormalised forward; the inverse is the zero-padded c2r with 1/n
// (imaginary parts of the DC and Nyquist modes ignored, as in FFTW/PyTorch).
template <class T>
class TruncatedRealDFT {
 public:
  using C = std::complex<T>;
  TruncatedRealDFT(Index n, Index m);
  Index n() const { return n_; }
  Index modes() const { return m_; }
  void forward(Index lines, const T* x, C* X) const;          // [lines][n] -> [lines][m]
  void forward_adjoint(Index lines, const C* X, T* x) const;  // [lines][m] -> [lines][n]
  void inverse(Index lines, const C* X, T* x) const;          // [lines][m] -> [lines][n]
  void inverse_adjoint(Index lines, const T* x, C* X) const;  // [lines][n] -> [lines][m]

 private:
  Index n_, m_;
  std::vector<T> fwd_;  // [n][2m]: x·fwd gives interleaved (re, im) modes
  std::vector<T> inv_;  // [2m][n]: X·inv gives the c2r result
};

// Complex DFT along a middle axis of length n of a [outer][n][inner] block, keeping the
// 2m modes k = 0..m-1 and k = n-m..n-1 (2m <= n), stored in that order (low, then high).
// Unnormalised forward; the inverse zero-pads the other modes and scales by 1/n.
template <class T>
class TruncatedComplexDFT {
 public:
  using C = std::complex<T>;
  TruncatedComplexDFT(Index n, Index m);
  Index n() const { return n_; }
  Index modes() const { return 2 * m_; }
  // Frequency of retained mode r (0 <= r < 2m): r for r < m, else n - 2m + r.
  Index frequency(Index r) const { return r < m_ ? r : n_ - 2 * m_ + r; }
  void forward(Index outer, Index inner, const C* x, C* X) const;          // [o][n][i] -> [o][2m][i]
  void forward_adjoint(Index outer, Index inner, const C* X, C* x) const;  // [o][2m][i] -> [o][n][i]
  void inverse(Index outer, Index inner, const C* X, C* x) const;          // [o][2m][i] -> [o][n][i]
  void inverse_adjoint(Index outer, Index inner, const C* x, C* X) const;  // [o][n][i] -> [o][2m][i]

 private:
  void apply(const std::vector<C>& mat, Index rows, Index cols, T scale, Index outer, Index inner, const C* in,
             C* out) const;
  Index n_, m_;
  std::vector<C> f_;   // [2m][n]: F[r][j] = exp(-2πi k_r j / n)
  std::vector<C> fh_;  // [n][2m]: F^H
};

}  // namespace fno
