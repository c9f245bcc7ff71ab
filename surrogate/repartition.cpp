#include "repartition.hpp"

#include <climits>
#include <cstring>

namespace fno {

namespace {

struct Box {
  std::vector<Index> lo, hi;  // global, per grid axis
  bool empty() const {
    for (std::size_t a = 0; a < lo.size(); ++a)
      if (hi[a] <= lo[a]) return true;
    return false;
  }
};

Box box_of(const Layout& l, const std::vector<int>& coords) {
  Box b;
  for (int a = 0; a < l.ndim(); ++a) {
    b.lo.push_back(l.start_on(a, coords));
    b.hi.push_back(b.lo.back() + l.local_on(a, coords));
  }
  return b;
}

Box intersect(const Box& x, const Box& y) {
  Box b = x;
  for (std::size_t a = 0; a < b.lo.size(); ++a) {
    b.lo[a] = std::max(x.lo[a], y.lo[a]);
    b.hi[a] = std::min(x.hi[a], y.hi[a]);
  }
  return b;
}

}  // namespace

Repartition::Repartition(const Layout& from, const Layout& to, std::size_t elem_bytes)
    : from_(from), to_(to), elem_(elem_bytes) {
  FNO_CHECK(&from.grid() == &to.grid(), "the two layouts live on different process grids");
  FNO_CHECK(from.same_shape(to), "layouts ", from.describe(), " and ", to.describe(), " have different shapes");
  FNO_CHECK(elem_bytes > 0, "element size must be positive");
  const ProcessGrid& g = from.grid();
  const int d = from.ndim();
  // Process dimensions whose role differs between the layouts take part in the exchange.
  unsigned mask = 0;
  for (int q = 0; q < g.ndims(); ++q) {
    int af = -1, at = -1;
    for (int a = 0; a < d; ++a) {
      if (from.split_dim(a) == q) af = a;
      if (to.split_dim(a) == q) at = a;
    }
    if (af != at || (af >= 0 && from.parts(af) != to.parts(at))) mask |= 1u << q;
  }
  comm_ = g.sub(mask);
  int npeer = 0;
  FNO_MPI(MPI_Comm_size(comm_, &npeer));
  type_ = Datatype::bytes(elem_);

  const std::vector<int>& me = g.coords();
  const Box from_me = box_of(from, me), to_me = box_of(to, me);
  auto runs_in = [&](const Layout& l, const Box& local_box, const Box& b) {
    Runs r;
    if (b.empty()) return r;
    const int D = d + 1;
    std::vector<Index> ext(D), lo(D), hi(D);
    ext[0] = l.lead();
    lo[0] = 0;
    hi[0] = l.lead();
    for (int a = 0; a < d; ++a) {
      ext[a + 1] = l.local(a);
      lo[a + 1] = b.lo[a] - local_box.lo[a];
      hi[a + 1] = b.hi[a] - local_box.lo[a];
    }
    int k = D - 1;
    while (k > 0 && lo[k] == 0 && hi[k] == ext[k]) --k;
    Index inner = 1;
    for (int a = k + 1; a < D; ++a) inner *= ext[a];
    r.run = (hi[k] - lo[k]) * inner;
    // Iterate over the outer axes 0..k-1 of the box in C order.
    std::vector<Index> idx(lo.begin(), lo.begin() + k);
    while (true) {
      Index off = 0;
      for (int a = 0; a < D; ++a) off = off * ext[a] + (a < k ? idx[a] : (a == k ? lo[k] : 0));
      r.offsets.push_back(off);
      int a = k - 1;
      while (a >= 0 && ++idx[a] == hi[a]) {
        idx[a] = lo[a];
        --a;
      }
      if (a < 0) break;
    }
    return r;
  };
  from_runs_.resize(npeer);
  to_runs_.resize(npeer);
  fcount_.assign(npeer, 0);
  tcount_.assign(npeer, 0);
  fdispl_.assign(npeer, 0);
  tdispl_.assign(npeer, 0);
  Index ftotal = 0, ttotal = 0;
  for (int s = 0; s < npeer; ++s) {
    std::vector<int> peer = me;
    int rest = s;
    for (int q = 0; q < g.ndims(); ++q)
      if (mask & (1u << q)) {
        peer[q] = rest % g.dim(q);
        rest /= g.dim(q);
      }
    from_runs_[s] = runs_in(from, from_me, intersect(from_me, box_of(to, peer)));
    to_runs_[s] = runs_in(to, to_me, intersect(box_of(from, peer), to_me));
    const Index fc = from_runs_[s].count(), tc = to_runs_[s].count();
    FNO_CHECK(ftotal + fc < INT_MAX && ttotal + tc < INT_MAX, "repartition message too large for MPI int counts");
    fdispl_[s] = static_cast<int>(ftotal);
    tdispl_[s] = static_cast<int>(ttotal);
    fcount_[s] = static_cast<int>(fc);
    tcount_[s] = static_cast<int>(tc);
    ftotal += fc;
    ttotal += tc;
  }
  FNO_CHECK(ftotal == from.local_count() && ttotal == to.local_count(),
            "internal error: repartition boxes do not cover the local block");
  sbuf_.resize(static_cast<std::size_t>(std::max(ftotal, ttotal)) * elem_);
  rbuf_.resize(sbuf_.size());
}

void Repartition::move(const void* in, void* out, const std::vector<Runs>& send, const std::vector<Runs>& recv,
                       const std::vector<int>& scount, const std::vector<int>& sdispl,
                       const std::vector<int>& rcount, const std::vector<int>& rdispl) const {
  const auto* src = static_cast<const unsigned char*>(in);
  auto* dst = static_cast<unsigned char*>(out);
  unsigned char* p = sbuf_.data();
  for (const Runs& r : send) {
    const std::size_t n = static_cast<std::size_t>(r.run) * elem_;
    for (Index off : r.offsets) {
      std::memcpy(p, src + static_cast<std::size_t>(off) * elem_, n);
      p += n;
    }
  }
  FNO_MPI(MPI_Alltoallv(sbuf_.data(), scount.data(), sdispl.data(), type_.get(), rbuf_.data(), rcount.data(),
                        rdispl.data(), type_.get(), comm_));
  const unsigned char* q = rbuf_.data();
  for (const Runs& r : recv) {
    const std::size_t n = static_cast<std::size_t>(r.run) * elem_;
    for (Index off : r.offsets) {
      std::memcpy(dst + static_cast<std::size_t>(off) * elem_, q, n);
      q += n;
    }
  }
}

void Repartition::forward(const void* in, void* out) const {
  move(in, out, from_runs_, to_runs_, fcount_, fdispl_, tcount_, tdispl_);
}

void Repartition::adjoint(const void* in, void* out) const {
  move(in, out, to_runs_, from_runs_, tcount_, tdispl_, fcount_, fdispl_);
}

}  // namespace fno
