#include "grid_spec.hpp"

#include <stdexcept>

namespace fno::sim {

const char* GeometryName(Geometry g) {
  switch (g) {
    case Geometry::Slice: return "slice";
    case Geometry::Map: return "map";
    case Geometry::Volume: return "3d";
  }
  return "?";
}

Geometry ParseGeometry(const std::string& name) {
  if (name == "slice") return Geometry::Slice;
  if (name == "map") return Geometry::Map;
  if (name == "3d" || name == "volume") return Geometry::Volume;
  throw std::invalid_argument("unknown geometry '" + name + "' (use slice, map or 3d)");
}

double GridSpec::AxisSpacing(int axis) const {
  switch (geometry) {
    case Geometry::Slice: return axis == 0 ? dx : axis == 1 ? dz : dy;
    case Geometry::Map: return axis == 0 ? dx : axis == 1 ? dy : dz;
    case Geometry::Volume: return axis == 0 ? dx : axis == 1 ? dy : dz;
  }
  return 1.0;
}

double GridSpec::Thickness() const {
  switch (geometry) {
    case Geometry::Slice: return dy;
    case Geometry::Map: return dz;
    case Geometry::Volume: return 1.0;
  }
  return 1.0;
}

int GridSpec::VerticalAxis() const {
  switch (geometry) {
    case Geometry::Slice: return 1;
    case Geometry::Map: return -1;
    case Geometry::Volume: return 2;
  }
  return -1;
}

double GridSpec::CellDepth(int i, int j, int k) const {
  switch (geometry) {
    case Geometry::Slice: return top_depth + (j + 0.5) * dz;
    case Geometry::Map: return top_depth + 0.5 * dz;
    case Geometry::Volume: return top_depth + (k + 0.5) * dz;
  }
  (void)i;
  return top_depth;
}

void ValidateGridSpec(const GridSpec& g) {
  if (g.cells[0] < 1 || g.cells[1] < 1 || g.cells[2] < 1)
    throw std::invalid_argument("grid sizes must be positive");
  if (g.Dimension() == 2 && g.cells[2] != 1) throw std::invalid_argument("a 2D geometry has one cell along axis 2");
  if (!(g.dx > 0 && g.dy > 0 && g.dz > 0)) throw std::invalid_argument("cell sizes -dx -dy -dz must be positive");
}

}  // namespace fno::sim
