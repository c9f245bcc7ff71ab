#include "files/problem.hpp"

#include <cmath>

#include "common/error.hpp"

namespace fno {

void validate_problem(const ProblemDescription& p, const FnoConfig& config) {
  const std::string where = "problem description";
  FNO_CHECK_AS("validate_problem", static_cast<Index>(p.inputs.size()) == config.in_channels, where, ": ",
               p.inputs.size(), " input field(s) for a model with ", config.in_channels, " input channel(s)");
  FNO_CHECK_AS("validate_problem", static_cast<Index>(p.outputs.size()) == config.out_channels, where, ": ",
               p.outputs.size(), " output field(s) for a model with ", config.out_channels, " output channel(s)");
  FNO_CHECK_AS("validate_problem", !config.grid.empty() && static_cast<Index>(p.times.size()) == config.grid.back(),
               where, ": ", p.times.size(), " time(s) for a model with ",
               config.grid.empty() ? 0 : config.grid.back(), " time points");
  for (std::size_t k = 0; k < p.times.size(); ++k) {
    FNO_CHECK_AS("validate_problem", std::isfinite(p.times[k]), where, ": time ", k, " is not finite");
    FNO_CHECK_AS("validate_problem", k == 0 || p.times[k] > p.times[k - 1], where, ": times are not strictly increasing (",
                 p.times[k - 1], " s then ", p.times[k], " s)");
  }
  for (std::size_t k = 0; k < p.inputs.size(); ++k) {
    const ProblemInput& in = p.inputs[k];
    FNO_CHECK_AS("validate_problem", !in.name.empty() && !in.source.empty(), where, ": input ", k,
                 " needs a name and a source field");
    FNO_CHECK_AS("validate_problem", in.transform == "identity" || in.transform == "log10", where, ": input '", in.name,
                 "' has transform '", in.transform, "' (known: identity, log10)");
    FNO_CHECK_AS("validate_problem", std::isfinite(in.scale) && in.scale != 0, where, ": input '", in.name,
                 "' has scale ", in.scale);
    FNO_CHECK_AS("validate_problem", in.kind == "field" || in.kind == "initial_state", where, ": input '", in.name,
                 "' has kind '", in.kind, "' (known: field, initial_state)");
  }
  for (std::size_t k = 0; k < p.outputs.size(); ++k) {
    const ProblemOutput& out = p.outputs[k];
    FNO_CHECK_AS("validate_problem", !out.name.empty(), where, ": output ", k, " needs a name");
    FNO_CHECK_AS("validate_problem", !(out.min > out.max), where, ": output '", out.name, "' has min ", out.min,
                 " > max ", out.max);
    FNO_CHECK_AS("validate_problem", !std::isinf(out.initial_value), where, ": output '", out.name,
                 "' has an infinite initial value");
  }
}

double transform_input(const ProblemInput& input, double value) {
  const double scaled = input.scale * value;
  if (input.transform == "log10") return scaled > 0 ? std::log10(scaled) : std::nan("");
  return scaled;
}

}  // namespace fno
