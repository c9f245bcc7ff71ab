// Unit-Gaussian normalization per channel, fitted on distributed data.
//
// encode(x) = (x - mean_c) / (std_c + epsilon),  decode(z) = z * (std_c + epsilon) + mean_c
// (the convention of Li et al.'s UnitGaussianNormalizer). mean_c and std_c are taken over
// every sample and every global grid point of channel c; std is the population standard
// deviation (divided by the count, not count - 1). Tensors are local blocks
// [batch][channels][local_points] as in loss.hpp; the statistics are replicated on every
// rank and are stored in the model file.
#pragma once
#include <mpi.h>

#include <span>
#include <vector>

#include "fft/layout.hpp"
#include "training/loss.hpp"

namespace fno {

template <class T>
class UnitGaussianNormalizer {
 public:
  static constexpr double default_epsilon = 1e-5;

  UnitGaussianNormalizer() = default;
  // From known statistics (e.g. read from a model file); mean and std have one entry per channel.
  UnitGaussianNormalizer(std::vector<T> mean, std::vector<T> stddev, double epsilon = default_epsilon);

  // Fits the statistics of `data` (local block `block`, samples = block.batch) over the
  // ranks of comm: two passes (mean, then the squared deviations) with global sums in
  // double. Collective; every rank gets the same statistics.
  static UnitGaussianNormalizer fit(std::span<const T> data, FieldBlock block, MPI_Comm comm,
                                    double epsilon = default_epsilon);

  // out = encode(in) / decode(in) over a block [batch][channels][local_points]; in and
  // out may be the same span.
  void encode(std::span<const T> in, std::span<T> out, Index batch, Index local_points) const;
  void decode(std::span<const T> in, std::span<T> out, Index batch, Index local_points) const;
  // Backward of decode: grad_in = grad_out * (std_c + epsilon) (the decoded model output's
  // gradient back to the network output). Spans may alias.
  void decode_backward(std::span<const T> grad_decoded, std::span<T> grad_encoded, Index batch,
                       Index local_points) const;
  // Backward of encode: grad_in = grad_out / (std_c + epsilon) (for gradients with respect
  // to the physical inputs, e.g. inversion). Spans may alias.
  void encode_backward(std::span<const T> grad_encoded, std::span<T> grad_raw, Index batch,
                       Index local_points) const;

  Index channels() const { return static_cast<Index>(mean_.size()); }
  const std::vector<T>& mean() const { return mean_; }
  const std::vector<T>& stddev() const { return stddev_; }
  double epsilon() const { return epsilon_; }
  bool empty() const { return mean_.empty(); }

 private:
  // out[b][c][x] = in[b][c][x] * scale[c] + shift[c]
  void affine(std::span<const T> in, std::span<T> out, Index batch, Index local_points,
              const std::vector<double>& scale, const std::vector<double>& shift, const char* what) const;
  std::vector<T> mean_, stddev_;
  double epsilon_ = default_epsilon;
};

}  // namespace fno
