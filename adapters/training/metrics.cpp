#include "metrics.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace fno::training {

template <class T>
std::vector<CaseMetrics> ComputeMetrics(const T* prediction, const T* truth, Index cases, Index space_points,
                                        Index times, double threshold, MPI_Comm comm) {
  constexpr int kSums = 6;  // error^2, truth^2, intersection, union, final plume (pred, truth)
  std::vector<double> sums(static_cast<std::size_t>(kSums * cases), 0.0);
  const Index n = space_points * times;
  for (Index c = 0; c < cases; ++c) {
    const T* p = prediction + c * n;
    const T* y = truth + c * n;
    double* s = sums.data() + kSums * c;
    double error_square = 0, truth_square = 0, intersection = 0, union_count = 0, final_pred = 0, final_truth = 0;
    for (Index point = 0; point < space_points; ++point) {
      const T* pl = p + point * times;
      const T* yl = y + point * times;
      for (Index t = 0; t < times; ++t) {
        const double a = static_cast<double>(pl[t]), b = static_cast<double>(yl[t]);
        error_square += (a - b) * (a - b);
        truth_square += b * b;
        const bool in_pred = a > threshold, in_truth = b > threshold;
        intersection += (in_pred && in_truth) ? 1.0 : 0.0;
        union_count += (in_pred || in_truth) ? 1.0 : 0.0;
      }
      if (times > 0) {
        final_pred += static_cast<double>(pl[times - 1]) > threshold ? 1.0 : 0.0;
        final_truth += static_cast<double>(yl[times - 1]) > threshold ? 1.0 : 0.0;
      }
    }
    s[0] = error_square;
    s[1] = truth_square;
    s[2] = intersection;
    s[3] = union_count;
    s[4] = final_pred;
    s[5] = final_truth;
  }
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM, comm));
  std::vector<CaseMetrics> metrics(static_cast<std::size_t>(cases));
  for (Index c = 0; c < cases; ++c) {
    const double* s = sums.data() + kSums * c;
    CaseMetrics& m = metrics[static_cast<std::size_t>(c)];
    m.rel_l2 = s[1] > 0 ? std::sqrt(s[0] / s[1]) : std::nan("");
    m.iou = s[3] > 0 ? s[2] / s[3] : 1.0;
    m.volume_rel_err = s[5] > 0 ? std::fabs(s[4] - s[5]) / s[5] : std::nan("");
  }
  return metrics;
}

Summary Summarize(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  Summary s;
  s.count = static_cast<Index>(values.size());
  if (values.empty()) {
    s.mean = s.median = s.p95 = std::nan("");
    return s;
  }
  std::sort(values.begin(), values.end());
  double total = 0;
  for (double v : values) total += v;
  s.mean = total / static_cast<double>(values.size());
  auto quantile = [&](double q) {
    const double position = q * static_cast<double>(values.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(position));
    const std::size_t upper = std::min(lower + 1, values.size() - 1);
    const double fraction = position - static_cast<double>(lower);
    return values[lower] + (values[upper] - values[lower]) * fraction;
  };
  s.median = quantile(0.5);
  s.p95 = quantile(0.95);
  return s;
}

template std::vector<CaseMetrics> ComputeMetrics(const float*, const float*, Index, Index, Index, double, MPI_Comm);
template std::vector<CaseMetrics> ComputeMetrics(const double*, const double*, Index, Index, Index, double, MPI_Comm);

}  // namespace fno::training
