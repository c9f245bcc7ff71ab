#include "snapshot_file.hpp"

#include <cstdio>

#include "cell_block.hpp"
#include "hdf5_io.hpp"

namespace fno::sim {

SnapshotFile::~SnapshotFile() { file_.Reset(); }

PetscErrorCode SnapshotFile::Create(DM da, const std::string& path, int snapshot_count) {
  PetscFunctionBeginUser;
  da_ = da;
  path_ = path;
  PetscCall(PetscObjectGetComm((PetscObject)da, &comm_));
  PetscInt dim;
  PetscCall(DMGetDimension(da, &dim));
  CellBlock block;
  PetscCall(GetCellBlock(da, &block));
  grid_dims_.clear();
  block_start_.clear();
  block_count_.clear();
  for (PetscInt a = dim - 1; a >= 0; --a) {
    grid_dims_.push_back(static_cast<hsize_t>(block.global[a]));
    block_start_.push_back(static_cast<hsize_t>(block.start[a]));
    block_count_.push_back(static_cast<hsize_t>(block.size[a]));
  }
  times_.assign(snapshot_count, 0.0);
  try {
    H5QuietErrors quiet;
    file_ = CreateParallelFile(comm_, path_ + ".tmp");
    WriteStringAttribute(file_.get(), "schema", "petsc-fno-solution-v1");
    WriteStringAttribute(file_.get(), "layout", "fields [time][grid], grid = DMDA axes reversed (x fastest)");
    std::vector<hsize_t> series = grid_dims_;
    series.insert(series.begin(), static_cast<hsize_t>(snapshot_count));
    for (const char* name : {"saturation", "pressure"}) {
      H5Id d = CreateDoubleDataset(file_.get(), name, series, Writes::collective_per_slice);
      WriteStringAttribute(d.get(), "units", name[0] == 's' ? "1" : "Pa");
    }
    H5Id perm = CreateDoubleDataset(file_.get(), "permeability", grid_dims_);
    WriteStringAttribute(perm.get(), "units", "mD");
    H5Id phi = CreateDoubleDataset(file_.get(), "porosity", grid_dims_);
    WriteStringAttribute(phi.get(), "units", "1");
    H5Id rate = CreateDoubleDataset(file_.get(), "injection_rate", grid_dims_);
    WriteStringAttribute(rate.get(), "units", "m^3/s of CO2 (reservoir conditions) per cell");
    H5Id times = CreateDoubleDataset(file_.get(), "times", {static_cast<hsize_t>(snapshot_count)});
    WriteStringAttribute(times.get(), "units", "day");
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_FILE_OPEN, "cannot create %s.tmp: %s", path_.c_str(), e.what());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode SnapshotFile::WriteField(const char* name, int index, Vec field) {
  PetscFunctionBeginUser;
  const PetscScalar* values;
  PetscCall(VecGetArrayRead(field, &values));
  try {
    H5QuietErrors quiet;
    H5Id dataset = H5Dataset(H5Dopen2(file_.get(), name, H5P_DEFAULT));
    dataset.Check(std::string("open dataset ") + name);
    std::vector<hsize_t> start = block_start_, count = block_count_;
    if (index >= 0) {
      start.insert(start.begin(), static_cast<hsize_t>(index));
      count.insert(count.begin(), 1);
    }
    WriteDoubleHyperslab(dataset.get(), start, count, values, true);
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_FILE_WRITE, "writing %s to %s.tmp: %s", name, path_.c_str(), e.what());
  }
  PetscCall(VecRestoreArrayRead(field, &values));
  PetscFunctionReturn(0);
}

PetscErrorCode SnapshotFile::WriteStatic(Vec permeability_md, Vec porosity, Vec injection_rate) {
  PetscFunctionBeginUser;
  PetscCall(WriteField("permeability", -1, permeability_md));
  PetscCall(WriteField("porosity", -1, porosity));
  if (injection_rate) PetscCall(WriteField("injection_rate", -1, injection_rate));
  PetscFunctionReturn(0);
}

PetscErrorCode SnapshotFile::WriteSnapshot(int index, double time_days, Vec saturation, Vec pressure_pa) {
  PetscFunctionBeginUser;
  PetscCheck(index >= 0 && index < static_cast<int>(times_.size()), comm_, PETSC_ERR_ARG_OUTOFRANGE,
             "snapshot index %d outside 0..%d", index, static_cast<int>(times_.size()) - 1);
  times_[index] = time_days;
  PetscCall(WriteField("saturation", index, saturation));
  PetscCall(WriteField("pressure", index, pressure_pa));
  PetscFunctionReturn(0);
}

PetscErrorCode SnapshotFile::Close() {
  PetscFunctionBeginUser;
  if (!file_.valid()) PetscFunctionReturn(0);
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  try {
    H5QuietErrors quiet;
    H5Id dataset = H5Dataset(H5Dopen2(file_.get(), "times", H5P_DEFAULT));
    dataset.Check("open dataset times");
    const hsize_t n = rank == 0 ? times_.size() : 0;
    WriteDoubleHyperslab(dataset.get(), {0}, {n}, times_.data(), true);
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_FILE_WRITE, "writing times to %s.tmp: %s", path_.c_str(), e.what());
  }
  file_.Reset();
  PetscCallMPI(MPI_Barrier(comm_));
  int failed = 0;
  if (rank == 0) failed = std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0;
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, comm_));
  PetscCheck(!failed, comm_, PETSC_ERR_FILE_WRITE, "cannot rename %s.tmp to %s", path_.c_str(), path_.c_str());
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
