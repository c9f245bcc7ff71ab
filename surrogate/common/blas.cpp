#include "common/blas.hpp"

namespace fno::blas {
void set_threads(int n) { openblas_set_num_threads(n); }
}  // namespace fno::blas
