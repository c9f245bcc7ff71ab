#include "simulator_config.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace fno::sim {

bool OpenSides::Any() const {
  for (const auto& axis : open)
    if (axis[0] || axis[1]) return true;
  return false;
}

namespace {
struct SideName {
  const char* name;
  int axis, direction;
};
std::vector<SideName> SideNames(Geometry g) {
  switch (g) {
    case Geometry::Slice: return {{"left", 0, 0}, {"right", 0, 1}, {"top", 1, 0}, {"bottom", 1, 1}};
    case Geometry::Map: return {{"left", 0, 0}, {"right", 0, 1}, {"front", 1, 0}, {"back", 1, 1}};
    case Geometry::Volume:
      return {{"left", 0, 0}, {"right", 0, 1}, {"front", 1, 0}, {"back", 1, 1}, {"top", 2, 0}, {"bottom", 2, 1}};
  }
  return {};
}
}  // namespace

OpenSides ParseOpenSides(const std::string& list, Geometry geometry) {
  OpenSides sides;
  if (list == "none" || list.empty()) return sides;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    bool found = false;
    for (const SideName& s : SideNames(geometry)) {
      if (item == s.name) {
        sides.open[s.axis][s.direction] = true;
        found = true;
      }
    }
    if (!found)
      throw std::invalid_argument("unknown side '" + item + "' for geometry " + GeometryName(geometry) +
                                  " (sides: left,right,top,bottom for slice; left,right,front,back[,top,bottom] otherwise)");
  }
  return sides;
}

std::string DescribeOpenSides(const OpenSides& sides, Geometry geometry) {
  std::string out;
  for (const SideName& s : SideNames(geometry))
    if (sides.open[s.axis][s.direction]) {
      if (!out.empty()) out += ',';
      out += s.name;
    }
  return out.empty() ? "none" : out;
}

std::vector<double> UniformReportTimes(int count, double interval_days) {
  std::vector<double> times;
  for (int r = 1; r <= count; ++r) times.push_back(r * interval_days * kSecondsPerDay);
  return times;
}

SimulatorConfig BenchmarkConfig() {
  SimulatorConfig config;
  config.grid = GridSpec{};  // 64 x 64 slice, dx 10, dy 10 (thickness), dz 5, top 1000 m
  config.wells = {BenchmarkInjector(config.grid)};
  config.open_sides.open[0][1] = true;  // right side
  config.report_times = UniformReportTimes(50, 73.0);
  return config;
}

void ValidateSimulatorConfig(const SimulatorConfig& c) {
  ValidateGridSpec(c.grid);
  ValidateFluidProperties(c.fluid);
  ValidateEarthModelSpec(c.earth);
  ValidateWells(c.wells, c.grid);
  if (c.earth.model == PermeabilityModel::File && c.permeability_file.empty() && c.grdecl_file.empty())
    throw std::invalid_argument("permeability model 'file' needs -perm_file FILE");
  if (!(c.vertical_permeability_ratio > 0)) throw std::invalid_argument("-kz_ratio must be positive");
  if (!(c.co2_surface_density > 0)) throw std::invalid_argument("-co2_surface_density must be positive");
  if (!c.wells.empty() && !c.open_sides.Any())
    throw std::invalid_argument("injection into incompressible fluids needs at least one open side (-open_sides)");
  if (c.report_times.empty()) throw std::invalid_argument("at least one report time is needed");
  double previous = 0;
  for (std::size_t r = 0; r < c.report_times.size(); ++r) {
    const double t = c.report_times[r];
    if (!std::isfinite(t) || !(t > previous)) {
      std::ostringstream msg;
      msg << "report times must be positive and strictly increasing: time " << r << " (" << t / kSecondsPerDay
          << " days) does not exceed the previous (" << previous / kSecondsPerDay << " days)";
      throw std::invalid_argument(msg.str());
    }
    previous = t;
  }
  if (c.initial_saturation < 0 || c.initial_saturation > c.fluid.MaxCo2Saturation())
    throw std::invalid_argument("initial saturation must lie in [0, 1 - S_wr]");
  if (c.initial_box.value < 0 || c.initial_box.value > c.fluid.MaxCo2Saturation())
    throw std::invalid_argument("initial saturation box value must lie in [0, 1 - S_wr]");
  if (!(c.cfl > 0)) throw std::invalid_argument("-cfl must be positive");
  if (c.max_time_step < 0) throw std::invalid_argument("-max_dt must be >= 0");
  if (c.pressure_update_interval < 1) throw std::invalid_argument("-pressure_update_interval must be >= 1");
  if (c.pressure_pc_refresh < 0) throw std::invalid_argument("-pressure_pc_refresh must be >= 0 (0: automatic)");
}

}  // namespace fno::sim
