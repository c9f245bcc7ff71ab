#include "fft/process_grid.hpp"

#include <sstream>

namespace fno {

ProcessGrid::ProcessGrid(MPI_Comm comm, std::vector<int> dims) : dims_(std::move(dims)) {
  FNO_CHECK(comm != MPI_COMM_NULL, "null communicator");
  comm_ = Comm::dup(comm);
  FNO_MPI(MPI_Comm_rank(comm_, &rank_));
  FNO_MPI(MPI_Comm_size(comm_, &size_));
  FNO_CHECK(!dims_.empty(), "process grid needs at least one dimension");
  long prod = 1;
  std::ostringstream shape;
  for (std::size_t q = 0; q < dims_.size(); ++q) {
    FNO_CHECK(dims_[q] >= 1, "process grid dimension ", q, " is ", dims_[q], "; it must be >= 1");
    prod *= dims_[q];
    shape << (q ? "x" : "") << dims_[q];
  }
  FNO_CHECK(prod == size_, "process grid ", shape.str(), " has ", prod,
            " processes but the communicator has ", size_);
  coords_ = coords_of(rank_);
}

std::vector<int> ProcessGrid::coords_of(int r) const {
  std::vector<int> c(dims_.size());
  for (std::size_t q = 0; q < dims_.size(); ++q) {
    c[q] = r % dims_[q];
    r /= dims_[q];
  }
  return c;
}

MPI_Comm ProcessGrid::sub(unsigned mask) const {
  auto it = subs_.find(mask);
  if (it != subs_.end()) return it->second.get();
  int color = 0, key = 0, cstride = 1, kstride = 1;
  for (int q = 0; q < ndims(); ++q) {
    if (mask & (1u << q)) {
      key += coords_[q] * kstride;
      kstride *= dims_[q];
    } else {
      color += coords_[q] * cstride;
      cstride *= dims_[q];
    }
  }
  MPI_Comm c;
  FNO_MPI(MPI_Comm_split(comm_, color, key, &c));
  return subs_.emplace(mask, Comm::own(c)).first->second.get();
}

}  // namespace fno
