// Geometry of the simulation grid and how DMDA axes map to physical axes.
//
//   Slice  (2D vertical x-z section): DMDA axis 0 = x, DMDA axis 1 = depth z, increasing
//          DOWNWARD (j = 0 is the top row). Gravity acts along DMDA axis 1. The out-of-plane
//          thickness is dy.
//   Map    (2D areal x-y): DMDA axis 0 = x, axis 1 = y, no gravity (all cells at one depth);
//          the layer thickness is dz.
//   Volume (3D): DMDA axes 0, 1, 2 = x, y, depth z (increasing downward, k = 0 at the top).
#pragma once

#include <array>
#include <string>

namespace fno::sim {

enum class Geometry { Slice, Map, Volume };

const char* GeometryName(Geometry g);
Geometry ParseGeometry(const std::string& name);  // throws std::invalid_argument

struct GridSpec {
  Geometry geometry = Geometry::Slice;
  std::array<int, 3> cells = {64, 64, 1};  // cells along DMDA axes 0, 1, 2 (axis 2 = 1 in 2D)
  double dx = 10.0, dy = 10.0, dz = 5.0;   // physical cell sizes, m
  double top_depth = 1000.0;               // depth of the top face of the grid, m

  int Dimension() const { return geometry == Geometry::Volume ? 3 : 2; }
  // Cell size along a DMDA axis (0, 1, 2).
  double AxisSpacing(int axis) const;
  // Cell extent perpendicular to the 2D grid (dy for Slice, dz for Map, 1 unused for Volume).
  double Thickness() const;
  double CellVolume() const { return dx * dy * dz; }
  // Area of the face normal to a DMDA axis.
  double FaceArea(int axis) const { return CellVolume() / AxisSpacing(axis); }
  // DMDA axis along which depth increases, or -1 for Map.
  int VerticalAxis() const;
  // Depth of the centre of cell (i, j, k).
  double CellDepth(int i, int j, int k) const;
  long long CellCount() const { return 1LL * cells[0] * cells[1] * cells[2]; }
};

void ValidateGridSpec(const GridSpec& grid);  // throws std::invalid_argument

}  // namespace fno::sim
