#include "layers/pointwise_linear.hpp"

#include <algorithm>
#include <type_traits>

#include "common/blas.hpp"
#include "common/error.hpp"
#include "fft/truncated_dft.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FNO_LINEAR_KERNEL 1
#endif

namespace fno {

namespace {
// Σ x in double (a bias gradient sums every grid point) with eight independent partial
// sums, so that the loop vectorises instead of waiting on one chain of additions.
template <class T>
double sum_in_double(Index n, const T* x) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Index i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += static_cast<double>(x[i + k]);
  for (; i < n; ++i) part[0] += static_cast<double>(x[i]);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

#ifdef FNO_LINEAR_KERNEL
// Rows of x and y lie a hidden tensor's channel apart (often a multiple of 4 KB): the 16
// points of every column are first copied side by side, so that the rows do not evict each
// other from the cache while four output rows at a time reuse them.
__attribute__((target("avx512f"))) void linear_points_kernel(Index rows, Index cols, const float* w, Index w_row,
                                                             Index w_col, const float* bias, const float* x, Index ldx,
                                                             float* y, Index ldy, Index points, bool accumulate) {
  constexpr Index tile = 64;  // columns per pass
  alignas(64) float xs[tile * 16];
  for (Index p = 0; p < points; p += 16) {
    const Index left = points - p;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
    for (Index c0 = 0; c0 < cols; c0 += tile) {
      const Index nc = std::min(tile, cols - c0);
      for (Index c = 0; c < nc; ++c) _mm512_store_ps(xs + 16 * c, _mm512_maskz_loadu_ps(m, x + (c0 + c) * ldx + p));
      const bool add_old = accumulate || c0 > 0;
      const bool add_bias = bias && c0 == 0;
      Index r = 0;
      for (; r + 4 <= rows; r += 4) {
        __m512 a[4];
        for (int k = 0; k < 4; ++k) {
          a[k] = add_old ? _mm512_maskz_loadu_ps(m, y + (r + k) * ldy + p) : _mm512_setzero_ps();
          if (add_bias) a[k] = _mm512_add_ps(a[k], _mm512_set1_ps(bias[r + k]));
        }
        const float* w0 = w + r * w_row + c0 * w_col;
        for (Index c = 0; c < nc; ++c) {
          const __m512 xv = _mm512_load_ps(xs + 16 * c);
          const float* wc = w0 + c * w_col;
          a[0] = _mm512_fmadd_ps(_mm512_set1_ps(wc[0]), xv, a[0]);
          a[1] = _mm512_fmadd_ps(_mm512_set1_ps(wc[w_row]), xv, a[1]);
          a[2] = _mm512_fmadd_ps(_mm512_set1_ps(wc[2 * w_row]), xv, a[2]);
          a[3] = _mm512_fmadd_ps(_mm512_set1_ps(wc[3 * w_row]), xv, a[3]);
        }
        for (int k = 0; k < 4; ++k) _mm512_mask_storeu_ps(y + (r + k) * ldy + p, m, a[k]);
      }
      for (; r < rows; ++r) {
        __m512 a = add_old ? _mm512_maskz_loadu_ps(m, y + r * ldy + p) : _mm512_setzero_ps();
        if (add_bias) a = _mm512_add_ps(a, _mm512_set1_ps(bias[r]));
        for (Index c = 0; c < nc; ++c)
          a = _mm512_fmadd_ps(_mm512_set1_ps(w[r * w_row + (c0 + c) * w_col]), _mm512_load_ps(xs + 16 * c), a);
        _mm512_mask_storeu_ps(y + r * ldy + p, m, a);
      }
    }
  }
}
#endif

template <class T>
Parameter<T> replicated_parameter(std::string name, std::vector<Index> shape) {
  Parameter<T> p;
  p.name = std::move(name);
  p.global_shape = shape;
  p.local_start.assign(shape.size(), 0);
  p.local_shape = shape;
  p.replicated = true;
  Index n = 1;
  for (Index e : shape) n *= e;
  p.value.assign(static_cast<std::size_t>(n), T(0));
  p.grad.assign(static_cast<std::size_t>(n), T(0));
  return p;
}
}  // namespace

template <class T>
void linear_points(Index rows, Index cols, const T* w, Index w_row, Index w_col, const T* bias, const T* x, Index ldx,
                   T* y, Index ldy, Index points, bool accumulate) {
  if (points == 0 || rows == 0) return;
#ifdef FNO_LINEAR_KERNEL
  if constexpr (std::is_same_v<T, float>)
    if (dft_kernels_enabled())
      return linear_points_kernel(rows, cols, w, w_row, w_col, bias, x, ldx, y, ldy, points, accumulate);
#endif
  for (Index r = 0; r < rows; ++r) {
    T* row = y + r * ldy;
    const T b = bias ? bias[r] : T(0);
    if (accumulate) {
      if (bias)
        for (Index p = 0; p < points; ++p) row[p] += b;
    } else {
      for (Index p = 0; p < points; ++p) row[p] = b;
    }
  }
  // w as a row-major [rows][cols] matrix (w_col == 1) or its transpose stored [cols][rows] (w_row == 1).
  FNO_CHECK(w_col == 1 || w_row == 1, "linear_points: weights must be stored by rows or by columns");
  if (w_col == 1)
    blas::gemm(blas::Op::N, blas::Op::N, rows, points, cols, T(1), w, std::max(w_row, cols), x, ldx, T(1), y, ldy);
  else
    blas::gemm(blas::Op::T, blas::Op::N, rows, points, cols, T(1), w, w_col, x, ldx, T(1), y, ldy);
}

template void linear_points<float>(Index, Index, const float*, Index, Index, const float*, const float*, Index, float*,
                                   Index, Index, bool);
template void linear_points<double>(Index, Index, const double*, Index, Index, const double*, const double*, Index,
                                    double*, Index, Index, bool);

template <class T>
std::vector<Parameter<T>> PointwiseLinear<T>::make_parameters(const std::string& name, Index in, Index out) {
  FNO_CHECK(in >= 1 && out >= 1, "layer ", name, " needs positive channel counts, got in=", in, " out=", out);
  std::vector<Parameter<T>> list;
  list.push_back(replicated_parameter<T>(name + ".weight", {out, in}));
  list.push_back(replicated_parameter<T>(name + ".bias", {out}));
  return list;
}

template <class T>
PointwiseLinear<T>::PointwiseLinear(const std::string& name, Index in, Index out)
    : owned_(make_parameters(name, in, out)), weight_(&owned_[0]), bias_(&owned_[1]), in_(in), out_(out) {}

template <class T>
PointwiseLinear<T>::PointwiseLinear(Parameter<T>& weight, Parameter<T>& bias) : weight_(&weight), bias_(&bias) {
  FNO_CHECK(weight.global_shape.size() == 2 && bias.global_shape.size() == 1 &&
                bias.global_shape[0] == weight.global_shape[0] && weight.replicated && bias.replicated,
            "parameters ", weight.name, " and ", bias.name, " do not form a pointwise linear layer");
  out_ = weight.global_shape[0];
  in_ = weight.global_shape[1];
}

template <class T>
void PointwiseLinear<T>::forward(Index batch, Index points, const T* x, Index ldx, T* y, Index ldy,
                                 bool accumulate) const {
  if (points == 0) return;
  for (Index n = 0; n < batch; ++n)
    linear_points(out_, in_, weight_->value.data(), in_, Index{1}, bias_->value.data(), x + n * in_ * ldx, ldx,
                  y + n * out_ * ldy, ldy, points, accumulate);
}

template <class T>
void PointwiseLinear<T>::accumulate_gradients(Index batch, Index points, const T* x, Index ldx, const T* dy,
                                              Index lddy) {
  if (points == 0) return;
  T* dw = weight_->grad.data();
  T* db = bias_->grad.data();
  for (Index n = 0; n < batch; ++n) {
    const T* dyb = dy + n * out_ * lddy;
    blas::gemm(blas::Op::N, blas::Op::T, out_, in_, points, T(1), dyb, lddy, x + n * in_ * ldx, ldx, T(1), dw, in_);
    for (Index o = 0; o < out_; ++o) db[o] += static_cast<T>(sum_in_double(points, dyb + o * lddy));
  }
}

template <class T>
void PointwiseLinear<T>::backward_input(Index batch, Index points, const T* dy, Index lddy, T* dx, Index lddx,
                                        bool accumulate_dx) const {
  if (points == 0) return;
  for (Index n = 0; n < batch; ++n)  // dx[i] = Σ_o W[o][i] dy[o]: W read by columns
    linear_points(in_, out_, weight_->value.data(), Index{1}, in_, static_cast<const T*>(nullptr),
                  dy + n * out_ * lddy, lddy, dx + n * in_ * lddx, lddx, points, accumulate_dx);
}

template <class T>
void PointwiseLinear<T>::backward(Index batch, Index points, const T* x, Index ldx, const T* dy, Index lddy, T* dx,
                                  Index lddx, bool accumulate_dx) {
  accumulate_gradients(batch, points, x, ldx, dy, lddy);
  if (dx) backward_input(batch, points, dy, lddy, dx, lddx, accumulate_dx);
}

template class PointwiseLinear<float>;
template class PointwiseLinear<double>;

}  // namespace fno
