// ProblemDescription: what a trained model means to a host, stored beside the weights in
// the model file's optional /problem group (README, "The model file"): which host field
// feeds each input channel and how it is transformed, which host field each output channel
// predicts, and the physical time of every model time index. The plugin maps a simulator's
// fields through it; the training programs write it from their dataset.
#pragma once
#include <string>
#include <vector>

#include "layers/fno_config.hpp"

namespace fno {

// Input channel k of the model = transform(scale · host field `source`), broadcast along
// time. kind "field": `source` names a static field the host provides (a Vec composed on
// its DM, an input file); kind "initial_state": `source` names a component of the host's
// own state, taken at the start of the run (models of recorded trajectories).
struct ProblemInput {
  std::string name;                    // the channel's name, e.g. "log10_permeability"
  std::string source;                  // the host field it is computed from, e.g. "permeability"
  std::string transform = "identity";  // "identity" or "log10"
  double scale = 1.0;                  // applied to the host value before the transform
  std::string units;                   // of the host field (informative), e.g. "mD"
  std::string kind = "field";          // "field" or "initial_state"
};

// Output channel k of the model predicts host field `name` at every model time.
struct ProblemOutput {
  std::string name;      // e.g. "saturation"
  std::string units;     // informative
  double initial_value;  // the host's state at times[0] the model assumes (NaN: any)
  double min, max;       // predictions are clipped to [min, max] (NaN: no bound)
};

struct ProblemDescription {
  std::string description;             // free text
  std::vector<ProblemInput> inputs;    // one per model input channel, in channel order
  std::vector<ProblemOutput> outputs;  // one per model output channel
  std::vector<double> times;           // seconds, one per model time index, strictly increasing
};

// Throws fno::Error naming what is wrong if `problem` does not describe a model of
// `config` (channel counts, number of times) or is inconsistent in itself (unknown
// transform, non-finite or non-increasing times, bad scale or bounds).
void validate_problem(const ProblemDescription& problem, const FnoConfig& config);

// transform(scale · value) of one input; NaN when the transform is undefined there
// (log10 of a non-positive value).
double transform_input(const ProblemInput& input, double value);

}  // namespace fno
