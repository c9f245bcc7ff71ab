#include "opm_case_fields.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "dataset_file.hpp"
#include "opm_cell_order.hpp"

namespace fno::opm {

namespace {
constexpr double kInactivePermeability = 1e-3;  // mD
constexpr double kInactivePorosity = 1e-3;

bool Near(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b)); }

fno::sim::Geometry SimGeometry(const std::array<int, 3>& dims) {
  switch (GeometryOf(dims)) {
    case OpmGeometry::Slice: return fno::sim::Geometry::Slice;
    case OpmGeometry::Map: return fno::sim::Geometry::Map;
    case OpmGeometry::Volume: return fno::sim::Geometry::Volume;
  }
  throw std::logic_error("unknown geometry");
}
}  // namespace

fno::sim::SimulatorConfig ConfigOfRun(const OpmRun& run, const fno::sim::SimulatorConfig& base) {
  fno::sim::SimulatorConfig config = base;
  config.grid.geometry = SimGeometry(run.dims);
  config.grid.cells = DmdaCells(run.dims);
  config.grid.dx = run.cell_size[0];
  config.grid.dy = run.cell_size[1];
  config.grid.dz = run.cell_size[2];
  config.grid.top_depth = run.top_depth;
  if (run.times.size() < 2 || run.times.front() != 0.0)
    throw std::runtime_error("OPM run '" + run.base + "': needs the initial state (time 0) and at least one report step");
  config.report_times.clear();
  for (std::size_t t = 1; t < run.times.size(); ++t) config.report_times.push_back(run.times[t] * fno::sim::kSecondsPerDay);
  return config;
}

std::string GridMismatch(const OpmRun& run, const fno::sim::SimulatorConfig& config) {
  const auto& g = config.grid;
  std::ostringstream why;
  const std::array<int, 3> cells = DmdaCells(run.dims);
  if (SimGeometry(run.dims) != g.geometry || cells != g.cells) {
    why << "grid " << run.dims[0] << "x" << run.dims[1] << "x" << run.dims[2] << " (" << fno::sim::GeometryName(SimGeometry(run.dims))
        << " " << cells[0] << "x" << cells[1] << "x" << cells[2] << ") differs from the dataset's "
        << fno::sim::GeometryName(g.geometry) << " " << g.cells[0] << "x" << g.cells[1] << "x" << g.cells[2];
  } else if (!Near(run.cell_size[0], g.dx) || !Near(run.cell_size[1], g.dy) || !Near(run.cell_size[2], g.dz)) {
    why << "cell size " << run.cell_size[0] << " x " << run.cell_size[1] << " x " << run.cell_size[2] << " m differs from the dataset's "
        << g.dx << " x " << g.dy << " x " << g.dz << " m";
  } else if (run.times.size() != config.report_times.size() + 1) {
    why << run.times.size() << " snapshots differ from the dataset's " << config.report_times.size() + 1;
  } else {
    for (std::size_t t = 1; t < run.times.size(); ++t)
      if (!Near(run.times[t] * fno::sim::kSecondsPerDay, config.report_times[t - 1])) {
        why << "report time " << t << " (" << run.times[t] << " days) differs from the dataset's ("
            << config.report_times[t - 1] / fno::sim::kSecondsPerDay << " days)";
        break;
      }
  }
  const std::string text = why.str();
  return text.empty() ? text : "OPM run '" + run.base + "': " + text;
}

CaseFields ToCaseFields(const OpmRun& run, const fno::sim::SimulatorConfig& config) {
  const std::string mismatch = GridMismatch(run, config);
  if (!mismatch.empty()) throw std::runtime_error(mismatch);
  const std::size_t n = run.CellCount();
  CaseFields fields;
  fields.inputs.assign(fno::sim::kDatasetInputFields * n, 0.0);
  double* log_perm = fields.inputs.data();
  double* porosity = log_perm + n;
  double* injection = porosity + n;
  for (std::size_t c = 0; c < n; ++c) {
    log_perm[c] = std::log10(run.active[c] ? run.permx[c] : kInactivePermeability);
    porosity[c] = run.active[c] ? run.porosity[c] : kInactivePorosity;
  }
  if (run.connections.empty() || !(run.injection_surface_rate > 0))
    throw std::runtime_error("OPM run '" + run.base + "': no gas injector with connections and a positive injected total (FGIT)");
  double perm_sum = 0;
  for (const auto& ijk : run.connections) {
    const std::size_t f = FileIndex(run.dims, ijk[0], ijk[1], ijk[2]);
    if (run.active[f]) perm_sum += run.permx[f];
  }
  if (!(perm_sum > 0)) throw std::runtime_error("OPM run '" + run.base + "': the injector connects no active cell");
  const double reservoir_rate = run.injection_surface_rate * config.co2_surface_density / config.fluid.co2_density;  // m^3/day
  for (const auto& ijk : run.connections) {
    const std::size_t f = FileIndex(run.dims, ijk[0], ijk[1], ijk[2]);
    if (run.active[f]) injection[f] += reservoir_rate * run.permx[f] / perm_sum;
  }
  fields.outputs.assign(run.sgas.size() * n, 0.0);
  for (std::size_t t = 0; t < run.sgas.size(); ++t)
    for (std::size_t c = 0; c < n; ++c) fields.outputs[t * n + c] = std::min(1.0, std::max(0.0, run.sgas[t][c]));
  return fields;
}

}  // namespace fno::opm
