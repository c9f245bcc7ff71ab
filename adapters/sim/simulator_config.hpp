// Everything that defines one simulation case, independent of PETSc. Filled from the
// command line by ReadSimulatorConfig (simulator_options.cpp) or programmatically (fno-gen,
// tests). SI units inside, except where a name says otherwise.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "earth_model.hpp"
#include "fluid_properties.hpp"
#include "grid_spec.hpp"
#include "well.hpp"

namespace fno::sim {

constexpr double kSecondsPerDay = 86400.0;
constexpr double kMilliDarcy = 9.869233e-16;  // m^2

// Sides of the grid, by DMDA axis and direction: axis 0 -/+ = left/right, axis 1 -/+ =
// top/bottom in a Slice and front/back in a Map or Volume, axis 2 -/+ = top/bottom (Volume).
struct OpenSides {
  std::array<std::array<bool, 2>, 3> open = {};  // [axis][0 = minus side, 1 = plus side]
  bool Any() const;
};
OpenSides ParseOpenSides(const std::string& list, Geometry geometry);  // comma list or "none"
std::string DescribeOpenSides(const OpenSides& sides, Geometry geometry);

struct SaturationBox {
  std::array<int, 3> lower = {0, 0, 0}, upper = {-1, -1, -1};  // inclusive; empty by default
  double value = 0;
};

struct SimulatorConfig {
  GridSpec grid;
  FluidProperties fluid;
  EarthModelSpec earth;
  std::string permeability_file;                  // HDF5 file when earth.model == File
  std::string permeability_dataset = "permeability";  // dataset in mD, dims reversed DMDA axes
  std::string porosity_dataset;                   // optional dataset in the same file
  std::string grdecl_file;  // earth.model == File: PERMX (mD), PORO from this Eclipse include instead
  double vertical_permeability_ratio = 0.1;       // k_z / k_h (Slice and Volume)
  std::vector<Well> wells;
  double co2_surface_density = 1.87;              // kg/m^3, converts surface to reservoir rates
  OpenSides open_sides;
  std::vector<double> report_times;               // seconds, strictly increasing, first > 0
  double initial_saturation = 0;
  SaturationBox initial_box;
  double cfl = 0.9;                               // fraction of the explicit stability limit
  double max_time_step = 0;                       // seconds; 0 = no cap besides CFL
  int pressure_update_interval = 1;               // recompute pressure every this many RHS calls
  int pressure_pc_refresh = 0;  // rebuild the pressure preconditioner every N solves (0: 1 for preonly, else 10)
};

// The OPM benchmark case of DESIGN.md: 64x64 slice, 10 x 10 x 5 m cells, top 1000 m, channel
// field, kz = 0.1 kh, injector in column 0 bottom 8 cells at 6000 sm^3/day, open right side,
// 50 reports of 73 days.
SimulatorConfig BenchmarkConfig();

std::vector<double> UniformReportTimes(int count, double interval_days);  // seconds

// Throws std::invalid_argument with a readable message for any inconsistency.
void ValidateSimulatorConfig(const SimulatorConfig& config);

}  // namespace fno::sim
