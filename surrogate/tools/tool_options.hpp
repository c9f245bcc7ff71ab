// Single-dash options of the core's tools (-grid 64,64,51 -output m.h5), and the /problem
// description given on their command line (fno-init, fno-import).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fft/layout.hpp"
#include "files/problem.hpp"

namespace fno::tools {

class ToolOptions {
 public:
  // Every argument from argv[first] on must be '-name value'; "-help" sets help().
  ToolOptions(int argc, char** argv, int first, const std::string& tool);
  bool help() const { return help_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The value of -name (removed from the unread ones), or `fallback`.
  std::string take(const std::string& name, const std::string& fallback);
  std::vector<Index> integers(const std::string& name, const std::string& fallback);
  double number(const std::string& text, const std::string& what) const;
  // Throws naming the first option no take() asked for (a typo).
  void require_all_read() const;

 private:
  std::string tool_;
  bool help_ = false;
  std::map<std::string, std::string> values_;
};

std::vector<std::string> split(const std::string& text, char separator);

// -inputs name:source:transform:scale:units,...  -outputs name:units:initial:min:max,...
// -times_days t0,t1,...  or  -time_span t0,t1 (seconds; nt evenly spaced). Without any of
// them and !required: no problem. Defaults (when required): the reference simulator's
// inputs and saturation output over ten years.
std::optional<ProblemDescription> problem_from_options(ToolOptions& options, Index nt, bool required);
extern const char problem_options_help[];

}  // namespace fno::tools
