// Import of a PyTorch FNO stored in the golden layout (../shared/golden/README.md):
// root attributes d, grid, in_channels, out_channels, width, modes, n_layers, padding,
// proj_hidden; /params/<key> in PyTorch's shapes; optionally /input, /output,
// /loss_weight, /grad_input, /grads/<key> and their float64 counterparts under /f64.
//
// Conversions: PyTorch's 2^(d-1) corner tensors layers.l.spectral.weights.k
// [in, out, m_1..m_d, 2] become our one tensor layers.l.spectral.weights
// [in, out, 2m_1, ..., 2m_{d-1}, m_d, 2]: along space axis j our index r < m_j is row r of
// a corner with bit j = 0, r >= m_j row r - m_j of a corner with bit j = 1; time equal.
// Tensors [1, n_1..n_d, C] (channels last) become our [batch][C][local grid].
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "layers/fno_config.hpp"
#include "layers/fno_model.hpp"
#include "fft/process_grid.hpp"

namespace fno::tools {

// The architecture from the file's root attributes. Every rank reads it.
FnoConfig read_torch_config(const std::string& path);

// True when the file holds the reference computation (/input, /output, /loss_weight,
// /grad_input and /f64/grads).
bool has_torch_reference(const std::string& path);

// Sets every parameter of `model` (built for read_torch_config(path), batch 1) from
// /params: each rank keeps its own slice.
template <class T>
void load_torch_parameters(const std::string& path, Fno<T>& model);

// max |ours - reference| / max |reference| of one tensor, over all ranks.
struct TensorDifference {
  std::string name;
  double relative = 0;
};

struct ParityReport {
  double output_rel = 0;
  double grad_input_rel = 0;
  double grad_params_rel_max = 0;
  std::string worst_param;
  std::vector<TensorDifference> params;  // per PyTorch key
};

// Runs the loaded model (batch 1) on /input, takes L = sum(output · loss_weight), runs
// backward with dOutput = loss_weight and compares output, input gradient and every
// parameter gradient with the float64 reference under /f64. Collective over the model's grid.
template <class T>
ParityReport check_torch_parity(const std::string& path, Fno<T>& model);

// The report as one JSON line.
std::string to_json(const ParityReport& report);

}  // namespace fno::tools
