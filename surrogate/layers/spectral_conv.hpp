// SpectralConv: the Fourier part of an FNO block, y = F⁻¹(R · F x).
//
// F is the distributed truncated real FFT (TruncatedFFT); in the mode layout the complex
// weights R[in][out][modes...] multiply each retained mode K: Y[b][o][K] = Σ_i X[b][i][K] R[i][o][K].
// R is partitioned exactly like the mode layout (this rank holds the modes it owns for
// every (i, o)) and is never communicated; its Parameter has the global shape
// [in, out, 2m_0, ..., 2m_{d-2}, mt, 2] (complex as a trailing (re, im) pair).
// Gradients of complex quantities use PyTorch's convention g = dL/dRe + i dL/dIm, so
// dX = Σ_o dY conj(R), dR = Σ_b conj(X) dY, and dx = Fᵀ(dX) with dY = (F⁻¹)ᵀ(dy).
#pragma once
#include <complex>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/parameter.hpp"
#include "fft/truncated_fft.hpp"

namespace fno {

template <class T>
class SpectralConv {
 public:
  using C = std::complex<T>;
  // fft_in transforms the input (lead = batch·in), fft_out the output (lead = batch·out);
  // they may be the same object when in == out and must share grid, split and modes.
  // The parameter "<name>.weights" for a mode layout, zero-initialised.
  static Parameter<T> make_weights(const std::string& name, Index in, Index out, const Layout& mode_layout);
  // A layer owning its weights (made by make_weights).
  SpectralConv(const std::string& name, Index batch, Index in, Index out,
               std::shared_ptr<const TruncatedFFT<T>> fft_in, std::shared_ptr<const TruncatedFFT<T>> fft_out);
  // A layer using weights owned elsewhere (e.g. the model's list); they must outlive it.
  SpectralConv(Parameter<T>& weights, Index batch, std::shared_ptr<const TruncatedFFT<T>> fft_in,
               std::shared_ptr<const TruncatedFFT<T>> fft_out);
  SpectralConv(SpectralConv&&) noexcept = default;
  SpectralConv& operator=(SpectralConv&&) noexcept = default;
  SpectralConv(const SpectralConv&) = delete;
  SpectralConv& operator=(const SpectralConv&) = delete;

  Index batch() const { return batch_; }
  Index in_channels() const { return in_; }
  Index out_channels() const { return out_; }
  // Retained modes held by this rank (per channel pair).
  Index local_modes() const { return modes_local_; }
  Parameter<T>& weights() { return *weights_; }
  const Parameter<T>& weights() const { return *weights_; }
  const TruncatedFFT<T>& fft_in() const { return *fft_in_; }
  const TruncatedFFT<T>& fft_out() const { return *fft_out_; }
  // Use other's mode-space scratch buffers (they only live during one call), so that the
  // layers of a model hold one set between them; only F x stays per layer.
  void share_scratch(const SpectralConv& other);

  // y = F⁻¹(R · F x); keeps F x for backward.   x [batch][in][local grid] -> y [batch][out][local grid]
  void forward(const T* x, T* y);
  // forward() whose inverse transform calls epilogue(s0, s1) after writing space points
  // [s0, s1) of y (every batch and channel), chunk points at a time (TruncatedFFT::inverse).
  void forward(const T* x, T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue);
  // The same, when the input's time stage already sits in fft_in()'s time-mode buffer
  // (TruncatedFFT::forward_time_chunk, run by the previous layer's epilogue).
  void forward_from_time(T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue);
  // Accumulates dR from the spectrum kept by the last forward; dx = ∂L/∂x (skipped when null).
  // dy [batch][out][local grid] -> dx [batch][in][local grid]
  void backward(const T* dy, T* dx);
  // backward() when dy's time stage already sits in fft_out()'s time-mode buffer
  // (TruncatedFFT::inverse_adjoint_time_chunk, run by the layer above's epilogue); the
  // forward adjoint's time stage calls epilogue(s0, s1) after writing points [s0, s1) of dx.
  void backward_from_time(T* dx, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue);

 private:
  // Y = R·X on the retained modes of the saved spectrum, then the inverse into y.
  void multiply_and_invert(T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue);
  // dR += Σ_b conj(X) dY and, when want_dx, dX = Σ_o dY conj(R) (into spectrum_grad_), from dY in spectrum_out_.
  void multiply_backward(bool want_dx);
  void check_and_allocate();
  const C* weight_modes() const { return reinterpret_cast<const C*>(weights_->value.data()); }
  C* weight_grad_modes() { return reinterpret_cast<C*>(weights_->grad.data()); }

  Index batch_, in_, out_;
  std::shared_ptr<const TruncatedFFT<T>> fft_in_, fft_out_;
  Index modes_local_ = 0;
  std::vector<Parameter<T>> owned_;  // empty when the weights live elsewhere
  Parameter<T>* weights_;
  std::vector<C> spectrum_in_;                  // F x of the last forward     [batch][in][modes]
  std::shared_ptr<std::vector<C>> spectrum_out_;   // R·F x; dY in backward    [batch][out][modes]
  std::shared_ptr<std::vector<C>> spectrum_grad_;  // dX in backward           [batch][in][modes]
};

extern template class SpectralConv<float>;
extern template class SpectralConv<double>;

}  // namespace fno
