#include "activation.hpp"

namespace fno {

template <class T>
void activation_forward(Activation act, Index n, const T* x, T* y) {
  if (act == Activation::identity) {
    if (x != y)
      for (Index i = 0; i < n; ++i) y[i] = x[i];
    return;
  }
  for (Index i = 0; i < n; ++i) y[i] = gelu(x[i]);
}

template <class T>
void activation_backward(Activation act, Index n, const T* x, const T* dy, T* dx) {
  if (act == Activation::identity) {
    if (dy != dx)
      for (Index i = 0; i < n; ++i) dx[i] = dy[i];
    return;
  }
  for (Index i = 0; i < n; ++i) dx[i] = dy[i] * gelu_derivative(x[i]);
}

template void activation_forward<float>(Activation, Index, const float*, float*);
template void activation_forward<double>(Activation, Index, const double*, double*);
template void activation_backward<float>(Activation, Index, const float*, const float*, float*);
template void activation_backward<double>(Activation, Index, const double*, const double*, double*);

}  // namespace fno
