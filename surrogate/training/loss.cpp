#include "training/loss.hpp"

#include <cmath>

#include "common/error.hpp"

namespace fno {

namespace {

void check_block(const FieldBlock& block) {
  FNO_CHECK(block.batch >= 1 && block.channels >= 1 && block.local_points >= 0, "bad field block: batch ",
            block.batch, ", channels ", block.channels, ", local points ", block.local_points);
}

template <class T>
void check_spans(const FieldBlock& block, std::span<const T> prediction, std::span<const T> target) {
  FNO_CHECK(static_cast<Index>(prediction.size()) == block.size(), "prediction holds ", prediction.size(),
            " values but the block [", block.batch, "][", block.channels, "][", block.local_points, "] needs ",
            block.size());
  FNO_CHECK(target.size() == prediction.size(), "target holds ", target.size(), " values, prediction ",
            prediction.size());
}

}  // namespace

// ---- relative L2 -------------------------------------------------------------------

template <class T>
RelativeL2Loss<T>::RelativeL2Loss(FieldBlock block, MPI_Comm comm) : block_(block), comm_(comm) {
  check_block(block_);
}

template <class T>
T RelativeL2Loss<T>::forward(std::span<const T> prediction, std::span<const T> target) {
  check_spans(block_, prediction, target);
  const Index batch = block_.batch;
  const Index n = block_.per_sample();
  // [error squares of every sample][target squares of every sample], summed in one call.
  std::vector<double> sums(2 * batch, 0.0);
  for (Index b = 0; b < batch; ++b) {
    const T* p = prediction.data() + b * n;
    const T* y = target.data() + b * n;
    double error_square = 0, target_square = 0;
    for (Index i = 0; i < n; ++i) {
      const double diff = static_cast<double>(p[i]) - static_cast<double>(y[i]);
      error_square += diff * diff;
      target_square += static_cast<double>(y[i]) * static_cast<double>(y[i]);
    }
    sums[b] = error_square;
    sums[batch + b] = target_square;
  }
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM, comm_));
  error_squares_.assign(sums.begin(), sums.begin() + batch);
  target_squares_.assign(sums.begin() + batch, sums.end());
  relative_errors_.resize(batch);
  double total = 0;
  for (Index b = 0; b < batch; ++b) {
    FNO_CHECK(target_squares_[b] > 0, "sample ", b, " of the batch has an all-zero target: its relative L2 error is undefined");
    relative_errors_[b] = std::sqrt(error_squares_[b] / target_squares_[b]);
    total += relative_errors_[b];
  }
  have_forward_ = true;
  return static_cast<T>(total / static_cast<double>(batch));
}

// d r_b / d pred = (pred - y) / (r_b * sum y^2); at r_b = 0 the (sub)gradient 0 is used,
// as PyTorch's norm does.
template <class T>
void RelativeL2Loss<T>::backward(std::span<const T> prediction, std::span<const T> target, T grad_loss,
                                 std::span<T> grad_prediction) const {
  check_spans(block_, prediction, target);
  FNO_CHECK(have_forward_, "backward() called before forward()");
  FNO_CHECK(grad_prediction.size() == prediction.size(), "gradient holds ", grad_prediction.size(),
            " values, prediction ", prediction.size());
  const Index batch = block_.batch;
  const Index n = block_.per_sample();
  for (Index b = 0; b < batch; ++b) {
    const T* p = prediction.data() + b * n;
    const T* y = target.data() + b * n;
    T* g = grad_prediction.data() + b * n;
    const double r = relative_errors_[b];
    const double scale =
        r > 0 ? static_cast<double>(grad_loss) / (static_cast<double>(batch) * r * target_squares_[b]) : 0.0;
    for (Index i = 0; i < n; ++i) g[i] = static_cast<T>(scale * (static_cast<double>(p[i]) - static_cast<double>(y[i])));
  }
}

// ---- MSE ---------------------------------------------------------------------------

template <class T>
MeanSquaredError<T>::MeanSquaredError(FieldBlock block, MPI_Comm comm) : block_(block), comm_(comm) {
  check_block(block_);
  Index points = block_.local_points;
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &points, 1, MPI_INT64_T, MPI_SUM, comm_));
  global_count_ = block_.batch * block_.channels * points;
  FNO_CHECK(global_count_ > 0, "the field has no grid points on any rank");
}

template <class T>
T MeanSquaredError<T>::forward(std::span<const T> prediction, std::span<const T> target) const {
  check_spans(block_, prediction, target);
  double error_square = 0;
  for (std::size_t i = 0; i < prediction.size(); ++i) {
    const double diff = static_cast<double>(prediction[i]) - static_cast<double>(target[i]);
    error_square += diff * diff;
  }
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &error_square, 1, MPI_DOUBLE, MPI_SUM, comm_));
  return static_cast<T>(error_square / static_cast<double>(global_count_));
}

template <class T>
void MeanSquaredError<T>::backward(std::span<const T> prediction, std::span<const T> target, T grad_loss,
                                   std::span<T> grad_prediction) const {
  check_spans(block_, prediction, target);
  FNO_CHECK(grad_prediction.size() == prediction.size(), "gradient holds ", grad_prediction.size(),
            " values, prediction ", prediction.size());
  const double scale = 2.0 * static_cast<double>(grad_loss) / static_cast<double>(global_count_);
  for (std::size_t i = 0; i < prediction.size(); ++i)
    grad_prediction[i] =
        static_cast<T>(scale * (static_cast<double>(prediction[i]) - static_cast<double>(target[i])));
}

template class RelativeL2Loss<float>;
template class RelativeL2Loss<double>;
template class MeanSquaredError<float>;
template class MeanSquaredError<double>;

}  // namespace fno
