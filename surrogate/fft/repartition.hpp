// Repartition: moves a tensor between two layouts of the same global shape, and back.
#pragma once
#include <cstddef>
#include <vector>

#include "fft/layout.hpp"
#include "common/mpi_datatype.hpp"

namespace fno {

// A plan that moves a tensor stored in layout `from` into layout `to` (same process grid,
// same global shape and lead). Communication happens only inside the sub-communicator of
// the process dimensions whose split differs between the two layouts, as one all-to-all:
// with one MPI subarray datatype per peer (MPI_Alltoallw, no user-side copies; the
// default, 20-40 % faster on the FFT's larger transposes in `fno-bench repartition`) or
// with packed buffers (MPI_Alltoallv).
// Repartition is a permutation of the global tensor, so its adjoint is the reverse
// repartition, which `adjoint` applies with the same plan.
class Repartition {
 public:
  enum class Exchange { packed, datatypes };
  Repartition(const Layout& from, const Layout& to, std::size_t elem_bytes, Exchange how = Exchange::datatypes);

  const Layout& from() const { return from_; }
  const Layout& to() const { return to_; }
  std::size_t elem_bytes() const { return elem_; }

  // in: from-layout block -> out: to-layout block.   [lead][from local...] -> [lead][to local...]
  void forward(const void* in, void* out) const;
  // in: to-layout block -> out: from-layout block.   The adjoint (= inverse) of forward.
  void adjoint(const void* in, void* out) const;

  template <class E>
  void forward(const E* in, E* out) const {
    FNO_CHECK(sizeof(E) == elem_, "element size mismatch");
    forward(static_cast<const void*>(in), static_cast<void*>(out));
  }
  template <class E>
  void adjoint(const E* in, E* out) const {
    FNO_CHECK(sizeof(E) == elem_, "element size mismatch");
    adjoint(static_cast<const void*>(in), static_cast<void*>(out));
  }

 private:
  // Contiguous runs of one peer's intersection box inside a local block, in the box's
  // C order (which both sides of a message share).
  struct Runs {
    std::vector<Index> offsets;  // element offsets of run starts in the local block
    Index run = 0;               // elements per run
    Index count() const { return run * static_cast<Index>(offsets.size()); }
  };
  void move(const void* in, void* out, const std::vector<Runs>& send, const std::vector<Runs>& recv,
            const std::vector<int>& scount, const std::vector<int>& sdispl, const std::vector<int>& rcount,
            const std::vector<int>& rdispl) const;

  void move_typed(const void* in, void* out, const std::vector<Datatype>& send, const std::vector<int>& scount,
                  const std::vector<Datatype>& recv, const std::vector<int>& rcount) const;

  Layout from_, to_;
  std::size_t elem_;
  Exchange how_;
  std::vector<Datatype> from_types_, to_types_;  // datatype exchange: per peer subarrays
  std::vector<int> from_one_, to_one_;           // 1 where the peer's box is not empty
  MPI_Comm comm_ = MPI_COMM_NULL;  // sub-communicator (owned by the process grid)
  Datatype type_;
  std::vector<Runs> from_runs_, to_runs_;  // per peer: box(from, me) ∩ box(to, peer) in from-block, and
                                           // box(from, peer) ∩ box(to, me) in to-block
  std::vector<int> fcount_, fdispl_, tcount_, tdispl_;
  mutable std::vector<unsigned char> sbuf_, rbuf_;
};

}  // namespace fno
