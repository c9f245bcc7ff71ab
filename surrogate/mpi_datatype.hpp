// RAII owner of a committed MPI datatype.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <utility>

#include "error.hpp"

namespace fno {

class Datatype {
 public:
  Datatype() = default;
  // A committed contiguous type of `bytes` bytes (one tensor element).
  static Datatype bytes(std::size_t bytes) {
    Datatype t;
    FNO_MPI(MPI_Type_contiguous(static_cast<int>(bytes), MPI_BYTE, &t.t_));
    FNO_MPI(MPI_Type_commit(&t.t_));
    return t;
  }
  Datatype(const Datatype&) = delete;
  Datatype& operator=(const Datatype&) = delete;
  Datatype(Datatype&& o) noexcept : t_(std::exchange(o.t_, MPI_DATATYPE_NULL)) {}
  Datatype& operator=(Datatype&& o) noexcept {
    if (this != &o) {
      reset();
      t_ = std::exchange(o.t_, MPI_DATATYPE_NULL);
    }
    return *this;
  }
  ~Datatype() { reset(); }
  MPI_Datatype get() const { return t_; }

 private:
  void reset() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (t_ != MPI_DATATYPE_NULL && !finalized) MPI_Type_free(&t_);
    t_ = MPI_DATATYPE_NULL;
  }
  MPI_Datatype t_ = MPI_DATATYPE_NULL;
};

}  // namespace fno
