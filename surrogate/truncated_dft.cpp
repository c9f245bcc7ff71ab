#include "truncated_dft.hpp"

#include <cmath>
#include <numbers>

#include "blas.hpp"
#include "error.hpp"

namespace fno {

namespace {
// exp(-2πi k j / n) computed in double with the phase reduced mod n.
std::complex<double> twiddle(Index k, Index j, Index n) {
  const Index r = (k % n) * (j % n) % n;
  const double th = -2.0 * std::numbers::pi * static_cast<double>(r) / static_cast<double>(n);
  return {std::cos(th), std::sin(th)};
}
}  // namespace

template <class T>
TruncatedRealDFT<T>::TruncatedRealDFT(Index n, Index m) : n_(n), m_(m) {
  FNO_CHECK(n >= 1, "axis length ", n, " must be >= 1");
  FNO_CHECK(m >= 1 && m <= n / 2 + 1, m, " modes requested along the real (time) axis of length ", n,
            "; it allows 1..", n / 2 + 1);
  fwd_.assign(static_cast<std::size_t>(n * 2 * m), T(0));
  inv_.assign(static_cast<std::size_t>(2 * m * n), T(0));
  for (Index k = 0; k < m; ++k) {
    // Hermitian weight: modes 0 and n/2 (even n) appear once in the full spectrum.
    const double w = (k == 0 || 2 * k == n) ? 1.0 : 2.0;
    for (Index j = 0; j < n; ++j) {
      const auto e = twiddle(k, j, n);
      fwd_[j * 2 * m + 2 * k] = static_cast<T>(e.real());
      fwd_[j * 2 * m + 2 * k + 1] = static_cast<T>(e.imag());
      // Re(X e^{+iθ}) = Xr cos θ - Xi sin θ, with e = e^{-iθ}: cos θ = e.re, sin θ = -e.im.
      inv_[(2 * k) * n + j] = static_cast<T>(w * e.real() / static_cast<double>(n));
      inv_[(2 * k + 1) * n + j] = static_cast<T>(w * e.imag() / static_cast<double>(n));
    }
  }
}

template <class T>
void TruncatedRealDFT<T>::forward(Index lines, const T* x, C* X) const {
  if (lines == 0) return;
  blas::gemm(blas::Op::N, blas::Op::N, lines, 2 * m_, n_, T(1), x, n_, fwd_.data(), 2 * m_, T(0),
             reinterpret_cast<T*>(X), 2 * m_);
}

template <class T>
void TruncatedRealDFT<T>::forward_adjoint(Index lines, const C* X, T* x) const {
  if (lines == 0) return;
  blas::gemm(blas::Op::N, blas::Op::T, lines, n_, 2 * m_, T(1), reinterpret_cast<const T*>(X), 2 * m_,
             fwd_.data(), 2 * m_, T(0), x, n_);
}

template <class T>
void TruncatedRealDFT<T>::inverse(Index lines, const C* X, T* x) const {
  if (lines == 0) return;
  blas::gemm(blas::Op::N, blas::Op::N, lines, n_, 2 * m_, T(1), reinterpret_cast<const T*>(X), 2 * m_,
             inv_.data(), n_, T(0), x, n_);
}

template <class T>
void TruncatedRealDFT<T>::inverse_adjoint(Index lines, const T* x, C* X) const {
  if (lines == 0) return;
  blas::gemm(blas::Op::N, blas::Op::T, lines, 2 * m_, n_, T(1), x, n_, inv_.data(), n_, T(0),
             reinterpret_cast<T*>(X), 2 * m_);
}

template <class T>
TruncatedComplexDFT<T>::TruncatedComplexDFT(Index n, Index m) : n_(n), m_(m) {
  FNO_CHECK(n >= 1, "axis length ", n, " must be >= 1");
  FNO_CHECK(m >= 1 && 2 * m <= n, m, " modes requested along a space axis of length ", n, "; it allows 1..", n / 2,
            " (m low and m high modes are kept)");
  const Index r2 = 2 * m;
  f_.resize(static_cast<std::size_t>(r2 * n));
  fh_.resize(static_cast<std::size_t>(n * r2));
  for (Index r = 0; r < r2; ++r)
    for (Index j = 0; j < n; ++j) {
      const auto e = twiddle(frequency(r), j, n);
      f_[r * n + j] = C(static_cast<T>(e.real()), static_cast<T>(e.imag()));
      fh_[j * r2 + r] = C(static_cast<T>(e.real()), static_cast<T>(-e.imag()));
    }
}

template <class T>
void TruncatedComplexDFT<T>::apply(const std::vector<C>& mat, Index rows, Index cols, T scale, Index outer,
                                   Index inner, const C* in, C* out) const {
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {  // rows of the block are lines: out[o][:] = in[o][:] · matᵀ
    blas::gemm(blas::Op::N, blas::Op::T, outer, rows, cols, C(scale), in, cols, mat.data(), cols, C(0), out, rows);
    return;
  }
  for (Index o = 0; o < outer; ++o)
    blas::gemm(blas::Op::N, blas::Op::N, rows, inner, cols, C(scale), mat.data(), cols, in + o * cols * inner, inner,
               C(0), out + o * rows * inner, inner);
}

template <class T>
void TruncatedComplexDFT<T>::forward(Index outer, Index inner, const C* x, C* X) const {
  apply(f_, 2 * m_, n_, T(1), outer, inner, x, X);
}
template <class T>
void TruncatedComplexDFT<T>::forward_adjoint(Index outer, Index inner, const C* X, C* x) const {
  apply(fh_, n_, 2 * m_, T(1), outer, inner, X, x);
}
template <class T>
void TruncatedComplexDFT<T>::inverse(Index outer, Index inner, const C* X, C* x) const {
  apply(fh_, n_, 2 * m_, T(1) / static_cast<T>(n_), outer, inner, X, x);
}
template <class T>
void TruncatedComplexDFT<T>::inverse_adjoint(Index outer, Index inner, const C* x, C* X) const {
  apply(f_, 2 * m_, n_, T(1) / static_cast<T>(n_), outer, inner, x, X);
}

template class TruncatedRealDFT<float>;
template class TruncatedRealDFT<double>;
template class TruncatedComplexDFT<float>;
template class TruncatedComplexDFT<double>;

}  // namespace fno
