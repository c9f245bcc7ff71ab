// FnoConfig: the architecture of a space-time FNO (what a model file's attributes hold).
#pragma once
#include <string>
#include <vector>

#include "layout.hpp"

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

}  // namespace fno
