#include "fft/repartition.hpp"

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

Repartition::Repartition(const Layout& from, const Layout& to, std::size_t elem_bytes, Exchange how)
    : from_(from), to_(to), elem_(elem_bytes), how_(how) {
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
  // Subarray type of box b inside the local block of layout l (datatype exchange).
  auto subarray_in = [&](const Layout& l, const Box& local_box, const Box& b) {
    std::vector<int> sizes{static_cast<int>(l.lead())}, sub{static_cast<int>(l.lead())}, start{0};
    bool empty = b.empty();
    for (int a = 0; a < d; ++a) {
      FNO_CHECK(l.local(a) < INT_MAX, "local block too large for MPI subarray types");
      sizes.push_back(static_cast<int>(l.local(a)));
      sub.push_back(empty ? 0 : static_cast<int>(b.hi[a] - b.lo[a]));
      start.push_back(empty ? 0 : static_cast<int>(b.lo[a] - local_box.lo[a]));
    }
    if (empty) return std::pair{Datatype::bytes(elem_), 0};
    return std::pair{Datatype::subarray(sizes, sub, start, type_.get()), 1};
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
    const Box send_box = intersect(from_me, box_of(to, peer)), recv_box = intersect(box_of(from, peer), to_me);
    from_runs_[s] = runs_in(from, from_me, send_box);
    to_runs_[s] = runs_in(to, to_me, recv_box);
    if (how_ == Exchange::datatypes) {
      auto [ft, fn] = subarray_in(from, from_me, send_box);
      auto [tt, tn] = subarray_in(to, to_me, recv_box);
      from_types_.push_back(std::move(ft));
      from_one_.push_back(fn);
      to_types_.push_back(std::move(tt));
      to_one_.push_back(tn);
    }
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
  if (how_ == Exchange::packed) {
    sbuf_.resize(static_cast<std::size_t>(std::max(ftotal, ttotal)) * elem_);
    rbuf_.resize(sbuf_.size());
  }
}

void Repartition::move_typed(const void* in, void* out, const std::vector<Datatype>& send,
                             const std::vector<int>& scount, const std::vector<Datatype>& recv,
                             const std::vector<int>& rcount) const {
  const std::size_t n = send.size();
  std::vector<MPI_Datatype> st(n), rt(n);
  std::vector<int> zero(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    st[i] = send[i].get();
    rt[i] = recv[i].get();
  }
  FNO_MPI(MPI_Alltoallw(in, scount.data(), zero.data(), st.data(), out, rcount.data(), zero.data(), rt.data(), comm_));
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
  if (how_ == Exchange::datatypes) return move_typed(in, out, from_types_, from_one_, to_types_, to_one_);
  move(in, out, from_runs_, to_runs_, fcount_, fdispl_, tcount_, tdispl_);
}

void Repartition::adjoint(const void* in, void* out) const {
  if (how_ == Exchange::datatypes) return move_typed(in, out, to_types_, to_one_, from_types_, from_one_);
  move(in, out, to_runs_, from_runs_, tcount_, tdispl_, fcount_, fdispl_);
}

}  // namespace fno
