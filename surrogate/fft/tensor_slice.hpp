// Hyperslabs of C-order tensors: copy a rank's block out of (or into) a full global tensor.
#pragma once
#include <cstddef>
#include <vector>

#include "common/error.hpp"
#include "fft/layout.hpp"

namespace fno {

// Number of elements of a shape.
inline Index element_count(const std::vector<Index>& shape) {
  Index n = 1;
  for (Index e : shape) n *= e;
  return n;
}

// Visits every element of the hyperslab [start, start + count) of a C-order tensor of
// `shape`, calling visit(global_offset, slab_offset) in C order of the slab.
template <class Visit>
void for_each_in_hyperslab(const std::vector<Index>& shape, const std::vector<Index>& start,
                           const std::vector<Index>& count, Visit&& visit) {
  const std::size_t rank = shape.size();
  FNO_CHECK(start.size() == rank && count.size() == rank, "hyperslab of rank ", start.size(), "/", count.size(),
            " for a tensor of rank ", rank);
  for (std::size_t a = 0; a < rank; ++a)
    FNO_CHECK(start[a] >= 0 && count[a] >= 0 && start[a] + count[a] <= shape[a], "hyperslab axis ", a,
              " [", start[a], ", ", start[a] + count[a], ") outside extent ", shape[a]);
  if (rank == 0) {
    visit(Index{0}, Index{0});
    return;
  }
  if (element_count(count) == 0) return;
  std::vector<Index> stride(rank, 1);
  for (std::size_t a = rank - 1; a-- > 0;) stride[a] = stride[a + 1] * shape[a + 1];
  std::vector<Index> idx(rank, 0);
  Index slab = 0;
  const Index inner = count[rank - 1];
  while (true) {
    Index base = 0;
    for (std::size_t a = 0; a < rank; ++a) base += (start[a] + idx[a]) * stride[a];
    for (Index i = 0; i < inner; ++i) visit(base + i, slab++);
    std::size_t a = rank - 1;
    while (true) {
      if (a == 0) return;
      --a;
      if (++idx[a] < count[a]) break;
      idx[a] = 0;
    }
  }
}

// slab[...] = global[start + ...]
template <class T>
void extract_hyperslab(const std::vector<Index>& shape, const std::vector<Index>& start,
                       const std::vector<Index>& count, const T* global, T* slab) {
  for_each_in_hyperslab(shape, start, count, [&](Index g, Index s) { slab[s] = global[g]; });
}

// global[start + ...] = slab[...]
template <class T>
void insert_hyperslab(const std::vector<Index>& shape, const std::vector<Index>& start,
                      const std::vector<Index>& count, const T* slab, T* global) {
  for_each_in_hyperslab(shape, start, count, [&](Index g, Index s) { global[g] = slab[s]; });
}

// Shape, start and count of this rank's block of `layout` as a tensor [lead][global...].
inline std::vector<Index> layout_global_shape(const Layout& layout) {
  std::vector<Index> s{layout.lead()};
  s.insert(s.end(), layout.global().begin(), layout.global().end());
  return s;
}
inline std::vector<Index> layout_local_start(const Layout& layout) {
  std::vector<Index> s{0};
  s.insert(s.end(), layout.start().begin(), layout.start().end());
  return s;
}
inline std::vector<Index> layout_local_shape(const Layout& layout) {
  std::vector<Index> s{layout.lead()};
  s.insert(s.end(), layout.local().begin(), layout.local().end());
  return s;
}

}  // namespace fno
