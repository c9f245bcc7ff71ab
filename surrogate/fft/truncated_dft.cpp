#include "fft/truncated_dft.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numbers>
#include <type_traits>

#include "common/blas.hpp"
#include "common/error.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FNO_DFT_KERNELS 1
#define FNO_AVX512 __attribute__((target("avx512f")))
#endif

namespace fno {

namespace {
// exp(-2πi k j / n) computed in double with the phase reduced mod n.
std::complex<double> twiddle(Index k, Index j, Index n) {
  const Index r = (k % n) * (j % n) % n;
  const double th = -2.0 * std::numbers::pi * static_cast<double>(r) / static_cast<double>(n);
  return {std::cos(th), std::sin(th)};
}

Index round16(Index v) { return (v + 15) / 16 * 16; }

std::atomic<bool> kernels_on{true};

#ifdef FNO_DFT_KERNELS
// Per-thread scratch of the kernels (a few KB, reused).
float* scratch(std::size_t floats) {
  thread_local std::vector<float> buf;
  if (buf.size() < floats) buf.resize(floats);
  return buf.data();
}

FNO_AVX512 inline __m512 broadcast_pair(const float* p) {
  double d;
  std::memcpy(&d, p, sizeof d);
  return _mm512_castpd_ps(_mm512_set1_pd(d));
}
FNO_AVX512 inline __mmask16 first_lanes(Index count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

// One line of n reals -> its folded pairs f[2j] = e_j, f[2j+1] = o_j, j = 0..pairs-1.
FNO_AVX512 void fold_line(Index n, const float* x, float* f) {
  const Index h = (n + 1) / 2;  // j = 1..h-1 pair x_j with x_{n-j}
  const __m512i rev = _mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  f[0] = x[0];
  f[1] = 0.f;
  for (Index j = 1; j < h; j += 16) {
    const Index cnt = std::min<Index>(16, h - j);
    const __mmask16 m = first_lanes(cnt);
    const __m512 a = _mm512_maskz_loadu_ps(m, x + j);
    // b[q] = x[n - j - q]: load x[n-j-15 .. n-j] (lanes r > 15 - cnt) and reverse.
    const __mmask16 mb = static_cast<__mmask16>(m << (16 - cnt));
    const __m512 b = _mm512_maskz_permutexvar_ps(0xFFFF, rev, _mm512_maskz_loadu_ps(mb, x + n - j - 15));
    const __m512 e = _mm512_add_ps(a, b), o = _mm512_sub_ps(a, b);
    _mm512_mask_storeu_ps(f + 2 * j, first_lanes(2 * cnt), _mm512_permutex2var_ps(e, lo, o));
    if (cnt > 8) _mm512_mask_storeu_ps(f + 2 * j + 16, first_lanes(2 * (cnt - 8)), _mm512_permutex2var_ps(e, hi, o));
  }
  if (n % 2 == 0 && n >= 2) {
    f[n] = x[n / 2];
    f[n + 1] = 0.f;
  }
}

// X[l][0..two_m) = Σ_j (e_j, o_j)·table[j][..] for `lines` lines of n reals.
FNO_AVX512 void analysis_kernel(Index lines, Index n, Index pairs, Index two_m, Index width, const float* x, float* X,
                                const float* table) {
  float* f = scratch(static_cast<std::size_t>(4 * (2 * pairs + 32)));
  const Index stride = 2 * pairs + 32;
  for (Index l0 = 0; l0 < lines; l0 += 4) {
    const Index nl = std::min<Index>(4, lines - l0);
    for (Index li = 0; li < nl; ++li) fold_line(n, x + (l0 + li) * n, f + li * stride);
    const float* f0 = f;
    const float* f1 = f + (nl > 1 ? 1 : 0) * stride;
    const float* f2 = f + (nl > 2 ? 2 : 0) * stride;
    const float* f3 = f + (nl > 3 ? 3 : 0) * stride;
    for (Index b = 0; b < width; b += 16) {
      __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      const float* t = table + b;
      for (Index j = 0; j < pairs; ++j) {
        const __m512 w = _mm512_loadu_ps(t + j * width);
        a0 = _mm512_fmadd_ps(broadcast_pair(f0 + 2 * j), w, a0);
        a1 = _mm512_fmadd_ps(broadcast_pair(f1 + 2 * j), w, a1);
        a2 = _mm512_fmadd_ps(broadcast_pair(f2 + 2 * j), w, a2);
        a3 = _mm512_fmadd_ps(broadcast_pair(f3 + 2 * j), w, a3);
      }
      const __mmask16 m = first_lanes(two_m - b);
      float* out = X + l0 * two_m + b;
      _mm512_mask_storeu_ps(out, m, a0);
      if (nl > 1) _mm512_mask_storeu_ps(out + two_m, m, a1);
      if (nl > 2) _mm512_mask_storeu_ps(out + 2 * two_m, m, a2);
      if (nl > 3) _mm512_mask_storeu_ps(out + 3 * two_m, m, a3);
    }
  }
}

// x_j = C_j + S_j (j < pairs), x_{n-j} = C_j - S_j (1 <= j < (n+1)/2) from cs = [C_0, S_0, C_1, ...].
FNO_AVX512 void unfold_line(Index n, Index pairs, const float* cs, float* x) {
  const Index h = (n + 1) / 2;
  const __m512i rev = _mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  for (Index jb = 0; jb < pairs; jb += 16) {
    const __m512 v0 = _mm512_loadu_ps(cs + 2 * jb), v1 = _mm512_loadu_ps(cs + 2 * jb + 16);
    const __m512 c = _mm512_permutex2var_ps(v0, even, v1), s = _mm512_permutex2var_ps(v0, odd, v1);
    _mm512_mask_storeu_ps(x + jb, first_lanes(pairs - jb), _mm512_add_ps(c, s));
    // Lane r of the reversed difference is j = jb + 15 - r, stored at x[n - j].
    unsigned mask = 0;
    for (int r = 0; r < 16; ++r) {
      const Index j = jb + 15 - r;
      if (j >= 1 && j < h) mask |= 1u << r;
    }
    if (mask)
      _mm512_mask_storeu_ps(x + n - jb - 15, static_cast<__mmask16>(mask),
                            _mm512_maskz_permutexvar_ps(0xFFFF, rev, _mm512_sub_ps(c, s)));
  }
}

// x[l][0..n) from X[l][0..2m) through the synthesis table [m][width] of (α_kj, β_kj) pairs.
FNO_AVX512 void synthesis_kernel(Index lines, Index n, Index pairs, Index m, Index width, const float* X, float* x,
                                 const float* table) {
  const Index stride = width + 32;
  float* cs = scratch(static_cast<std::size_t>(4 * stride));
  for (Index l0 = 0; l0 < lines; l0 += 4) {
    const Index nl = std::min<Index>(4, lines - l0);
    const float* x0 = X + l0 * 2 * m;
    const float* x1 = X + (l0 + (nl > 1 ? 1 : 0)) * 2 * m;
    const float* x2 = X + (l0 + (nl > 2 ? 2 : 0)) * 2 * m;
    const float* x3 = X + (l0 + (nl > 3 ? 3 : 0)) * 2 * m;
    for (Index b = 0; b < width; b += 16) {
      __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      const float* t = table + b;
      for (Index k = 0; k < m; ++k) {
        const __m512 w = _mm512_loadu_ps(t + k * width);
        a0 = _mm512_fmadd_ps(broadcast_pair(x0 + 2 * k), w, a0);
        a1 = _mm512_fmadd_ps(broadcast_pair(x1 + 2 * k), w, a1);
        a2 = _mm512_fmadd_ps(broadcast_pair(x2 + 2 * k), w, a2);
        a3 = _mm512_fmadd_ps(broadcast_pair(x3 + 2 * k), w, a3);
      }
      _mm512_storeu_ps(cs + b, a0);
      _mm512_storeu_ps(cs + stride + b, a1);
      _mm512_storeu_ps(cs + 2 * stride + b, a2);
      _mm512_storeu_ps(cs + 3 * stride + b, a3);
    }
    for (Index li = 0; li < nl; ++li) unfold_line(n, pairs, cs + li * stride, x + (l0 + li) * n);
  }
}

// out[o][r][:] = scale Σ_j M[r][j] in[o][j][:] for complex [outer][cols][inner] blocks, M
// given as separate real and imaginary [rows][cols] tables; vectorised along inner.
FNO_AVX512 void complex_kernel(const float* mre, const float* mim, Index rows, Index cols, float scale, Index outer,
                               Index inner, const float* in, float* out) {
  const Index w = 2 * inner;
  float* buf = scratch(static_cast<std::size_t>(cols * 32));
  const __m512 sign = _mm512_set_ps(1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1);
  const __m512 sc = _mm512_set1_ps(scale);
  for (Index o = 0; o < outer; ++o) {
    const float* src = in + o * cols * w;
    float* dst = out + o * rows * w;
    for (Index t = 0; t < w; t += 16) {
      const __mmask16 m = first_lanes(w - t);
      for (Index j = 0; j < cols; ++j) {
        const __m512 a = _mm512_maskz_loadu_ps(m, src + j * w + t);
        _mm512_storeu_ps(buf + 32 * j, a);
        // (-a_im, a_re) in every complex pair
        _mm512_storeu_ps(buf + 32 * j + 16, _mm512_mul_ps(_mm512_maskz_permute_ps(0xFFFF, a, 0xB1), sign));
      }
      Index r = 0;
      for (; r + 4 <= rows; r += 4) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        const float *r0 = mre + r * cols, *i0 = mim + r * cols;
        for (Index j = 0; j < cols; ++j) {
          const __m512 a = _mm512_loadu_ps(buf + 32 * j), s = _mm512_loadu_ps(buf + 32 * j + 16);
          a0 = _mm512_fmadd_ps(_mm512_set1_ps(r0[j]), a, a0);
          a0 = _mm512_fmadd_ps(_mm512_set1_ps(i0[j]), s, a0);
          a1 = _mm512_fmadd_ps(_mm512_set1_ps(r0[cols + j]), a, a1);
          a1 = _mm512_fmadd_ps(_mm512_set1_ps(i0[cols + j]), s, a1);
          a2 = _mm512_fmadd_ps(_mm512_set1_ps(r0[2 * cols + j]), a, a2);
          a2 = _mm512_fmadd_ps(_mm512_set1_ps(i0[2 * cols + j]), s, a2);
          a3 = _mm512_fmadd_ps(_mm512_set1_ps(r0[3 * cols + j]), a, a3);
          a3 = _mm512_fmadd_ps(_mm512_set1_ps(i0[3 * cols + j]), s, a3);
        }
        _mm512_mask_storeu_ps(dst + r * w + t, m, _mm512_mul_ps(a0, sc));
        _mm512_mask_storeu_ps(dst + (r + 1) * w + t, m, _mm512_mul_ps(a1, sc));
        _mm512_mask_storeu_ps(dst + (r + 2) * w + t, m, _mm512_mul_ps(a2, sc));
        _mm512_mask_storeu_ps(dst + (r + 3) * w + t, m, _mm512_mul_ps(a3, sc));
      }
      for (; r < rows; ++r) {
        __m512 a0 = _mm512_setzero_ps();
        for (Index j = 0; j < cols; ++j) {
          a0 = _mm512_fmadd_ps(_mm512_set1_ps(mre[r * cols + j]), _mm512_loadu_ps(buf + 32 * j), a0);
          a0 = _mm512_fmadd_ps(_mm512_set1_ps(mim[r * cols + j]), _mm512_loadu_ps(buf + 32 * j + 16), a0);
        }
        _mm512_mask_storeu_ps(dst + r * w + t, m, _mm512_mul_ps(a0, sc));
      }
    }
  }
}
#endif
}  // namespace

bool dft_kernels_available() {
#ifdef FNO_DFT_KERNELS
  static const bool available = __builtin_cpu_supports("avx512f");
  return available;
#else
  return false;
#endif
}
bool dft_kernels_enabled() { return kernels_on.load(std::memory_order_relaxed) && dft_kernels_available(); }
void set_dft_kernels_enabled(bool on) { kernels_on.store(on); }

template <class T>
TruncatedRealDFT<T>::TruncatedRealDFT(Index n, Index m) : n_(n), m_(m) {
  FNO_CHECK(n >= 1, "axis length ", n, " must be >= 1");
  FNO_CHECK(m >= 1 && m <= n / 2 + 1, m, " modes requested along the real (time) axis of length ", n,
            "; it allows 1..", n / 2 + 1);
  pairs_ = n % 2 == 0 ? n / 2 + 1 : (n + 1) / 2;
  width_m_ = round16(2 * m);
  width_pairs_ = round16(2 * pairs_);
  fwd_.assign(static_cast<std::size_t>(n * 2 * m), T(0));
  inv_.assign(static_cast<std::size_t>(2 * m * n), T(0));
  fold_fwd_.assign(static_cast<std::size_t>(pairs_ * width_m_), T(0));
  fold_inv_adj_.assign(fold_fwd_.size(), T(0));
  syn_inv_.assign(static_cast<std::size_t>(m * width_pairs_), T(0));
  syn_fwd_adj_.assign(syn_inv_.size(), T(0));
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
    // Folded tables: cos is symmetric and e.imag antisymmetric in j <-> n - j.
    for (Index j = 0; j < pairs_; ++j) {
      const auto e = twiddle(k, j, n);
      const double scale = w / static_cast<double>(n);
      fold_fwd_[j * width_m_ + 2 * k] = static_cast<T>(e.real());
      fold_fwd_[j * width_m_ + 2 * k + 1] = static_cast<T>(e.imag());
      fold_inv_adj_[j * width_m_ + 2 * k] = static_cast<T>(scale * e.real());
      fold_inv_adj_[j * width_m_ + 2 * k + 1] = static_cast<T>(scale * e.imag());
      syn_fwd_adj_[k * width_pairs_ + 2 * j] = static_cast<T>(e.real());
      syn_fwd_adj_[k * width_pairs_ + 2 * j + 1] = static_cast<T>(e.imag());
      syn_inv_[k * width_pairs_ + 2 * j] = static_cast<T>(scale * e.real());
      syn_inv_[k * width_pairs_ + 2 * j + 1] = static_cast<T>(scale * e.imag());
    }
  }
}

template <class T>
bool TruncatedRealDFT<T>::use_kernels() const {
  return std::is_same_v<T, float> && dft_kernels_enabled();
}

template <class T>
void TruncatedRealDFT<T>::forward(Index lines, const T* x, C* X) const {
  if (lines == 0) return;
#ifdef FNO_DFT_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (use_kernels())
      return analysis_kernel(lines, n_, pairs_, 2 * m_, width_m_, x, reinterpret_cast<T*>(X), fold_fwd_.data());
#endif
  blas::gemm(blas::Op::N, blas::Op::N, lines, 2 * m_, n_, T(1), x, n_, fwd_.data(), 2 * m_, T(0),
             reinterpret_cast<T*>(X), 2 * m_);
}

template <class T>
void TruncatedRealDFT<T>::forward_adjoint(Index lines, const C* X, T* x) const {
  if (lines == 0) return;
#ifdef FNO_DFT_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (use_kernels())
      return synthesis_kernel(lines, n_, pairs_, m_, width_pairs_, reinterpret_cast<const T*>(X), x,
                              syn_fwd_adj_.data());
#endif
  blas::gemm(blas::Op::N, blas::Op::T, lines, n_, 2 * m_, T(1), reinterpret_cast<const T*>(X), 2 * m_,
             fwd_.data(), 2 * m_, T(0), x, n_);
}

template <class T>
void TruncatedRealDFT<T>::inverse(Index lines, const C* X, T* x) const {
  if (lines == 0) return;
#ifdef FNO_DFT_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (use_kernels())
      return synthesis_kernel(lines, n_, pairs_, m_, width_pairs_, reinterpret_cast<const T*>(X), x, syn_inv_.data());
#endif
  blas::gemm(blas::Op::N, blas::Op::N, lines, n_, 2 * m_, T(1), reinterpret_cast<const T*>(X), 2 * m_,
             inv_.data(), n_, T(0), x, n_);
}

template <class T>
void TruncatedRealDFT<T>::inverse_adjoint(Index lines, const T* x, C* X) const {
  if (lines == 0) return;
#ifdef FNO_DFT_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (use_kernels())
      return analysis_kernel(lines, n_, pairs_, 2 * m_, width_m_, x, reinterpret_cast<T*>(X), fold_inv_adj_.data());
#endif
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
  for (const auto* mat : {&f_, &fh_}) {
    std::vector<T>& re = mat == &f_ ? f_re_ : fh_re_;
    std::vector<T>& im = mat == &f_ ? f_im_ : fh_im_;
    for (const C& v : *mat) {
      re.push_back(v.real());
      im.push_back(v.imag());
    }
  }
}

template <class T>
void TruncatedComplexDFT<T>::apply(const std::vector<C>& mat, Index rows, Index cols, T scale, Index outer,
                                   Index inner, const C* in, C* out) const {
  if (outer == 0 || inner == 0) return;
#ifdef FNO_DFT_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (inner > 1 && dft_kernels_enabled()) {
      const bool f = &mat == &f_;
      return complex_kernel((f ? f_re_ : fh_re_).data(), (f ? f_im_ : fh_im_).data(), rows, cols, scale, outer, inner,
                            reinterpret_cast<const T*>(in), reinterpret_cast<T*>(out));
    }
#endif
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
