// OPM's cell order and petsc-fno's DMDA file order, made explicit.
//
// OPM numbers cells I fastest, then J, then K, with K increasing DOWNWARD (global index
// i + NX (j + NY k)). petsc-fno's datasets store the grid with the DMDA axes reversed (x
// fastest): a Slice is [z][x] with DMDA axis 1 = depth increasing downward, a Map is [y][x],
// a Volume [z][y][x] with depth = DMDA axis 2 downward. So an OPM NX x 1 x NZ slice is the
// Slice (i, k) -> DMDA (i, j = k), an NX x NY x 1 grid is the Map (i, j), NX x NY x NZ the
// Volume; in each case the file index equals OPM's global index. The functions below are
// what every reader uses, so that a change of either convention shows up in one place and in
// the cell-order test (tests/opm), which checks an asymmetric field end to end.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace fno::opm {

enum class OpmGeometry { Slice, Map, Volume };

// NY = 1 with NZ > 1 is a vertical slice; NZ = 1 a map; otherwise a volume.
inline OpmGeometry GeometryOf(const std::array<int, 3>& dims) {
  if (dims[1] == 1 && dims[2] > 1) return OpmGeometry::Slice;
  if (dims[2] == 1) return OpmGeometry::Map;
  return OpmGeometry::Volume;
}

// Cells along the DMDA axes (x first) of an OPM grid.
inline std::array<int, 3> DmdaCells(const std::array<int, 3>& dims) {
  switch (GeometryOf(dims)) {
    case OpmGeometry::Slice: return {dims[0], dims[2], 1};
    case OpmGeometry::Map: return {dims[0], dims[1], 1};
    case OpmGeometry::Volume: return dims;
  }
  throw std::logic_error("unknown geometry");
}

// OPM (i, j, k), 0-based -> index in the dataset's file order.
inline std::size_t FileIndex(const std::array<int, 3>& dims, int i, int j, int k) {
  const std::array<int, 3> cells = DmdaCells(dims);
  switch (GeometryOf(dims)) {
    case OpmGeometry::Slice: return static_cast<std::size_t>(k) * cells[0] + i;        // [z][x]
    case OpmGeometry::Map: return static_cast<std::size_t>(j) * cells[0] + i;          // [y][x]
    case OpmGeometry::Volume: return (static_cast<std::size_t>(k) * cells[1] + j) * cells[0] + i;  // [z][y][x]
  }
  throw std::logic_error("unknown geometry");
}

// OPM global index -> file order index.
inline std::size_t FileIndexOfGlobal(const std::array<int, 3>& dims, std::size_t global) {
  const int i = static_cast<int>(global % dims[0]);
  const int j = static_cast<int>((global / dims[0]) % dims[1]);
  const int k = static_cast<int>(global / (static_cast<std::size_t>(dims[0]) * dims[1]));
  return FileIndex(dims, i, j, k);
}

}  // namespace fno::opm
