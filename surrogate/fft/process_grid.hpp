// ProcessGrid: a Cartesian grid of MPI ranks in PETSc DMDA rank order (dim 0 fastest).
#pragma once
#include <mpi.h>

#include <map>
#include <vector>

#include "common/mpi_handles.hpp"

namespace fno {

// rank = c0 + p0*(c1 + p1*(c2 + ...)), exactly as a DMDA numbers its ranks (x fastest).
class ProcessGrid {
 public:
  // dims: processes per dimension; their product must equal the size of comm.
  ProcessGrid(MPI_Comm comm, std::vector<int> dims);

  int ndims() const { return static_cast<int>(dims_.size()); }
  int dim(int q) const { return q < ndims() ? dims_[q] : 1; }
  const std::vector<int>& dims() const { return dims_; }
  const std::vector<int>& coords() const { return coords_; }
  int coord(int q) const { return q < ndims() ? coords_[q] : 0; }
  MPI_Comm comm() const { return comm_.get(); }
  int rank() const { return rank_; }
  int size() const { return size_; }
  std::vector<int> coords_of(int rank) const;

  // The ranks that share this rank's coordinates in every dimension whose bit is not
  // set in `mask`; sub-rank = DMDA-order index over the masked dimensions. Collective on
  // first use of a mask (all ranks must ask for the same masks in the same order).
  MPI_Comm sub(unsigned mask) const;

 private:
  Comm comm_;
  std::vector<int> dims_, coords_;
  int rank_ = 0, size_ = 1;
  mutable std::map<unsigned, Comm> subs_;
};

}  // namespace fno
