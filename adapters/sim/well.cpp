#include "well.hpp"

#include <algorithm>
#include <stdexcept>

namespace fno::sim {

void ValidateWells(const std::vector<Well>& wells, const GridSpec& grid) {
  for (std::size_t w = 0; w < wells.size(); ++w) {
    const Well& well = wells[w];
    const std::string name = "well " + std::to_string(w);
    for (int a = 0; a < 3; ++a) {
      if (well.lower[a] > well.upper[a])
        throw std::invalid_argument(name + ": empty cell range along axis " + std::to_string(a));
      if (well.lower[a] < 0 || well.upper[a] >= grid.cells[a])
        throw std::invalid_argument(name + ": cells " + std::to_string(well.lower[a]) + ".." + std::to_string(well.upper[a]) +
                                    " along axis " + std::to_string(a) + " lie outside the grid (0.." +
                                    std::to_string(grid.cells[a] - 1) + ")");
    }
    if (!(well.surface_rate > 0)) throw std::invalid_argument(name + ": injection rate must be positive");
  }
}

Well BenchmarkInjector(const GridSpec& grid) {
  Well well;
  const int vertical = std::max(grid.VerticalAxis(), 0);
  well.lower = {0, 0, 0};
  well.upper = {0, 0, 0};
  if (grid.geometry == Geometry::Map) {
    well.lower = {grid.cells[0] / 4, grid.cells[1] / 2, 0};
    well.upper = well.lower;
  } else {
    const int bottom = grid.cells[vertical] - 1;
    well.lower[vertical] = std::max(0, bottom - 7);
    well.upper[vertical] = bottom;
    if (grid.geometry == Geometry::Volume) {
      well.lower[1] = well.upper[1] = grid.cells[1] / 2;
    }
  }
  well.surface_rate = 6000.0;
  return well;
}

}  // namespace fno::sim
