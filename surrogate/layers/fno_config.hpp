// FnoConfig: the architecture of a space-time FNO (what a model file's attributes hold),
// and the checks that a configuration (from a file or a caller) is sane before anything is
// allocated for it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fft/layout.hpp"

namespace fno {

// Grid axes are space axes first, time last: d = space_dims + 1 axes.
//   input  [batch][in_channels][grid...]   (coordinates are appended inside the model)
//   output [batch][out_channels][grid...]
// P: (in_channels + d) -> width; L blocks act(W v + b + SpectralConv(v)) (no act after the
// last); Q1: width -> proj_width, GELU, Q2: proj_width -> out_channels.
struct FnoConfig {
  int space_dims = 2;               // 2 or 3
  std::vector<Index> grid;          // d = space_dims + 1 extents, time last
  Index width = 20;
  std::vector<Index> modes;         // d entries: space axes keep m low + m high, time keeps m lowest
  int layers = 4;
  Index proj_width = 128;
  Index in_channels = 1;            // data channels, without the d coordinate channels
  Index out_channels = 1;
  Index padding = 0;                // zeros appended to the time axis before the Fourier layers
  int ndim() const { return space_dims + 1; }
};

// Bounds validate_config() enforces on each field (beyond them no machine holds the model;
// extents and channel counts also reach MPI, FFTW and BLAS as 32-bit ints).
inline constexpr Index max_config_extent = (Index{1} << 31) - 1;  // grid, width, channels, padding
inline constexpr Index max_config_layers = 1 << 16;
// Largest element count of one global tensor per sample (channels x padded grid points) and
// of all parameters together: far below Index's range, so sizes in bytes cannot overflow.
inline constexpr Index max_config_elements = Index{1} << 56;

// Throws fno::Error ("validate_config(): <field> ...", naming the field and its value) unless
// every field is within bounds: space_dims 2 or 3; one grid extent and one mode count per
// axis; grid extents, width, proj_width and channel counts in 1..max_config_extent; layers in
// 1..max_config_layers; padding in 0..max_config_extent; space modes m with 2m <= extent and
// time modes within (time extent + padding) / 2 + 1; and the products (padded grid points x
// widest channel count, total parameter count) within max_config_elements without overflow.
void validate_config(const FnoConfig& config);
// validate_config(config), then batch >= 1 with batch x widest tensor within Index. Returns
// config (for member initialisers).
const FnoConfig& validated_config(const FnoConfig& config, Index batch);

// The name and global shape of every parameter a model of `config` has, in the order of
// Fno::parameters() (golden param_keys order). `config` must pass validate_config().
struct ParameterShape {
  std::string name;
  std::vector<Index> global_shape;
  bool replicated = true;  // false: distributed over the process grid (the spectral weights)
};
std::vector<ParameterShape> parameter_shapes(const FnoConfig& config);
// Elements of all parameters together (validated, so it does not overflow).
Index parameter_elements(const FnoConfig& config);

// Bytes one rank may allocate for a model: the machine's physical memory, lowered by
// RLIMIT_AS / RLIMIT_DATA when they are set, or what set_rank_memory_limit() gave.
std::uint64_t rank_memory_limit();
// Overrides rank_memory_limit() (0 restores the default). Fuzzers and tests use it to keep
// every model they build small.
void set_rank_memory_limit(std::uint64_t bytes);
// Throws fno::Error if the least memory a model of `config` needs on this rank (two hidden
// tensors of `hidden_local_elements` each, the truncated DFT matrices, the parameters; in
// scalars of `scalar_bytes`) exceeds rank_memory_limit(). Called before the model allocates.
void check_model_memory(const FnoConfig& config, Index hidden_local_elements, std::size_t scalar_bytes);

}  // namespace fno
