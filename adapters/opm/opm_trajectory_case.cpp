#include "opm_trajectory_case.hpp"

#include <algorithm>
#include <stdexcept>

#include "fft/tensor_slice.hpp"

namespace fno::opm {

namespace {

std::string Join(const std::vector<std::string>& names, const char* separator) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : separator) + name;
  return text;
}

}  // namespace

const std::vector<std::string>& OpmOutputNames() {
  static const std::vector<std::string> names = {"saturation", "pressure", "rs"};
  return names;
}

std::vector<std::string> ParseOpmOutputs(const std::string& list) {
  const std::vector<std::string>& known = OpmOutputNames();
  std::vector<bool> chosen(known.size(), false);
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = std::min(list.find(',', begin), list.size());
    const std::string name = list.substr(begin, end - begin);
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end())
      throw std::invalid_argument((name.empty() ? std::string("an empty name") : "'" + name + "'") +
                                  " is not an output; the outputs are " + Join(known, ", "));
    const auto k = static_cast<std::size_t>(it - known.begin());
    if (chosen[k]) throw std::invalid_argument("'" + name + "' is listed twice");
    chosen[k] = true;
    if (end == list.size()) break;
    begin = end + 1;
  }
  std::vector<std::string> outputs;
  for (std::size_t k = 0; k < known.size(); ++k)
    if (chosen[k]) outputs.push_back(known[k]);
  return outputs;
}

fno::TrajectoryLayout TrajectoryLayoutOf(const fno::sim::SimulatorConfig& config, const std::vector<std::string>& outputs) {
  fno::TrajectoryLayout layout;
  for (int a = 0; a < config.grid.Dimension(); ++a) {
    layout.grid.push_back(config.grid.cells[a]);
    layout.boundary.push_back("none");
  }
  layout.components = outputs;
  layout.input_fields = {"log10_permeability", "porosity", "injection_rate"};
  layout.output_fields = outputs;
  layout.times.push_back(0.0);
  for (double t : config.report_times) layout.times.push_back(t / fno::sim::kSecondsPerDay);
  layout.time_units = "days";
  layout.host = "OPM Flow (fno-opm-import)";
  layout.parameter_names = {"injection_surface_rate"};
  return layout;
}

fno::GridBlock RankBlock(const std::vector<Index>& grid, int rank, int size) {
  fno::GridBlock block{std::vector<Index>(grid.size(), 0), grid};
  const std::vector<Index> parts = fno::dmda_parts(grid.back(), size);
  for (int r = 0; r < rank; ++r) block.start.back() += parts[static_cast<std::size_t>(r)];
  block.extent.back() = parts[static_cast<std::size_t>(rank)];
  return block;
}

std::vector<double> BlockRows(const std::vector<double>& values, const std::vector<Index>& grid, const fno::GridBlock& block) {
  // As C-order tensors [row][slowest axis]...[x]: the block is a hyperslab of every row.
  const Index rows = static_cast<Index>(values.size()) / fno::element_count(grid);
  std::vector<Index> shape{rows}, start{0}, count{rows};
  for (std::size_t a = grid.size(); a-- > 0;) {
    shape.push_back(grid[a]);
    start.push_back(block.start[a]);
    count.push_back(block.extent[a]);
  }
  std::vector<double> out(static_cast<std::size_t>(fno::element_count(count)));
  fno::extract_hyperslab(shape, start, count, values.data(), out.data());
  return out;
}

std::vector<double> OpmState(const OpmRun& run, const CaseFields& fields, const std::vector<std::string>& outputs,
                             std::size_t report) {
  const std::size_t n = run.CellCount();
  std::vector<double> state;
  state.reserve(outputs.size() * n);
  for (const std::string& name : outputs) {
    if (name == "saturation") {
      const auto first = fields.outputs.begin() + static_cast<std::ptrdiff_t>(report * n);
      state.insert(state.end(), first, first + static_cast<std::ptrdiff_t>(n));
    } else if (name == "pressure") {
      state.insert(state.end(), run.pressure[report].begin(), run.pressure[report].end());
    } else if (name == "rs") {
      state.insert(state.end(), run.rs[report].begin(), run.rs[report].end());
    } else {
      throw std::invalid_argument("'" + name + "' is not an output of an OPM run");
    }
  }
  return state;
}

}  // namespace fno::opm
