#include "spectral_conv.hpp"

#include "error.hpp"

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
SpectralConv<T>::SpectralConv(const std::string& name, Index batch, Index in, Index out,
                              std::shared_ptr<const TruncatedFFT<T>> fft_in,
                              std::shared_ptr<const TruncatedFFT<T>> fft_out)
    : batch_(batch), in_(in), out_(out), fft_in_(std::move(fft_in)), fft_out_(std::move(fft_out)) {
  FNO_CHECK(fft_in_ && fft_out_, "layer ", name, " needs its transforms");
  FNO_CHECK(batch >= 1 && in >= 1 && out >= 1, "layer ", name, " needs positive batch and channel counts");
  const Layout& mi = fft_in_->mode_layout();
  const Layout& mo = fft_out_->mode_layout();
  FNO_CHECK(mi.lead() == batch * in, "layer ", name, ": input transform has lead ", mi.lead(), ", expected batch*in = ",
            batch * in);
  FNO_CHECK(mo.lead() == batch * out, "layer ", name, ": output transform has lead ", mo.lead(),
            ", expected batch*out = ", batch * out);
  FNO_CHECK(mi.global() == mo.global() && mi.start() == mo.start() && mi.local() == mo.local() &&
                fft_in_->input_layout().global() == fft_out_->input_layout().global() &&
                fft_in_->input_layout().local() == fft_out_->input_layout().local(),
            "layer ", name, ": input and output transforms differ in grid or partition");
  modes_local_ = 1;
  for (Index e : mi.local()) modes_local_ *= e;

  weights_.name = name + ".weights";
  weights_.global_shape = {in, out};
  weights_.local_start = {0, 0};
  weights_.local_shape = {in, out};
  for (int a = 0; a < mi.ndim(); ++a) {
    weights_.global_shape.push_back(mi.global(a));
    weights_.local_start.push_back(mi.start(a));
    weights_.local_shape.push_back(mi.local(a));
  }
  weights_.global_shape.push_back(2);
  weights_.local_start.push_back(0);
  weights_.local_shape.push_back(2);
  weights_.replicated = false;
  const auto n = static_cast<std::size_t>(2 * in * out * modes_local_);
  weights_.value.assign(n, T(0));
  weights_.grad.assign(n, T(0));
  spectrum_in_.resize(static_cast<std::size_t>(batch * in * modes_local_));
  spectrum_out_.resize(static_cast<std::size_t>(batch * out * modes_local_));
  spectrum_grad_.resize(static_cast<std::size_t>(batch * in * modes_local_));
}

template <class T>
void SpectralConv<T>::forward(const T* x, T* y) {
  const Index m = modes_local_;
  fft_in_->forward(x, spectrum_in_.data());
  const C* w = weight_modes();
  for (Index b = 0; b < batch_; ++b)
    for (Index o = 0; o < out_; ++o) {
      C* yk = spectrum_out_.data() + (b * out_ + o) * m;
      for (Index k = 0; k < m; ++k) yk[k] = C(0);
      for (Index i = 0; i < in_; ++i) {
        const C* xk = spectrum_in_.data() + (b * in_ + i) * m;
        const C* wk = w + (i * out_ + o) * m;
        for (Index k = 0; k < m; ++k) multiply_add(xk[k], wk[k], yk[k]);
      }
    }
  fft_out_->inverse(spectrum_out_.data(), y);
}

template <class T>
void SpectralConv<T>::backward(const T* dy, T* dx) {
  const Index m = modes_local_;
  C* d_out = spectrum_out_.data();
  fft_out_->inverse_adjoint(dy, d_out);
  C* dw = weight_grad_modes();
  const C* w = weight_modes();
  for (Index i = 0; i < in_; ++i)
    for (Index o = 0; o < out_; ++o) {
      C* dwk = dw + (i * out_ + o) * m;
      for (Index b = 0; b < batch_; ++b) {
        const C* xk = spectrum_in_.data() + (b * in_ + i) * m;
        const C* dyk = d_out + (b * out_ + o) * m;
        for (Index k = 0; k < m; ++k) conj_multiply_add(xk[k], dyk[k], dwk[k]);
      }
    }
  if (!dx) return;
  for (Index b = 0; b < batch_; ++b)
    for (Index i = 0; i < in_; ++i) {
      C* dxk = spectrum_grad_.data() + (b * in_ + i) * m;
      for (Index k = 0; k < m; ++k) dxk[k] = C(0);
      for (Index o = 0; o < out_; ++o) {
        const C* dyk = d_out + (b * out_ + o) * m;
        const C* wk = w + (i * out_ + o) * m;
        for (Index k = 0; k < m; ++k) conj_multiply_add(wk[k], dyk[k], dxk[k]);
      }
    }
  fft_in_->forward_adjoint(spectrum_grad_.data(), dx);
}

template class SpectralConv<float>;
template class SpectralConv<double>;

}  // namespace fno
