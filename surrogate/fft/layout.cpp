#include "fft/layout.hpp"

#include <numeric>
#include <sstream>

#include "common/error.hpp"

namespace fno {

Index checked_mul(Index a, Index b, const char* what) {
  Index r = 0;
  FNO_CHECK(a >= 0 && b >= 0 && !__builtin_mul_overflow(a, b, &r), what, ": ", a, " x ", b,
            " is negative or overflows a 64-bit size");
  return r;
}

Index checked_add(Index a, Index b, const char* what) {
  Index r = 0;
  FNO_CHECK(a >= 0 && b >= 0 && !__builtin_add_overflow(a, b, &r), what, ": ", a, " + ", b,
            " is negative or overflows a 64-bit size");
  return r;
}

std::vector<Index> dmda_parts(Index n, int p) {
  FNO_CHECK(p >= 1, "cannot split an axis over ", p, " processes");
  std::vector<Index> parts(p);
  for (int i = 0; i < p; ++i) parts[i] = n / p + ((n % p) > i ? 1 : 0);
  return parts;
}

Layout Layout::block(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead) {
  return owned(std::move(grid), std::move(global), lead, {});
}

Layout Layout::owned(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead,
                     std::vector<std::vector<Index>> ownership) {
  FNO_CHECK(grid != nullptr, "no process grid");
  const int d = static_cast<int>(global.size());
  FNO_CHECK(grid->ndims() <= d, "process grid has ", grid->ndims(), " dimensions but the tensor only ", d,
            " axes");
  FNO_CHECK(ownership.empty() || static_cast<int>(ownership.size()) == d, "ownership given for ",
            ownership.size(), " axes but the grid has ", d);
  std::vector<int> split(d, -1);
  std::vector<std::vector<Index>> parts(d);
  for (int a = 0; a < d; ++a) {
    if (a < grid->ndims()) split[a] = a;
    if (!ownership.empty() && !ownership[a].empty()) {
      FNO_CHECK(static_cast<int>(ownership[a].size()) == grid->dim(a), "ownership of axis ", a, " has ",
                ownership[a].size(), " parts but the process grid has ", grid->dim(a), " processes along it");
      parts[a] = ownership[a];
    }
  }
  return Layout(std::move(grid), std::move(global), lead, std::move(split), std::move(parts));
}

Layout::Layout(std::shared_ptr<const ProcessGrid> grid, std::vector<Index> global, Index lead,
               std::vector<int> split_dim, std::vector<std::vector<Index>> parts)
    : grid_(std::move(grid)), global_(std::move(global)), lead_(lead), split_(std::move(split_dim)),
      parts_(std::move(parts)) {
  FNO_CHECK(grid_ != nullptr, "no process grid");
  const int d = ndim();
  FNO_CHECK(d >= 1, "a layout needs at least one grid axis");
  FNO_CHECK(static_cast<int>(split_.size()) == d && static_cast<int>(parts_.size()) == d,
            "split and parts must name every one of the ", d, " axes");
  FNO_CHECK(lead_ >= 1, "leading (channel/batch) extent is ", lead_, "; it must be >= 1");
  for (int a = 0; a < d; ++a)
    FNO_CHECK(global_[a] >= 1, "grid axis ", a, " has size ", global_[a], "; every axis needs at least one point");
  std::vector<int> used(grid_->ndims(), -1);
  for (int a = 0; a < d; ++a) {
    const int q = split_[a];
    if (q < 0) {
      FNO_CHECK(parts_[a].empty() || parts_[a].size() == 1, "axis ", a, " is local but has ", parts_[a].size(),
                " parts");
      parts_[a] = {global_[a]};
      continue;
    }
    FNO_CHECK(q < grid_->ndims(), "axis ", a, " is split over process dimension ", q, " of a ", grid_->ndims(),
              "-dimensional grid");
    FNO_CHECK(used[q] < 0, "process dimension ", q, " splits both axis ", used[q], " and axis ", a);
    used[q] = a;
    if (parts_[a].empty()) parts_[a] = dmda_parts(global_[a], grid_->dim(q));
    FNO_CHECK(static_cast<int>(parts_[a].size()) == grid_->dim(q), "axis ", a, " has ", parts_[a].size(),
              " parts but process dimension ", q, " has ", grid_->dim(q), " processes");
    Index sum = 0;
    for (std::size_t i = 0; i < parts_[a].size(); ++i) {
      FNO_CHECK(parts_[a][i] >= 0, "part ", i, " of axis ", a, " has negative size ", parts_[a][i]);
      sum = checked_add(sum, parts_[a][i], "ownership ranges");
    }
    FNO_CHECK(sum == global_[a], "ownership ranges of axis ", a, " sum to ", sum, " but the axis has ", global_[a],
              " points");
    if (grid_->dim(q) == 1) split_[a] = -1;  // one process along q: the axis is local
  }
  for (int q = 0; q < grid_->ndims(); ++q)
    FNO_CHECK(grid_->dim(q) == 1 || used[q] >= 0, "process dimension ", q, " has ", grid_->dim(q),
              " processes but splits no axis (data would be replicated)");
  local_.resize(d);
  start_.resize(d);
  count_ = lead_;
  for (int a = 0; a < d; ++a) {
    start_[a] = start_on(a, grid_->coords());
    local_[a] = local_on(a, grid_->coords());
    count_ = checked_mul(count_, local_[a], "elements of a rank's block");
  }
}

Index Layout::start_on(int a, const std::vector<int>& c) const {
  if (split_[a] < 0) return 0;
  const int k = c[split_[a]];
  return std::accumulate(parts_[a].begin(), parts_[a].begin() + k, Index{0});
}

Index Layout::local_on(int a, const std::vector<int>& c) const {
  return split_[a] < 0 ? global_[a] : parts_[a][c[split_[a]]];
}

Layout Layout::swap_split(int a, int b) const {
  FNO_CHECK(split_[a] >= 0 && split_[b] < 0, "swap_split(", a, ",", b, ") needs axis ", a, " split and axis ", b,
            " local");
  auto split = split_;
  auto parts = parts_;
  split[b] = split[a];
  split[a] = -1;
  parts[b] = dmda_parts(global_[b], grid_->dim(split[b]));
  parts[a] = {};
  return Layout(grid_, global_, lead_, split, parts);
}

Layout Layout::with_extent(int a, Index n) const {
  FNO_CHECK(split_[a] < 0, "cannot change the extent of split axis ", a);
  auto g = global_;
  g[a] = n;
  auto parts = parts_;
  parts[a] = {};
  return Layout(grid_, g, lead_, split_, parts);
}

Layout Layout::with_lead(Index lead) const { return Layout(grid_, global_, lead, split_, parts_); }

std::string Layout::describe() const {
  std::ostringstream os;
  os << "[" << lead_ << "]";
  for (int a = 0; a < ndim(); ++a) {
    os << "[" << global_[a];
    if (split_[a] >= 0) {
      os << "/p" << split_[a] << ":";
      for (std::size_t i = 0; i < parts_[a].size(); ++i) os << (i ? "," : "") << parts_[a][i];
    }
    os << "]";
  }
  return os.str();
}

}  // namespace fno
