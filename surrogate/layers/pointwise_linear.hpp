// PointwiseLinear: a channel map with bias applied at every grid point (a 1×1 convolution),
// y[b][o][p] = Σ_i W[o][i] x[b][i][p] + bias[o]. Used for the lifting P, the W of every
// Fourier block and the projection Q. The weights are replicated on every rank; backward
// accumulates this rank's partial gradient, which the owner (the model) sum-reduces.
#pragma once
#include <string>
#include <vector>

#include "fft/layout.hpp"
#include "layers/parameter.hpp"

namespace fno {

// y[r][p] = (accumulate ? y[r][p] : 0) + (bias ? bias[r] : 0) + Σ_c w[r·w_row + c·w_col] x[c][p] for
// rows r < rows, columns c < cols and points p < points (one batch entry; row strides ldx, ldy;
// y must not alias x). float on AVX-512 CPUs: a kernel vectorised along points with four rows
// per pass (when the DFT kernels are enabled, see truncated_dft.hpp); otherwise BLAS.
//   x [cols][points | ldx] -> y [rows][points | ldy]
template <class T>
void linear_points(Index rows, Index cols, const T* w, Index w_row, Index w_col, const T* bias, const T* x, Index ldx,
                   T* y, Index ldy, Index points, bool accumulate);

template <class T>
class PointwiseLinear {
 public:
  // The parameters "<name>.weight" [out, in] and "<name>.bias" [out], zero-initialised.
  static std::vector<Parameter<T>> make_parameters(const std::string& name, Index in, Index out);
  // A layer owning its parameters (made by make_parameters).
  PointwiseLinear(const std::string& name, Index in, Index out);
  // A layer using parameters owned elsewhere (e.g. the model's list); they must outlive it.
  PointwiseLinear(Parameter<T>& weight, Parameter<T>& bias);
  PointwiseLinear(PointwiseLinear&&) noexcept = default;
  PointwiseLinear& operator=(PointwiseLinear&&) noexcept = default;
  PointwiseLinear(const PointwiseLinear&) = delete;
  PointwiseLinear& operator=(const PointwiseLinear&) = delete;

  Index in_channels() const { return in_; }
  Index out_channels() const { return out_; }
  Parameter<T>& weight() { return *weight_; }
  Parameter<T>& bias() { return *bias_; }
  const Parameter<T>& weight() const { return *weight_; }
  const Parameter<T>& bias() const { return *bias_; }

  // Point p of channel c of batch entry b sits at x[(b·in + c)·ldx + p] (ldx >= points);
  // same for y with ldy and out channels. accumulate: y += W x + bias instead of y = ...
  // x [batch][in][points | ldx] -> y [batch][out][points | ldy]
  void forward(Index batch, Index points, const T* x, Index ldx, T* y, Index ldy, bool accumulate = false) const;
  // dW += Σ_b dy_b x_bᵀ, dbias += Σ_{b,p} dy, and dx = Wᵀ dy (dx += when accumulate_dx;
  // skipped when dx is null). dy [batch][out][points | lddy] -> dx [batch][in][points | lddx]
  void backward(Index batch, Index points, const T* x, Index ldx, const T* dy, Index lddy, T* dx, Index lddx,
                bool accumulate_dx = false);
  // The two halves of backward, for callers that hold x only in pieces:
  // dW += Σ_b dy_b x_bᵀ, dbias += Σ dy.     x [batch][in][points | ldx], dy [batch][out][points | lddy]
  void accumulate_gradients(Index batch, Index points, const T* x, Index ldx, const T* dy, Index lddy);
  // dx = Wᵀ dy (dx += when accumulate_dx). dy [batch][out][points | lddy] -> dx [batch][in][points | lddx]
  void backward_input(Index batch, Index points, const T* dy, Index lddy, T* dx, Index lddx,
                      bool accumulate_dx = false) const;

 private:
  std::vector<Parameter<T>> owned_;  // empty when the parameters live elsewhere
  Parameter<T>* weight_;
  Parameter<T>* bias_;
  Index in_, out_;
};

extern template class PointwiseLinear<float>;
extern template class PointwiseLinear<double>;

}  // namespace fno
