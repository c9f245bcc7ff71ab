// Fno: the space-time Fourier Neural Operator on a distributed grid.
//
//   a = [x, coordinates]                     [b][in + d][grid]
//   v_0 = pad_t(P a)                         [b][width][grid, time padded]
//   z_l = W_l v_l + bias_l + SpectralConv_l(v_l),  v_{l+1} = GELU(z_l) (v_L = z_{L-1})
//   u = crop_t(v_L);  y = Q2 GELU(Q1 u)      [b][out][grid]
// Tensors are [batch][channel][local grid block] in the grid's Layout (time axis local).
// backward() accumulates parameter gradients (PyTorch semantics: zero_grad() clears them);
// the replicated parameters' gradients of one backward are sum-reduced over the grid's
// communicator and, when set, every gradient over a data-parallel communicator.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "common/error.hpp"
#include "layers/fno_config.hpp"
#include "fft/layout.hpp"
#include "layers/parameter.hpp"
#include "layers/pointwise_linear.hpp"
#include "fft/process_grid.hpp"
#include "layers/spectral_conv.hpp"
#include "fft/truncated_fft.hpp"

namespace fno {

template <class T>
class Fno {
 public:
  // ownership[a]: part sizes of the split space axis a (DMDAGetOwnershipRanges), or empty
  // for the DMDA rule; one entry per space axis (or per grid axis, time's empty), or none. Parameters are initialised from `seed`
  // (partition independent), or left at zero without `initialize_parameters` (for a model
  // whose weights are read from a file next: the random draws are the slow part of building).
  // Collective over grid.
  Fno(const FnoConfig& config, std::shared_ptr<const ProcessGrid> grid, Index batch, std::uint64_t seed = 0,
      std::vector<std::vector<Index>> ownership = {}, bool initialize_parameters = true);
  Fno(const Fno&) = delete;  // the layers point into params_
  Fno& operator=(const Fno&) = delete;

  const FnoConfig& config() const { return config_; }
  Index batch() const { return batch_; }
  const ProcessGrid& grid() const { return *grid_; }
  const Layout& input_layout() const { return input_layout_; }    // lead = batch·in_channels
  const Layout& output_layout() const { return output_layout_; }  // lead = batch·out_channels
  const Layout& hidden_layout() const { return hidden_layout_; }  // lead = batch·width, time padded
  const TruncatedFFT<T>& fft() const { return *fft_; }             // shared by every spectral layer

  // Deterministic, partition-independent initialisation: every global tensor is drawn in
  // parameter order from one generator, then this rank keeps its slice. Linear layers as
  // PyTorch's nn.Linear (U(±1/√fan_in) for weight and bias), spectral weights as Li et al.
  // (re, im ~ U(0, 1) / (in·out)).
  void initialize(std::uint64_t seed);

  // input [batch][in][local grid] -> output [batch][out][local grid]. With
  // keep_for_backward (the default) it keeps what backward needs; without (inference) only
  // two hidden tensors are alive at a time and backward is not allowed until the next forward.
  void forward(const T* input, T* output, bool keep_for_backward = true);
  // d_output [batch][out][local grid] -> d_input [batch][in][local grid] (skipped when null);
  // accumulates every parameter's gradient. Consumes what the preceding forward saved (as
  // PyTorch frees its graph): each backward needs its own forward.
  void backward(const T* d_output, T* d_input);

  // In golden param_keys order: lift, then per layer spectral weights, pointwise weight and
  // bias, then proj.fc1, proj.fc2.
  std::vector<Parameter<T>>& parameters() { return params_; }
  const std::vector<Parameter<T>>& parameters() const { return params_; }
  void zero_grad();
  // Gradients are additionally sum-reduced over this communicator (data parallelism;
  // MPI_COMM_NULL, the default, turns it off). The caller keeps it alive.
  void set_data_parallel_comm(MPI_Comm comm) { data_parallel_ = comm; }
  // Grid points per chunk of the forward's fused epilogue (W v + bias and GELU run inside
  // the inverse transform's time stage, a chunk at a time); default 2048. Results do not
  // depend on it beyond rounding; tests use small values to exercise many chunks.
  void set_fused_chunk_points(Index points) {
    FNO_CHECK(points >= 1, "fused chunk must hold at least one point, got ", points);
    fused_chunk_points_ = points;
  }
  // Fused forward and backward (the default): neighbouring passes over the hidden tensors
  // run chunk by chunk inside the transforms' time stages. Without, every operation is its
  // own pass (the plain form, the reference the tests compare the fused one with).
  void set_fused(bool fused) { fused_ = fused; }
  bool fused() const { return fused_; }

 private:
  Index grid_points() const { return input_layout_.local_count() / input_layout_.lead(); }
  Index padded_points() const { return hidden_layout_.local_count() / hidden_layout_.lead(); }
  void reduce_gradients(std::vector<T>& earlier);
  void lift_forward(const T* input, T* v);                 // features a, v_0 = pad_t(P a)
  void projection_forward(const T* z_last, T* output);     // y = Q2 GELU(Q1 crop_t(z_{L-1}))
  void backward_fused(const T* d_output, T* d_input);
  void backward_plain(const T* d_output, T* d_input);
  std::vector<Parameter<T>*> parameter_pointers() {
    std::vector<Parameter<T>*> list;
    for (Parameter<T>& p : params_) list.push_back(&p);
    return list;
  }

  FnoConfig config_;
  std::shared_ptr<const ProcessGrid> grid_;
  Index batch_;
  Layout input_layout_, output_layout_, hidden_layout_;
  std::shared_ptr<const TruncatedFFT<T>> fft_;
  std::vector<Parameter<T>> params_;  // the layers below refer into it; never resized
  std::vector<PointwiseLinear<T>> linear_;  // lift, then fc1, fc2 at the end
  PointwiseLinear<T>* lift_ = nullptr;
  std::vector<SpectralConv<T>> spectral_;
  std::vector<PointwiseLinear<T>> pointwise_;
  PointwiseLinear<T>* fc1_ = nullptr;
  PointwiseLinear<T>* fc2_ = nullptr;
  MPI_Comm data_parallel_ = MPI_COMM_NULL;

  // Saved by forward for backward.
  std::vector<T> features_;             // a    [b][in + d][grid]
  std::vector<std::vector<T>> hidden_;  // z_l  [b][width][padded grid]
  bool have_forward_ = false;
  // Scratch kept between calls (sized on first use).
  static constexpr Index projection_chunk = 512;  // points per chunk of the projection
  // Grid points (whole time lines) per chunk of the fused inverse-transform epilogue
  // (W v + bias, GELU): z, v and the next v of a chunk stay within L2.
  Index fused_chunk_points_ = 2048;
  bool fused_ = true;
  std::vector<T> chunk_v_, chunk_s_, chunk_u_;  // fused backward: v_l, GELU'(z_{l-1}), compact u / cropped dv_0 of a chunk
  std::vector<T> scratch_;  // forward: v_l, then u; backward: a hidden gradient (z_{L-1}'s storage is the other)
  std::vector<T> grad_features_;          // gradient of a                      [b][in + d][grid]
  std::vector<T> proj_hidden_;            // projection chunk: h (forward); h, g, dg (backward)
};

extern template class Fno<float>;
extern template class Fno<double>;

}  // namespace fno
