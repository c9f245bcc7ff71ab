// Deterministic data splits and shuffles. The draws use only std::mt19937_64's output
// (whose sequence the C++ standard fixes) and our own rejection sampling, so a seed gives the
// same split and the same epoch order with any standard library.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fft/layout.hpp"

namespace fno::training {

// Uniform integer in [0, n) by rejection (n >= 1).
std::uint64_t UniformBelow(std::mt19937_64& rng, std::uint64_t n);

// Fisher-Yates shuffle, last element first.
template <class V>
void Shuffle(std::vector<V>& values, std::mt19937_64& rng) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(UniformBelow(rng, i));
    std::swap(values[i - 1], values[j]);
  }
}

// Sizes of the validation and test parts: a value < 1 is a fraction of the usable cases
// (rounded to the nearest count), a value >= 1 an integer count.
struct SplitSpec {
  double val = 0.1;
  double test = 0.1;
  static SplitSpec Parse(const std::string& text);  // "val,test"
  std::string ToString() const;
};

struct DataSplit {
  std::vector<Index> train, val, test;  // dataset case indices, each ascending
};

// Shuffles `usable` with mt19937_64(seed), takes the first part as test, the next as
// validation, the rest as training. Throws fno::Error if the training part would be empty,
// or if a requested (non-zero) validation or test part rounds to zero cases.
DataSplit MakeSplit(const std::vector<Index>& usable, const SplitSpec& spec, std::uint64_t seed);

}  // namespace fno::training
