// Layout: how a global tensor [lead][n_0]...[n_{d-1}] is split over a ProcessGrid.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fft/process_grid.hpp"

namespace fno {

using Index = std::int64_t;

// a * b and a + b for non-negative sizes; throw fno::Error naming `what` if either is
// negative or the result overflows Index.
Index checked_mul(Index a, Index b, const char* what);
Index checked_add(Index a, Index b, const char* what);

// Sizes of P parts of N by the DMDA rule: the first N % P parts are one point larger.
std::vector<Index> dmda_parts(Index n, int p);

// A d-dimensional grid (d >= 1; for the FNO: space axes first, time last) with a leading
// channel/batch extent that is never split. Each grid axis a is either local (every rank
// holds all of it) or split over one dimension q = split_dim(a) of the process grid, in
// contiguous parts given by parts(a) (sizes, in process-coordinate order). A process
// dimension of size > 1 splits exactly one axis. A rank's block is stored in C order over
// [lead][local extent of axis 0]...[local extent of axis d-1] (the last axis fastest).
class Layout {
 public:
  // DMDA block layout: process dimension a splits axis a by the DMDA rule. The grid may
  // have fewer dimensions than axes (the remaining axes are local).
  static Layout block(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead);
  // As block(), but with the part sizes of each split axis given explicitly (what
  // DMDAGetOwnershipRanges returns); an empty vector for an axis means the DMDA rule.
  static Layout owned(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead,
                      std::vector<std::vector<Index>> ownership);
  // General form: split_dim[a] = process dimension splitting axis a, or -1 if local.
  Layout(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead,
         std::vector<int> split_dim, std::vector<std::vector<Index>> parts);

  // The same layout with axis a local and axis b split over the process dimension that
  // split a (DMDA rule for b's parts). The transpose of one pencil step.
  Layout swap_split(int a, int b) const;
  // The same split with axis a's global extent changed (a must be local) or the lead changed.
  Layout with_extent(int a, Index n) const;
  Layout with_lead(Index lead) const;

  int ndim() const { return static_cast<int>(global_.size()); }
  Index lead() const { return lead_; }
  Index global(int a) const { return global_[a]; }
  const std::vector<Index>& global() const { return global_; }
  Index local(int a) const { return local_[a]; }
  const std::vector<Index>& local() const { return local_; }
  Index start(int a) const { return start_[a]; }
  const std::vector<Index>& start() const { return start_; }
  int split_dim(int a) const { return split_[a]; }
  const std::vector<Index>& parts(int a) const { return parts_[a]; }
  // Elements of this rank's block (lead included).
  Index local_count() const { return count_; }
  // Start and extent of axis a on the rank with process coordinates c.
  Index start_on(int a, const std::vector<int>& c) const;
  Index local_on(int a, const std::vector<int>& c) const;
  const ProcessGrid& grid() const { return *grid_; }
  std::shared_ptr<const ProcessGrid> grid_ptr() const { return grid_; }
  bool same_shape(const Layout& o) const { return lead_ == o.lead_ && global_ == o.global_; }
  bool operator==(const Layout& o) const {
    return same_shape(o) && split_ == o.split_ && parts_ == o.parts_ && grid_ == o.grid_;
  }
  std::string describe() const;

 private:
  std::shared_ptr<const ProcessGrid> grid_;
  std::vector<Index> global_;
  Index lead_ = 1;
  std::vector<int> split_;
  std::vector<std::vector<Index>> parts_;
  std::vector<Index> local_, start_;
  Index count_ = 0;
};

}  // namespace fno
