// Training losses on distributed fields, each with its forward and hand-written backward.
//
// A field is a rank's local block [batch][channels][local_points] of a tensor whose grid
// points are split over the ranks of `comm` (batch and channels are never split). Sums
// over the grid are completed with MPI_Allreduce over `comm`, so every rank gets the same
// loss and the gradient of that loss with respect to its own block of the prediction.
// Sums are accumulated in double for both float and double tensors.
// With data parallelism (the samples of a batch split over groups of ranks), each group's
// loss averages its own samples: pass grad_loss = local_batch / global_batch to backward()
// to get the gradient of the mean over the global batch once gradients are sum-reduced.
#pragma once
#include <mpi.h>

#include <span>
#include <vector>

#include "fft/layout.hpp"

namespace fno {

// Extents of a local block [batch][channels][local_points].
struct FieldBlock {
  Index batch = 1;
  Index channels = 1;
  Index local_points = 0;  // this rank's grid points (may be 0 on a rank that owns nothing)
  Index size() const { return batch * channels * local_points; }
  Index per_sample() const { return channels * local_points; }
};

// Relative L2 error per sample, averaged over the batch (Li et al.'s LpLoss, p = 2):
//   r_b = sqrt( sum_{c,x} (pred - y)^2 / sum_{c,x} y^2 ),   loss = (1/batch) sum_b r_b,
// the sums running over every channel and every global grid point of sample b.
// forward() keeps the per-sample sums that backward() needs.
template <class T>
class RelativeL2Loss {
 public:
  RelativeL2Loss(FieldBlock block, MPI_Comm comm);

  // Loss of `prediction` against `target`. Collective over comm. Throws fno::Error (on
  // every rank) if a sample's target is identically zero (the ratio is undefined).
  T forward(std::span<const T> prediction, std::span<const T> target);
  // d loss / d prediction times `grad_loss`, written to grad_prediction (same block).
  // Uses the sums of the last forward() with the same prediction and target; local only.
  void backward(std::span<const T> prediction, std::span<const T> target, T grad_loss,
                std::span<T> grad_prediction) const;

  // r_b of every sample of the last forward() (for evaluation metrics).
  const std::vector<double>& per_sample() const { return relative_errors_; }
  const FieldBlock& block() const { return block_; }

 private:
  FieldBlock block_;
  MPI_Comm comm_;
  std::vector<double> error_squares_;   // sum (pred - y)^2 per sample, global
  std::vector<double> target_squares_;  // sum y^2 per sample, global
  std::vector<double> relative_errors_;
  bool have_forward_ = false;
};

// Mean squared error over every element of the global field:
//   loss = sum (pred - y)^2 / (batch * channels * global_points).
template <class T>
class MeanSquaredError {
 public:
  MeanSquaredError(FieldBlock block, MPI_Comm comm);  // collective: sums the global point count

  T forward(std::span<const T> prediction, std::span<const T> target) const;  // collective
  // d loss / d prediction times grad_loss; local only.
  void backward(std::span<const T> prediction, std::span<const T> target, T grad_loss,
                std::span<T> grad_prediction) const;

  Index global_count() const { return global_count_; }

 private:
  FieldBlock block_;
  MPI_Comm comm_;
  Index global_count_ = 0;  // batch * channels * global grid points
};

}  // namespace fno
