// Per-case evaluation metrics of predicted saturation histories on distributed blocks.
//
// A case is the block [local space points][times] (model order) of one sample, split over
// the ranks of `comm` like the model's grid; sums are completed with one MPI_Allreduce per
// batch, so every rank gets every value.
//   rel_l2          ||pred - truth|| / ||truth|| over every space-time point (the training loss)
//   iou             |{pred > thr} ∩ {truth > thr}| / |{pred > thr} ∪ {truth > thr}| over every
//                   space-time point (1 when both are empty)
//   volume_rel_err  |V_pred - V_truth| / V_truth of the plume volume (cells with S > thr;
//                   cells are equal, so volumes are cell counts) at the last time; NaN when
//                   the true plume is empty there
#pragma once
#include <mpi.h>

#include <vector>

#include "fft/layout.hpp"

namespace fno::training {

inline constexpr double kPlumeThreshold = 0.01;

struct CaseMetrics {
  double rel_l2 = 0;
  double iou = 0;
  double volume_rel_err = 0;
};

// prediction, truth: [cases][space_points][times]. Collective over comm.
template <class T>
std::vector<CaseMetrics> ComputeMetrics(const T* prediction, const T* truth, Index cases, Index space_points,
                                        Index times, double threshold, MPI_Comm comm);

struct Summary {
  double mean = 0, median = 0, p95 = 0;
  Index count = 0;  // finite values summarised
};
// Over the finite values (NaN for every statistic when there are none); percentiles
// interpolate linearly between order statistics (numpy's default).
Summary Summarize(std::vector<double> values);

}  // namespace fno::training
