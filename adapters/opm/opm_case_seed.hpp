// The permeability seed of case c of an fno-opm-gen dataset of seed S: a hash of (S, c)
// reduced below 2^31 - 1, so that `fno-sim -perm_seed <seed>` (a 32-bit PetscInt)
// reproduces the case's earth model exactly (the seed is stored in the dataset's /seeds).
#pragma once

#include <cstdint>

#include "random_stream.hpp"

namespace fno::opm {

inline std::uint64_t OpmCaseSeed(std::uint64_t dataset_seed, int c) {
  return (fno::sim::MixBits(fno::sim::MixBits(dataset_seed) ^ static_cast<std::uint64_t>(c)) >> 11) % 2147483647ULL;
}

}  // namespace fno::opm
