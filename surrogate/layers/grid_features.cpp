#include "layers/grid_features.hpp"

#include <algorithm>
#include <vector>

namespace fno {

double grid_coordinate(Index g, Index n) { return n > 1 ? static_cast<double>(g) / static_cast<double>(n - 1) : 0.0; }

template <class T>
void append_coordinates(const Layout& grid, Index batch, Index in, const T* x, T* a) {
  const int d = grid.ndim();
  Index points = 1;
  for (int j = 0; j < d; ++j) points *= grid.local(j);
  const Index channels = in + d;
  for (Index b = 0; b < batch; ++b) {
    std::copy(x + b * in * points, x + (b + 1) * in * points, a + b * channels * points);
    for (int j = 0; j < d; ++j) {
      // Axis j varies with period `inner` (product of the later local extents).
      Index inner = 1;
      for (int k = j + 1; k < d; ++k) inner *= grid.local(k);
      const Index extent = grid.local(j);
      T* c = a + (b * channels + in + j) * points;
      for (Index p = 0; p < points; ++p) {
        const Index local_index = (p / inner) % extent;
        c[p] = static_cast<T>(grid_coordinate(grid.start(j) + local_index, grid.global(j)));
      }
    }
  }
}

template <class T>
void data_channels_of(const Layout& grid, Index batch, Index in, const T* da, T* dx) {
  const int d = grid.ndim();
  Index points = 1;
  for (int j = 0; j < d; ++j) points *= grid.local(j);
  for (Index b = 0; b < batch; ++b)
    std::copy(da + b * (in + d) * points, da + (b * (in + d) + in) * points, dx + b * in * points);
}

template <class T>
void pad_time(Index lines, Index nt, Index pad, const T* x, T* y) {
  for (Index l = 0; l < lines; ++l) {
    T* row = y + l * (nt + pad);
    std::copy(x + l * nt, x + (l + 1) * nt, row);
    std::fill(row + nt, row + nt + pad, T(0));
  }
}

template <class T>
void crop_time(Index lines, Index nt, Index pad, const T* y, T* x) {
  for (Index l = 0; l < lines; ++l) std::copy(y + l * (nt + pad), y + l * (nt + pad) + nt, x + l * nt);
}

template void append_coordinates<float>(const Layout&, Index, Index, const float*, float*);
template void append_coordinates<double>(const Layout&, Index, Index, const double*, double*);
template void data_channels_of<float>(const Layout&, Index, Index, const float*, float*);
template void data_channels_of<double>(const Layout&, Index, Index, const double*, double*);
template void pad_time<float>(Index, Index, Index, const float*, float*);
template void pad_time<double>(Index, Index, Index, const double*, double*);
template void crop_time<float>(Index, Index, Index, const float*, float*);
template void crop_time<double>(Index, Index, Index, const double*, double*);

}  // namespace fno
