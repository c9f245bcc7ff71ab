// solution.h5: the snapshots of one simulation, written in parallel by DMDA hyperslabs.
//
//   /saturation    [time][grid...]  CO2 saturation (-)
//   /pressure      [time][grid...]  pressure (Pa)
//   /permeability  [grid...]        horizontal permeability (mD)
//   /porosity      [grid...]        porosity (-)
//   /times         [time]           report times (days)
// [grid...] is the DMDA axes reversed ([ny][nx] in 2D, [nz][ny][nx] in 3D; x fastest), as
// PETSc's own HDF5 viewer stores DMDA vectors. The file is written as PATH.tmp and renamed to
// PATH when closed, so PATH only ever holds a complete file.
#pragma once

#include <petscdmda.h>

#include <string>
#include <vector>

#include "hdf5_handle.hpp"

namespace fno::sim {

class SnapshotFile {
 public:
  SnapshotFile() = default;
  ~SnapshotFile();
  SnapshotFile(const SnapshotFile&) = delete;
  SnapshotFile& operator=(const SnapshotFile&) = delete;

  PetscErrorCode Create(DM da, const std::string& path, int snapshot_count);
  // Static fields; injection_rate (m^3/s of CO2 per cell) may be null.
  PetscErrorCode WriteStatic(Vec permeability_md, Vec porosity, Vec injection_rate = nullptr);
  PetscErrorCode WriteSnapshot(int index, double time_days, Vec saturation, Vec pressure_pa);
  PetscErrorCode Close();  // collective; renames PATH.tmp to PATH

 private:
  PetscErrorCode WriteField(const char* name, int index, Vec field);
  DM da_ = nullptr;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::string path_;
  H5Id file_;
  std::vector<double> times_;
  std::vector<hsize_t> grid_dims_, block_start_, block_count_;
};

}  // namespace fno::sim
