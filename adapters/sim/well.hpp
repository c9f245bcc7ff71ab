// Injection wells: a box of perforated cells (inclusive 0-based index ranges along the DMDA
// axes) and a CO2 rate at surface conditions. The reservoir volume rate is
// surface_rate * co2_surface_density / co2_density (both densities options; OPM's CO2 surface
// density is about 1.87 kg/m^3). The rate is shared among the perforated cells in
// proportion to k * (cell length along the perforation), i.e. k h, as a vertical well's
// connection factors would share it.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "grid_spec.hpp"

namespace fno::sim {

struct Well {
  std::array<int, 3> lower = {0, 0, 0};  // first perforated cell index per DMDA axis
  std::array<int, 3> upper = {0, 0, 0};  // last perforated cell index per DMDA axis (inclusive)
  double surface_rate = 0;               // sm^3/day of CO2, > 0
  bool Contains(int i, int j, int k) const {
    return i >= lower[0] && i <= upper[0] && j >= lower[1] && j <= upper[1] && k >= lower[2] && k <= upper[2];
  }
};

// Throws std::invalid_argument naming the well if it is empty, outside the grid, or has a
// non-positive rate.
void ValidateWells(const std::vector<Well>& wells, const GridSpec& grid);

// The default injector of the OPM benchmark case: 0-based column 0 (OPM's I = 1), the bottom
// eight cells of the slice, 6000 sm^3/day.
Well BenchmarkInjector(const GridSpec& grid);

}  // namespace fno::sim
