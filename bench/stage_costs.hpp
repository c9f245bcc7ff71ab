// The cost model of fno-bench model -profile: bytes moved to and from memory and flops of
// every profiled stage of one forward and one backward of Fno<float>, on this rank.
//
// Bytes: each stage's operands read and results written once, except data handed from
// one stage to the next inside a fused chunk (it stays in cache and is not counted); an
// all-to-all counts its data four times (pack, copy in, copy out, unpack). Flops: 2 per
// real multiply-add, 8 per complex one, as the running implementation does them (the folded
// time-DFT kernel does about half a dense product's); GELU as the operations of its float
// kernels (29 for the value, 50 for value and slope). The model follows the passes of the
// fused form (surrogate/layers/fno_model.cpp), so it changes when they change.
//
// The compulsory bytes of a phase are what no fusion can avoid: forward with
// keep_for_backward reads the input and the spectral weights, writes every saved z_l and
// spectrum and the output, and reads each z_{l-1} (or v_l) once more after its layer's
// global transform (for W v); backward reads dy, each saved z_l and spectrum, the weights,
// reads and writes the weight gradients, and writes d_input.
#pragma once
#include <array>

#include "layers/fno_model.hpp"
#include "common/profiling.hpp"

namespace fno::bench {

struct StageCosts {
  // [phase: 0 forward, 1 backward][stage]
  std::array<std::array<double, profile::stage_count>, 2> bytes{}, flops{};
  std::array<double, 2> compulsory_bytes{};
};

StageCosts model_stage_costs(const Fno<float>& model);

}  // namespace fno::bench
