// A field [batch][channels][points] whose points are split over the ranks of a
// communicator in contiguous DMDA-rule parts, with partition-independent values: the
// test can hold the whole global field on every rank and compare with serial formulas.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "fft/layout.hpp"
#include "training/loss.hpp"
#include "test_fields.hpp"

namespace fno::test {

struct DistributedField {
  Index batch = 1, channels = 1, global_points = 1;
  Index local_start = 0, local_points = 0;  // this rank's points [local_start, local_start + local_points)

  DistributedField(MPI_Comm comm, Index batch_, Index channels_, Index global_points_)
      : batch(batch_), channels(channels_), global_points(global_points_) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const std::vector<Index> parts = dmda_parts(global_points, size);
    for (int r = 0; r < rank; ++r) local_start += parts[r];
    local_points = parts[rank];
  }
  FieldBlock block() const { return {batch, channels, local_points}; }
  Index global_size() const { return batch * channels * global_points; }
  Index global_index(Index b, Index c, Index x) const { return (b * channels + c) * global_points + x; }

  // The rank's block of a global field held in full.
  template <class T>
  std::vector<T> local_part(const std::vector<T>& global) const {
    std::vector<T> local(static_cast<std::size_t>(batch * channels * local_points));
    for (Index b = 0; b < batch; ++b)
      for (Index c = 0; c < channels; ++c)
        for (Index x = 0; x < local_points; ++x)
          local[(b * channels + c) * local_points + x] = global[global_index(b, c, local_start + x)];
    return local;
  }
  // Global linear index of local element i.
  Index global_of_local(Index i) const {
    const Index x = i % local_points, bc = i / local_points;
    return bc * global_points + local_start + x;
  }
};

// A global field of uniform values in [offset - scale, offset + scale) from `seed`.
inline std::vector<double> random_global_field(Index size, std::uint64_t seed, double scale = 1.0,
                                               double offset = 0.0) {
  std::vector<double> v(static_cast<std::size_t>(size));
  for (Index i = 0; i < size; ++i) v[i] = offset + scale * hash_uniform(seed, static_cast<std::uint64_t>(i));
  return v;
}

template <class T>
std::vector<T> converted(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace fno::test
