#include "pointwise_linear.hpp"

#include "blas.hpp"
#include "error.hpp"

namespace fno {

namespace {
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
  const T* w = weight_->value.data();
  const T* b = bias_->value.data();
  for (Index n = 0; n < batch; ++n) {
    T* yb = y + n * out_ * ldy;
    for (Index o = 0; o < out_; ++o) {
      T* row = yb + o * ldy;
      if (accumulate)
        for (Index p = 0; p < points; ++p) row[p] += b[o];
      else
        for (Index p = 0; p < points; ++p) row[p] = b[o];
    }
    blas::gemm(blas::Op::N, blas::Op::N, out_, points, in_, T(1), w, in_, x + n * in_ * ldx, ldx, T(1), yb, ldy);
  }
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
    for (Index o = 0; o < out_; ++o) {
      const T* row = dyb + o * lddy;
      double sum = 0;  // in double: a bias gradient sums every grid point
      for (Index p = 0; p < points; ++p) sum += row[p];
      db[o] += static_cast<T>(sum);
    }
  }
}

template <class T>
void PointwiseLinear<T>::backward_input(Index batch, Index points, const T* dy, Index lddy, T* dx, Index lddx,
                                        bool accumulate_dx) const {
  if (points == 0) return;
  for (Index n = 0; n < batch; ++n)
    blas::gemm(blas::Op::T, blas::Op::N, in_, points, out_, T(1), weight_->value.data(), in_, dy + n * out_ * lddy,
               lddy, accumulate_dx ? T(1) : T(0), dx + n * in_ * lddx, lddx);
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
