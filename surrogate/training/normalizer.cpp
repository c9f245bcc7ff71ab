#include "training/normalizer.hpp"

#include <cmath>

#include "common/error.hpp"

namespace fno {

template <class T>
UnitGaussianNormalizer<T>::UnitGaussianNormalizer(std::vector<T> mean, std::vector<T> stddev, double epsilon)
    : mean_(std::move(mean)), stddev_(std::move(stddev)), epsilon_(epsilon) {
  FNO_CHECK(!mean_.empty(), "a normalizer needs at least one channel");
  FNO_CHECK(mean_.size() == stddev_.size(), "normalizer has ", mean_.size(), " means but ", stddev_.size(),
            " standard deviations");
  FNO_CHECK(epsilon_ >= 0, "normalizer epsilon is ", epsilon_, "; it must be >= 0");
  for (std::size_t c = 0; c < stddev_.size(); ++c) {
    FNO_CHECK(std::isfinite(static_cast<double>(mean_[c])) && std::isfinite(static_cast<double>(stddev_[c])),
              "normalizer statistics of channel ", c, " are not finite");
    FNO_CHECK(stddev_[c] >= 0 && static_cast<double>(stddev_[c]) + epsilon_ > 0, "normalizer channel ", c,
              " has standard deviation ", stddev_[c], " and epsilon ", epsilon_, ": the scale must be positive");
  }
}

template <class T>
UnitGaussianNormalizer<T> UnitGaussianNormalizer<T>::fit(std::span<const T> data, FieldBlock block, MPI_Comm comm,
                                                         double epsilon) {
  FNO_CHECK(block.batch >= 1 && block.channels >= 1 && block.local_points >= 0, "bad field block");
  FNO_CHECK(static_cast<Index>(data.size()) == block.size(), "data holds ", data.size(), " values, the block needs ",
            block.size());
  const Index channels = block.channels, points = block.local_points;
  // Pass 1: per-channel sums and the global count (last entry).
  std::vector<double> sums(channels + 1, 0.0);
  for (Index b = 0; b < block.batch; ++b)
    for (Index c = 0; c < channels; ++c) {
      const T* x = data.data() + (b * channels + c) * points;
      double s = 0;
      for (Index i = 0; i < points; ++i) s += static_cast<double>(x[i]);
      sums[c] += s;
    }
  sums[channels] = static_cast<double>(block.batch * points);
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM, comm));
  const double count = sums[channels];
  FNO_CHECK(count > 0, "cannot fit a normalizer to data without grid points");
  std::vector<double> mean(channels);
  for (Index c = 0; c < channels; ++c) mean[c] = sums[c] / count;
  // Pass 2: squared deviations from the global mean.
  std::vector<double> deviations(channels, 0.0);
  for (Index b = 0; b < block.batch; ++b)
    for (Index c = 0; c < channels; ++c) {
      const T* x = data.data() + (b * channels + c) * points;
      double s = 0;
      for (Index i = 0; i < points; ++i) {
        const double d = static_cast<double>(x[i]) - mean[c];
        s += d * d;
      }
      deviations[c] += s;
    }
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, deviations.data(), static_cast<int>(channels), MPI_DOUBLE, MPI_SUM, comm));
  std::vector<T> mean_t(channels), std_t(channels);
  for (Index c = 0; c < channels; ++c) {
    mean_t[c] = static_cast<T>(mean[c]);
    std_t[c] = static_cast<T>(std::sqrt(deviations[c] / count));
  }
  return UnitGaussianNormalizer(std::move(mean_t), std::move(std_t), epsilon);
}

template <class T>
void UnitGaussianNormalizer<T>::affine(std::span<const T> in, std::span<T> out, Index batch, Index local_points,
                                       const std::vector<double>& scale, const std::vector<double>& shift,
                                       const char* what) const {
  const Index channels = this->channels();
  FNO_CHECK(channels > 0, what, " with an empty normalizer");
  const Index expected = batch * channels * local_points;
  FNO_CHECK(static_cast<Index>(in.size()) == expected && static_cast<Index>(out.size()) == expected, what,
            ": block [", batch, "][", channels, "][", local_points, "] needs ", expected, " values, got ", in.size(),
            " in and ", out.size(), " out");
  for (Index b = 0; b < batch; ++b)
    for (Index c = 0; c < channels; ++c) {
      const Index offset = (b * channels + c) * local_points;
      const T* x = in.data() + offset;
      T* y = out.data() + offset;
      const double a = scale[c], s = shift[c];
      for (Index i = 0; i < local_points; ++i) y[i] = static_cast<T>(static_cast<double>(x[i]) * a + s);
    }
}

template <class T>
void UnitGaussianNormalizer<T>::encode(std::span<const T> in, std::span<T> out, Index batch,
                                       Index local_points) const {
  std::vector<double> scale(channels()), shift(channels());
  for (Index c = 0; c < channels(); ++c) {
    scale[c] = 1.0 / (static_cast<double>(stddev_[c]) + epsilon_);
    shift[c] = -static_cast<double>(mean_[c]) * scale[c];
  }
  affine(in, out, batch, local_points, scale, shift, "encode");
}

template <class T>
void UnitGaussianNormalizer<T>::decode(std::span<const T> in, std::span<T> out, Index batch,
                                       Index local_points) const {
  std::vector<double> scale(channels()), shift(channels());
  for (Index c = 0; c < channels(); ++c) {
    scale[c] = static_cast<double>(stddev_[c]) + epsilon_;
    shift[c] = static_cast<double>(mean_[c]);
  }
  affine(in, out, batch, local_points, scale, shift, "decode");
}

template <class T>
void UnitGaussianNormalizer<T>::decode_backward(std::span<const T> grad_decoded, std::span<T> grad_encoded,
                                                Index batch, Index local_points) const {
  std::vector<double> scale(channels()), shift(channels(), 0.0);
  for (Index c = 0; c < channels(); ++c) scale[c] = static_cast<double>(stddev_[c]) + epsilon_;
  affine(grad_decoded, grad_encoded, batch, local_points, scale, shift, "decode_backward");
}

template <class T>
void UnitGaussianNormalizer<T>::encode_backward(std::span<const T> grad_encoded, std::span<T> grad_raw, Index batch,
                                                Index local_points) const {
  std::vector<double> scale(channels()), shift(channels(), 0.0);
  for (Index c = 0; c < channels(); ++c) scale[c] = 1.0 / (static_cast<double>(stddev_[c]) + epsilon_);
  affine(grad_encoded, grad_raw, batch, local_points, scale, shift, "encode_backward");
}

template class UnitGaussianNormalizer<float>;
template class UnitGaussianNormalizer<double>;

}  // namespace fno
