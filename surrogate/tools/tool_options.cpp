#include "tool_options.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/error.hpp"

namespace fno::tools {

const char problem_options_help[] =
    "  -inputs  LIST            input channels, comma separated, each name:source:transform:scale:units\n"
    "                           (transform identity|log10; channel = transform(scale * host field source))\n"
    "                           [the reference simulator's: log10_permeability:permeability:log10:1:mD,\n"
    "                            porosity:porosity:identity:1:1,injection_rate:injection_rate:identity:86400:m3/s]\n"
    "  -outputs LIST            output channels, each name:units:initial_value:min:max (nan: none)\n"
    "                           [saturation:1:0:0:1]\n"
    "  -times_days t0,t1,...    output times in days (one per time point), or\n"
    "  -time_span t0,t1         first and last time in seconds, evenly spaced  [0 to 3650 days]\n";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, separator)) out.push_back(item);
  return out;
}

ToolOptions::ToolOptions(int argc, char** argv, int first, const std::string& tool) : tool_(tool) {
  for (int i = first; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "-help" || key == "--help" || key == "-h") {
      help_ = true;
      continue;
    }
    FNO_CHECK_AS(tool_.c_str(), key.size() > 1 && key[0] == '-' && i + 1 < argc, "expected '-option value', got '",
                 key, "' (", tool_, " -help lists the options)");
    values_[key.substr(1)] = argv[++i];
  }
}

std::string ToolOptions::take(const std::string& name, const std::string& fallback) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::string value = it->second;
  values_.erase(it);
  return value;
}

std::vector<Index> ToolOptions::integers(const std::string& name, const std::string& fallback) {
  const std::string text = take(name, fallback);
  std::vector<Index> out;
  for (const auto& item : split(text, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    FNO_CHECK_AS(tool_.c_str(), !item.empty() && *end == '\0', "option -", name, " expects integers like 1,2,3; got '",
                 text, "'");
    out.push_back(v);
  }
  FNO_CHECK_AS(tool_.c_str(), !out.empty(), "option -", name, " needs a value");
  return out;
}

double ToolOptions::number(const std::string& text, const std::string& what) const {
  if (text == "nan" || text == "NaN") return std::nan("");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  FNO_CHECK_AS(tool_.c_str(), !text.empty() && *end == '\0', what, " expects a number, got '", text, "'");
  return v;
}

void ToolOptions::require_all_read() const {
  if (!values_.empty())
    FNO_CHECK_AS(tool_.c_str(), false, "unknown option -", values_.begin()->first, " (", tool_, " -help)");
}

std::optional<ProblemDescription> problem_from_options(ToolOptions& options, Index nt, bool required) {
  if (!required && !options.has("inputs") && !options.has("outputs") && !options.has("times_days") &&
      !options.has("time_span"))
    return std::nullopt;
  ProblemDescription problem;
  const std::string inputs = options.take("inputs",
                                          "log10_permeability:permeability:log10:1:mD,porosity:porosity:identity:1:1,"
                                          "injection_rate:injection_rate:identity:86400:m3/s");
  for (const auto& item : split(inputs, ',')) {
    const auto f = split(item, ':');
    FNO_CHECK_AS("problem options", f.size() == 5, "-inputs entry '", item, "' is not name:source:transform:scale:units");
    problem.inputs.push_back({f[0], f[1], f[2], options.number(f[3], "an input's scale"), f[4]});
  }
  for (const auto& item : split(options.take("outputs", "saturation:1:0:0:1"), ',')) {
    const auto f = split(item, ':');
    FNO_CHECK_AS("problem options", f.size() == 5, "-outputs entry '", item, "' is not name:units:initial_value:min:max");
    problem.outputs.push_back({f[0], f[1], options.number(f[2], "an output's initial value"),
                               options.number(f[3], "an output's min"), options.number(f[4], "an output's max")});
  }
  const std::string days = options.take("times_days", ""), span = options.take("time_span", "");
  FNO_CHECK_AS("problem options", days.empty() || span.empty(), "give -times_days or -time_span, not both");
  if (!days.empty()) {
    for (const auto& t : split(days, ',')) problem.times.push_back(options.number(t, "-times_days") * 86400.0);
  } else {
    const auto ends = split(span.empty() ? "0,315360000" : span, ',');
    FNO_CHECK_AS("problem options", ends.size() == 2, "-time_span expects t0,t1 (seconds)");
    const double t0 = options.number(ends[0], "-time_span"), t1 = options.number(ends[1], "-time_span");
    for (Index k = 0; k < nt; ++k)
      problem.times.push_back(nt > 1 ? t0 + (t1 - t0) * static_cast<double>(k) / static_cast<double>(nt - 1) : t0);
  }
  return problem;
}

}  // namespace fno::tools
