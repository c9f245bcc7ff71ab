// DmdaSurrogate: a trained FNO on a DMDA's own partition. The model's space axis a is DMDA
// axis a (x, y[, z]), time is the model's last axis; each rank's block of the model's
// tensors is exactly the block of the DMDA it owns (Layout::owned from
// DMDAGetOwnershipRanges), so host data move by local copies only:
//   host field  [z][y][x] (one dof)  -> input  [1][in][x][y][z][t]  (broadcast along t)
//   output [1][out][x][y][z][t]      -> host state [z][y][x][dof] (component per output)
// The physical transforms of the model's /problem and its normalizers are applied here.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/fno_config.hpp"
#include "files/model_file.hpp"
#include "files/problem.hpp"

namespace fno::plugin {

// What the host's DMDA looks like on this rank.
struct DmdaBlock {
  int dim = 2;                           // DMDA dimension (= model space axes)
  std::vector<Index> global;             // global extents per DMDA axis
  std::vector<Index> start, local;       // this rank's owned block
  std::vector<int> procs;                // process grid (m, n[, p])
  std::vector<std::vector<Index>> ownership;  // DMDAGetOwnershipRanges per axis
  Index points() const {
    Index n = 1;
    for (Index e : local) n *= e;
    return n;
  }
};

enum class Precision { single, double_ };

class DmdaSurrogate {
 public:
  virtual ~DmdaSurrogate() = default;
  // Builds the model on `block`'s partition (collective over comm); read_weights() then
  // reads its parameters and normalizers from the file.
  static std::unique_ptr<DmdaSurrogate> create(Precision precision, const std::string& path, const ModelFileInfo& info,
                                               MPI_Comm comm, const DmdaBlock& block);

  virtual void read_weights() = 0;
  // Input channel k from a host field with one dof, in DMDA order [z][y][x] over the owned
  // block: transform, normalize, broadcast along time. Returns the local index (DMDA order)
  // of the first cell whose transformed value is not finite, or -1.
  virtual Index set_input(Index k, const double* host) = 0;
  // The forward pass over the whole horizon (inference), then decoding and clipping.
  virtual void predict() = 0;
  // The predicted value of output channel c at time index t and local cell (DMDA order).
  virtual void output_time_slice(Index c, Index t, double* host, Index dof, Index component) const = 0;
  // Replaces output channel c's value at time index 0 by the host's initial state.
  virtual void set_initial_state(Index c, const double* host, Index dof, Index component) = 0;
  virtual std::size_t bytes() const = 0;  // memory held (model and tensors)
  virtual std::string describe_partition() const = 0;
};

}  // namespace fno::plugin
