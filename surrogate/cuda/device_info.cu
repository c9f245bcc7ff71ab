#include <cuda_runtime.h>

#include "device_info.hpp"

namespace fno::cuda {
int device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
}
}  // namespace fno::cuda
