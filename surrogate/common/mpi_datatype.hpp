// RAII owner of a committed MPI datatype.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "common/error.hpp"

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
  // A committed C-order subarray type: the box [starts, starts + subsizes) of an array of
  // extents `sizes` whose elements are `elem`.
  static Datatype subarray(const std::vector<int>& sizes, const std::vector<int>& subsizes,
                           const std::vector<int>& starts, MPI_Datatype elem) {
    Datatype t;
    FNO_MPI(MPI_Type_create_subarray(static_cast<int>(sizes.size()), sizes.data(), subsizes.data(), starts.data(),
                                     MPI_ORDER_C, elem, &t.t_));
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
