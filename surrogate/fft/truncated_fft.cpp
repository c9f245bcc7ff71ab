#include "fft/truncated_fft.hpp"

#include "common/profiling.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"

namespace fno {

namespace {
// The input layout's time axis after the truncated real DFT; validates modes and layout.
Layout time_layout_of(const Layout& input, const std::vector<Index>& modes) {
  const int d = input.ndim();
  FNO_CHECK_AS("TruncatedFFT", static_cast<int>(modes.size()) == d, "got modes for ", modes.size(), " axes but the grid has ", d);
  FNO_CHECK_AS("TruncatedFFT", input.split_dim(d - 1) < 0, "the last (time) axis of ", input.describe(),
            " is split; the truncated FFT needs it local");
  FNO_CHECK_AS("TruncatedFFT", modes[d - 1] >= 1 && modes[d - 1] <= input.global(d - 1) / 2 + 1, modes[d - 1],
            " modes requested along the time axis of length ", input.global(d - 1), "; it allows 1..",
            input.global(d - 1) / 2 + 1);
  for (int a = 0; a + 1 < d; ++a)
    FNO_CHECK_AS("TruncatedFFT", modes[a] >= 1 && 2 * modes[a] <= input.global(a), modes[a], " modes requested along space axis ", a,
              " of length ", input.global(a), "; it allows 1..", input.global(a) / 2,
              " (m low and m high modes are kept)");
  return input.with_extent(d - 1, modes[d - 1]);
}
}  // namespace

template <class T>
TruncatedFFT<T>::TruncatedFFT(const Layout& input, std::vector<Index> modes)
    : input_(input),
      modes_(std::move(modes)),
      time_layout_(time_layout_of(input_, modes_)),
      time_(input_.global(input_.ndim() - 1), modes_.back()) {
  const int d = input.ndim();
  buf_time_.resize(static_cast<std::size_t>(time_layout_.local_count()));
  Layout cur = time_layout_;
  // Local space axes first (no communication, and they shrink the data that the
  // transposes of the split axes then move), each group from the last axis to the first.
  std::vector<int> order;
  for (int pass = 0; pass < 2; ++pass)
    for (int j = d - 2; j >= 0; --j)
      if ((input.split_dim(j) >= 0) == (pass == 1)) order.push_back(j);
  std::vector<bool> transformed(d, false);
  transformed[d - 1] = true;
  for (int j : order) {
    TruncatedComplexDFT<T> dft(input.global(j), modes_[j]);
    Layout local = cur;
    std::optional<Repartition> transpose;
    if (cur.split_dim(j) >= 0) {
      int target = -1;
      for (int a = d - 1; a >= 0; --a)
        if (transformed[a] && cur.split_dim(a) < 0 && (target < 0 || cur.global(a) > cur.global(target)))
          target = a;
      FNO_CHECK(target >= 0, "internal error: no local transformed axis to take the split of axis ", j);
      local = cur.swap_split(j, target);
      transpose.emplace(cur, local, sizeof(C));
    }
    Layout after = local.with_extent(j, dft.modes());
    Index outer = local.lead(), inner = 1;
    for (int a = 0; a < j; ++a) outer *= local.local(a);
    for (int a = j + 1; a < d; ++a) inner *= local.local(a);
    Stage s{j, cur, local, after, std::move(transpose), std::move(dft), {}, {}, outer, inner};
    if (s.transpose) s.buf_local.resize(static_cast<std::size_t>(local.local_count()));
    s.buf_after.resize(static_cast<std::size_t>(after.local_count()));
    cur = after;
    transformed[j] = true;
    stages_.push_back(std::move(s));
  }
}

template <class T>
std::vector<typename TruncatedFFT<T>::StageShape> TruncatedFFT<T>::stage_shapes() const {
  std::vector<StageShape> shapes;
  for (const Stage& s : stages_)
    shapes.push_back({s.axis, s.transpose.has_value(), s.before.local_count(), s.local.local_count(),
                      s.after.local_count(), s.outer, s.dft.n(), s.dft.modes(), s.inner_local});
  return shapes;
}

template <class T>
Index TruncatedFFT<T>::frequency(int a, Index r) const {
  if (a == input_.ndim() - 1) return r;
  return r < modes_[a] ? r : r - 2 * modes_[a];
}

// Real input layout -> mode layout: the time stage, then every space stage in order.
// forward() uses the forward DFTs, inverse_adjoint() the adjoints of the inverse ones.
template <class T>
void TruncatedFFT<T>::to_modes(const T* x, C* X, TimeToModes time_op, AxisOp axis_op) const {
  const Index lines = input_.local_count() / input_.global(input_.ndim() - 1);
  C* t = stages_.empty() ? X : buf_time_.data();
  {
    profile::Scope scope(profile::Stage::time_dft);
    (time_.*time_op)(lines, x, t);
  }
  if (!stages_.empty()) space_stages_to_modes(X, axis_op);
}

template <class T>
void TruncatedFFT<T>::space_stages_to_modes(C* X, AxisOp axis_op) const {
  const C* cur = buf_time_.data();
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const Stage& s = stages_[i];
    const C* src = cur;
    if (s.transpose) {
      profile::Scope scope(profile::Stage::transpose);
      s.transpose->forward(cur, s.buf_local.data());
      src = s.buf_local.data();
    }
    C* dst = i + 1 == stages_.size() ? X : s.buf_after.data();
    {
      profile::Scope scope(profile::Stage::space_dft);
      (s.dft.*axis_op)(s.outer, s.inner_local, src, dst);
    }
    cur = dst;
  }
}

// Mode layout -> real input layout: every space stage backwards (with the reverse
// transposes), then the time stage chunk by chunk of space points (lines are
// [lead][space point]), calling epilogue(s0, s1) after each chunk. inverse() uses the
// inverse DFTs, forward_adjoint() the adjoints of the forward ones.
template <class T>
void TruncatedFFT<T>::from_modes(const C* X, T* x, AxisOp axis_op, TimeFromModes time_op, Index chunk,
                                 const std::function<void(Index s0, Index s1)>& epilogue) const {
  FNO_CHECK(chunk >= 1, "chunk must be >= 1");
  const C* cur = X;
  for (std::size_t k = stages_.size(); k-- > 0;) {
    const Stage& s = stages_[k];
    C* before = k == 0 ? buf_time_.data() : stages_[k - 1].buf_after.data();
    C* dst = s.transpose ? s.buf_local.data() : before;
    {
      profile::Scope scope(profile::Stage::space_dft);
      (s.dft.*axis_op)(s.outer, s.inner_local, cur, dst);
    }
    if (s.transpose) {
      profile::Scope scope(profile::Stage::transpose);
      s.transpose->adjoint(dst, before);
    }
    cur = before;
  }
  const Index space = local_space_points(), nt = input_.global(input_.ndim() - 1), mt = modes_.back();
  for (Index s0 = 0; s0 < space; s0 += chunk) {
    const Index s1 = std::min(space, s0 + chunk);
    {
      profile::Scope scope(profile::Stage::time_dft);
      for (Index c = 0; c < input_.lead(); ++c)
        (time_.*time_op)(s1 - s0, cur + (c * space + s0) * mt, x + (c * space + s0) * nt);
    }
    epilogue(s0, s1);
  }
}

template <class T>
Index TruncatedFFT<T>::local_space_points() const {
  Index s = 1;
  for (int a = 0; a + 1 < input_.ndim(); ++a) s *= input_.local(a);
  return s;
}

template <class T>
void TruncatedFFT<T>::time_chunk_to_modes(const T* x, Index s0, Index s1, TimeToModes time_op) const {
  FNO_CHECK(!stages_.empty(), "a chunked forward needs at least one space axis");
  const Index space = local_space_points(), nt = input_.global(input_.ndim() - 1), mt = modes_.back();
  FNO_CHECK(0 <= s0 && s0 <= s1 && s1 <= space, "chunk [", s0, ", ", s1, ") outside the ", space, " local space points");
  profile::Scope scope(profile::Stage::time_dft);
  for (Index c = 0; c < input_.lead(); ++c)
    (time_.*time_op)(s1 - s0, x + (c * space + s0) * nt, buf_time_.data() + (c * space + s0) * mt);
}

template <class T>
void TruncatedFFT<T>::forward_time_chunk(const T* x, Index s0, Index s1) const {
  time_chunk_to_modes(x, s0, s1, &TruncatedRealDFT<T>::forward);
}

template <class T>
void TruncatedFFT<T>::inverse_adjoint_time_chunk(const T* x, Index s0, Index s1) const {
  time_chunk_to_modes(x, s0, s1, &TruncatedRealDFT<T>::inverse_adjoint);
}

template <class T>
void TruncatedFFT<T>::inverse_adjoint_from_time(C* X) const {
  FNO_CHECK(!stages_.empty(), "a chunked inverse adjoint needs at least one space axis");
  space_stages_to_modes(X, &TruncatedComplexDFT<T>::inverse_adjoint);
}

template <class T>
void TruncatedFFT<T>::forward_from_time(C* X) const {
  FNO_CHECK(!stages_.empty(), "a chunked forward needs at least one space axis");
  space_stages_to_modes(X, &TruncatedComplexDFT<T>::forward);
}

template <class T>
void TruncatedFFT<T>::forward(const T* x, C* X) const {
  to_modes(x, X, &TruncatedRealDFT<T>::forward, &TruncatedComplexDFT<T>::forward);
}

template <class T>
void TruncatedFFT<T>::inverse_adjoint(const T* x, C* X) const {
  to_modes(x, X, &TruncatedRealDFT<T>::inverse_adjoint, &TruncatedComplexDFT<T>::inverse_adjoint);
}

template <class T>
void TruncatedFFT<T>::inverse(const C* X, T* x) const {
  inverse(X, x, std::max<Index>(1, local_space_points()), [](Index, Index) {});
}

template <class T>
void TruncatedFFT<T>::inverse(const C* X, T* x, Index chunk,
                              const std::function<void(Index s0, Index s1)>& epilogue) const {
  from_modes(X, x, &TruncatedComplexDFT<T>::inverse, &TruncatedRealDFT<T>::inverse, chunk, epilogue);
}

template <class T>
void TruncatedFFT<T>::forward_adjoint(const C* X, T* x) const {
  forward_adjoint(X, x, std::max<Index>(1, local_space_points()), [](Index, Index) {});
}

template <class T>
void TruncatedFFT<T>::forward_adjoint(const C* X, T* x, Index chunk,
                                      const std::function<void(Index s0, Index s1)>& epilogue) const {
  from_modes(X, x, &TruncatedComplexDFT<T>::forward_adjoint, &TruncatedRealDFT<T>::forward_adjoint, chunk, epilogue);
}

template class TruncatedFFT<float>;
template class TruncatedFFT<double>;

}  // namespace fno
