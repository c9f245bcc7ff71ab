// Truncated 1D discrete Fourier transforms along one axis, as matrix products (BLAS).
//
// With few modes kept, a truncated DFT written as one gemm beats computing the full FFT
// and discarding most of it (see DESIGN.md's measurements and README "Performance").
// Each operator comes with its adjoint under the real inner product Re<u, v>, which is
// what backpropagation through complex intermediates needs.
#pragma once
#include <complex>
#include <vector>

#include "fft/layout.hpp"

namespace fno {

// Whether the vectorised kernels below may be used (float, on CPUs with AVX-512F); when
// off, or for double, every transform is a BLAS matrix product. Tests compare the two.
bool dft_kernels_available();
bool dft_kernels_enabled();
void set_dft_kernels_enabled(bool on);

// Real-to-complex along a contiguous last axis of length n, keeping modes k = 0..m-1
// (m <= n/2 + 1). Unnormalised forward; the inverse is the zero-padded c2r with 1/n
// (imaginary parts of the DC and Nyquist modes ignored, as in FFTW/PyTorch).
//
// Two implementations: a BLAS product with the [n][2m] matrix, and (float, AVX-512) a
// folded kernel that uses the symmetry of the real DFT: with e_j = x_j + x_{n-j} and
// o_j = x_j - x_{n-j}, Re X_k = Σ_j e_j cos(2πkj/n) and Im X_k = -Σ_j o_j sin(2πkj/n) over
// j = 0..n/2 only, half the multiply-adds; the synthesis direction (inverse, forward
// adjoint) computes C_j and S_j once for x_j = C_j + S_j and x_{n-j} = C_j - S_j.
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
  bool use_kernels() const;
  Index n_, m_;
  Index pairs_;         // folded pairs j = 0..pairs_-1 (n/2 + 1 for even n, (n+1)/2 for odd)
  Index width_m_;       // 2m rounded up to 16
  Index width_pairs_;   // 2·pairs_ rounded up to 16
  std::vector<T> fwd_;  // [n][2m]: x·fwd gives interleaved (re, im) modes
  std::vector<T> inv_;  // [2m][n]: X·inv gives the c2r result
  // Folded tables (kernels): analysis [pairs][width_m] of (c_jk, s_jk) pairs multiplying
  // (e_j, o_j); synthesis [m][width_pairs] of (α_kj, β_kj) multiplying (Re X_k, Im X_k).
  std::vector<T> fold_fwd_, fold_inv_adj_, syn_inv_, syn_fwd_adj_;
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
  std::vector<T> f_re_, f_im_, fh_re_, fh_im_;  // the same, real and imaginary parts apart (kernels)
};

}  // namespace fno
