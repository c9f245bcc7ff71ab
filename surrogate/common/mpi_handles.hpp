// RAII owners of MPI communicators.
#pragma once
#include <mpi.h>

#include <utility>

#include "common/error.hpp"

namespace fno {

// Owns a communicator created by MPI_Comm_split/dup and frees it on destruction.
// Wrapping MPI_COMM_WORLD/SELF (or any communicator owned elsewhere) does not free it.
class Comm {
 public:
  Comm() = default;
  static Comm borrow(MPI_Comm c) { return Comm(c, false); }
  static Comm own(MPI_Comm c) { return Comm(c, true); }
  static Comm dup(MPI_Comm c) {
    MPI_Comm d;
    FNO_MPI(MPI_Comm_dup(c, &d));
    return Comm(d, true);
  }
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  Comm(Comm&& o) noexcept : c_(std::exchange(o.c_, MPI_COMM_NULL)), owned_(std::exchange(o.owned_, false)) {}
  Comm& operator=(Comm&& o) noexcept {
    if (this != &o) {
      reset();
      c_ = std::exchange(o.c_, MPI_COMM_NULL);
      owned_ = std::exchange(o.owned_, false);
    }
    return *this;
  }
  ~Comm() { reset(); }

  MPI_Comm get() const { return c_; }
  operator MPI_Comm() const { return c_; }
  int size() const {
    int s = 0;
    MPI_Comm_size(c_, &s);
    return s;
  }
  int rank() const {
    int r = 0;
    MPI_Comm_rank(c_, &r);
    return r;
  }

 private:
  Comm(MPI_Comm c, bool owned) : c_(c), owned_(owned) {}
  void reset() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && c_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&c_);
    c_ = MPI_COMM_NULL;
    owned_ = false;
  }
  MPI_Comm c_ = MPI_COMM_NULL;
  bool owned_ = false;
};

}  // namespace fno
