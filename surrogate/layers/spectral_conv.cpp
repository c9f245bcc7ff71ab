#include "layers/spectral_conv.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/profiling.hpp"
#include "fft/tensor_slice.hpp"

namespace fno {

namespace {
// Complex products written out (std::complex's operator* checks for NaN/inf cases).
template <class T>
inline void multiply_add(const std::complex<T>& a, const std::complex<T>& b, std::complex<T>& acc) {
  acc = {acc.real() + a.real() * b.real() - a.imag() * b.imag(), acc.imag() + a.real() * b.imag() + a.imag() * b.real()};
}
// acc += conj(a) · b
template <class T>
inline void conj_multiply_add(const std::complex<T>& a, const std::complex<T>& b, std::complex<T>& acc) {
  acc = {acc.real() + a.real() * b.real() + a.imag() * b.imag(), acc.imag() + a.real() * b.imag() - a.imag() * b.real()};
}
}  // namespace

template <class T>
Parameter<T> SpectralConv<T>::make_weights(const std::string& name, Index in, Index out, const Layout& mode_layout) {
  FNO_CHECK(in >= 1 && out >= 1, "layer ", name, " needs positive channel counts");
  Parameter<T> w;
  w.name = name + ".weights";
  w.global_shape = {in, out};
  w.local_start = {0, 0};
  w.local_shape = {in, out};
  Index modes = 1;
  for (int a = 0; a < mode_layout.ndim(); ++a) {
    w.global_shape.push_back(mode_layout.global(a));
    w.local_start.push_back(mode_layout.start(a));
    w.local_shape.push_back(mode_layout.local(a));
    modes *= mode_layout.local(a);
  }
  w.global_shape.push_back(2);
  w.local_start.push_back(0);
  w.local_shape.push_back(2);
  w.replicated = false;
  w.value.assign(static_cast<std::size_t>(2 * in * out * modes), T(0));
  w.grad.assign(w.value.size(), T(0));
  return w;
}

template <class T>
SpectralConv<T>::SpectralConv(const std::string& name, Index batch, Index in, Index out,
                              std::shared_ptr<const TruncatedFFT<T>> fft_in,
                              std::shared_ptr<const TruncatedFFT<T>> fft_out)
    : batch_(batch), in_(in), out_(out), fft_in_(std::move(fft_in)), fft_out_(std::move(fft_out)) {
  FNO_CHECK(fft_in_ && fft_out_, "layer ", name, " needs its transforms");
  owned_.push_back(make_weights(name, in, out, fft_in_->mode_layout()));
  weights_ = &owned_[0];
  check_and_allocate();
}

template <class T>
SpectralConv<T>::SpectralConv(Parameter<T>& weights, Index batch, std::shared_ptr<const TruncatedFFT<T>> fft_in,
                              std::shared_ptr<const TruncatedFFT<T>> fft_out)
    : batch_(batch), fft_in_(std::move(fft_in)), fft_out_(std::move(fft_out)), weights_(&weights) {
  FNO_CHECK(fft_in_ && fft_out_, "layer ", weights.name, " needs its transforms");
  FNO_CHECK(weights.global_shape.size() >= 3 && !weights.replicated, "parameter ", weights.name,
            " is not a spectral weight tensor");
  in_ = weights.global_shape[0];
  out_ = weights.global_shape[1];
  check_and_allocate();
}

template <class T>
void SpectralConv<T>::check_and_allocate() {
  const std::string& name = weights_->name;
  FNO_CHECK(batch_ >= 1 && in_ >= 1 && out_ >= 1, "layer ", name, " needs positive batch and channel counts");
  const Layout& mi = fft_in_->mode_layout();
  const Layout& mo = fft_out_->mode_layout();
  FNO_CHECK(mi.lead() == batch_ * in_, "layer ", name, ": input transform has lead ", mi.lead(),
            ", expected batch*in = ", batch_ * in_);
  FNO_CHECK(mo.lead() == batch_ * out_, "layer ", name, ": output transform has lead ", mo.lead(),
            ", expected batch*out = ", batch_ * out_);
  FNO_CHECK(mi.global() == mo.global() && mi.start() == mo.start() && mi.local() == mo.local() &&
                fft_in_->input_layout().global() == fft_out_->input_layout().global() &&
                fft_in_->input_layout().local() == fft_out_->input_layout().local(),
            "layer ", name, ": input and output transforms differ in grid or partition");
  std::vector<Index> global{in_, out_}, start{0, 0}, local{in_, out_};
  for (int a = 0; a < mi.ndim(); ++a) {
    global.push_back(mi.global(a));
    start.push_back(mi.start(a));
    local.push_back(mi.local(a));
  }
  global.push_back(2);
  start.push_back(0);
  local.push_back(2);
  const auto count = static_cast<std::size_t>(element_count(local));
  FNO_CHECK(weights_->global_shape == global && weights_->local_start == start && weights_->local_shape == local &&
                weights_->value.size() == count && weights_->grad.size() == count,
            "parameter ", name, " does not match the transform's mode layout");
  modes_local_ = 1;
  for (Index e : mi.local()) modes_local_ *= e;
  spectrum_in_.resize(static_cast<std::size_t>(batch_ * in_ * modes_local_));
  spectrum_out_ = std::make_shared<std::vector<C>>(static_cast<std::size_t>(batch_ * out_ * modes_local_));
  spectrum_grad_ = std::make_shared<std::vector<C>>(static_cast<std::size_t>(batch_ * in_ * modes_local_));
}

template <class T>
void SpectralConv<T>::share_scratch(const SpectralConv& other) {
  spectrum_out_ = other.spectrum_out_;
  spectrum_grad_ = other.spectrum_grad_;
  spectrum_out_->resize(std::max(spectrum_out_->size(), static_cast<std::size_t>(batch_ * out_ * modes_local_)));
  spectrum_grad_->resize(std::max(spectrum_grad_->size(), static_cast<std::size_t>(batch_ * in_ * modes_local_)));
}

template <class T>
void SpectralConv<T>::forward(const T* x, T* y) {
  forward(x, y, std::max<Index>(1, fft_out_->local_space_points()), [](Index, Index) {});
}

template <class T>
void SpectralConv<T>::forward(const T* x, T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) {
  fft_in_->forward(x, spectrum_in_.data());
  multiply_and_invert(y, chunk, epilogue);
}

template <class T>
void SpectralConv<T>::forward_from_time(T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) {
  fft_in_->forward_from_time(spectrum_in_.data());
  multiply_and_invert(y, chunk, epilogue);
}

template <class T>
void SpectralConv<T>::multiply_and_invert(T* y, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) {
  const Index m = modes_local_;
  const C* w = weight_modes();
  {
    profile::Scope scope(profile::Stage::spectral_multiply);
    for (Index b = 0; b < batch_; ++b)
      for (Index o = 0; o < out_; ++o) {
        C* yk = spectrum_out_->data() + (b * out_ + o) * m;
        for (Index k = 0; k < m; ++k) yk[k] = C(0);
        for (Index i = 0; i < in_; ++i) {
          const C* xk = spectrum_in_.data() + (b * in_ + i) * m;
          const C* wk = w + (i * out_ + o) * m;
          for (Index k = 0; k < m; ++k) multiply_add(xk[k], wk[k], yk[k]);
        }
      }
  }
  fft_out_->inverse(spectrum_out_->data(), y, chunk, epilogue);
}

template <class T>
void SpectralConv<T>::backward(const T* dy, T* dx) {
  fft_out_->inverse_adjoint(dy, spectrum_out_->data());
  multiply_backward(dx != nullptr);
  if (dx) fft_in_->forward_adjoint(spectrum_grad_->data(), dx);
}

template <class T>
void SpectralConv<T>::backward_from_time(T* dx, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) {
  FNO_CHECK(dx, "backward_from_time needs the input gradient's storage");
  fft_out_->inverse_adjoint_from_time(spectrum_out_->data());
  multiply_backward(true);
  fft_in_->forward_adjoint(spectrum_grad_->data(), dx, chunk, epilogue);
}

template <class T>
void SpectralConv<T>::multiply_backward(bool want_dx) {
  const Index m = modes_local_;
  const C* d_out = spectrum_out_->data();
  C* dw = weight_grad_modes();
  const C* w = weight_modes();
  {
    profile::Scope scope(profile::Stage::spectral_multiply);
    for (Index i = 0; i < in_; ++i)
      for (Index o = 0; o < out_; ++o) {
        C* dwk = dw + (i * out_ + o) * m;
        for (Index b = 0; b < batch_; ++b) {
          const C* xk = spectrum_in_.data() + (b * in_ + i) * m;
          const C* dyk = d_out + (b * out_ + o) * m;
          for (Index k = 0; k < m; ++k) conj_multiply_add(xk[k], dyk[k], dwk[k]);
        }
      }
    if (want_dx)
      for (Index b = 0; b < batch_; ++b)
        for (Index i = 0; i < in_; ++i) {
          C* dxk = spectrum_grad_->data() + (b * in_ + i) * m;
          for (Index k = 0; k < m; ++k) dxk[k] = C(0);
          for (Index o = 0; o < out_; ++o) {
            const C* dyk = d_out + (b * out_ + o) * m;
            const C* wk = w + (i * out_ + o) * m;
            for (Index k = 0; k < m; ++k) conj_multiply_add(wk[k], dyk[k], dxk[k]);
          }
        }
  }
}

template class SpectralConv<float>;
template class SpectralConv<double>;

}  // namespace fno
