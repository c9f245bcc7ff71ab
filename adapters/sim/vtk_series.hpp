// ParaView output: DIR/solution-NNN.pvts per snapshot (each rank writes its own .vts piece
// through VTK's parallel XML writer, with the global whole extent so the .pvts is right) and
// DIR/solution.pvd listing the snapshots with their physical times (days).
//
// Coordinates are physical: x east, y north, z up (z = -depth), so a Slice lies in the x-z
// plane with the top of the reservoir at z = -top_depth. Fields are cell data.
//
// Files appear atomically: a snapshot is written into DIR/.solution-NNN.tmp/, the pieces
// are renamed into DIR, then the .pvts; the .pvd is rewritten through a temporary file.
#pragma once

#include <petscdmda.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grid_spec.hpp"

namespace fno::sim {

class VtkSeries {
 public:
  VtkSeries();
  ~VtkSeries();
  VtkSeries(const VtkSeries&) = delete;
  VtkSeries& operator=(const VtkSeries&) = delete;

  PetscErrorCode Create(DM da, const GridSpec& grid, const std::string& directory, const std::string& base = "solution");
  // fields: (name, Vec on the DMDA); every rank passes the same names in the same order.
  PetscErrorCode WriteSnapshot(int index, double time_days, const std::vector<std::pair<std::string, Vec>>& fields);

 private:
  PetscErrorCode WriteCollection();
  struct VtkState;
  std::unique_ptr<VtkState> vtk_;
  DM da_ = nullptr;
  MPI_Comm comm_ = MPI_COMM_NULL;
  GridSpec grid_;
  std::string directory_, base_;
  std::vector<std::pair<double, std::string>> entries_;  // (time, .pvts file name)
};

}  // namespace fno::sim
