// Parameter: one named trainable tensor of the model, with its gradient and the part of
// the global tensor this rank holds. The model file, the optimizers and gradient
// reductions work on lists of these without knowing which layer owns them.
#pragma once
#include <string>
#include <vector>

#include "fft/layout.hpp"

namespace fno {

template <class T>
struct Parameter {
  std::string name;                 // PyTorch-style key, e.g. "layers.0.spectral.weights"
  std::vector<Index> global_shape;  // full shape; complex tensors end in a dimension of 2 (re, im)
  std::vector<Index> local_start;   // this rank's hyperslab of the global tensor ...
  std::vector<Index> local_shape;   // ... (replicated parameters: start 0, the whole shape)
  bool replicated = true;           // true: every rank holds all of it (gradients are sum-reduced)
  std::vector<T> value;             // C order over local_shape
  std::vector<T> grad;              // same shape as value
};

}  // namespace fno
