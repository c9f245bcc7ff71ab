// TruncatedFFT: the distributed, mode-truncated real FFT over all d axes of a Layout.
//
// Forward (x real in the input layout -> X complex in the mode layout):
//   1. real DFT along the last axis (time, which must be local), keep modes 0..mt-1;
//   2. for each space axis j -- first the local ones, then the split ones, each group from
//      the last space axis to the first -- if j is split over process dimension q,
//      transpose inside q's sub-communicator so that j becomes local and an already
//      transformed (hence truncated), currently local axis becomes split over q (the
//      largest such axis); then a complex DFT along j keeping the m_j lowest and m_j
//      highest modes. Every transpose therefore carries retained modes only.
// The mode layout is the layout after the last step: global extents
// [lead][2 m_0]...[2 m_{d-2}][mt], stored in C order like every Layout; along a space axis
// retained index r < m_j is frequency r and r >= m_j is frequency n_j - 2 m_j + r. The
// spectral weights of a layer are partitioned exactly like it and never communicated.
// inverse() zero-pads and undoes every step (1/N scaling overall, PyTorch's "backward"
// norm), so inverse(forward(x)) = x for band-limited x. forward_adjoint and
// inverse_adjoint are the exact adjoints under the real inner product.
#pragma once
#include <complex>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "fft/layout.hpp"
#include "fft/repartition.hpp"
#include "fft/truncated_dft.hpp"

namespace fno {

template <class T>
class TruncatedFFT {
 public:
  using C = std::complex<T>;
  // modes[a] for space axes a < d-1 keeps m low + m high modes (2m <= n_a); modes[d-1] = mt
  // keeps the lowest mt time modes (mt <= n_t/2 + 1). Collective over the layout's grid.
  TruncatedFFT(const Layout& input, std::vector<Index> modes);

  const Layout& input_layout() const { return input_; }
  const Layout& mode_layout() const { return stages_.empty() ? time_layout_ : stages_.back().after; }
  const std::vector<Index>& modes() const { return modes_; }
  // Signed frequency of global retained index r along axis a (space: may be negative,
  // e.g. n - 2m + r - n; time: r).
  Index frequency(int a, Index r) const;

  void forward(const T* x, C* X) const;          // [lead][input local...] -> [lead][mode local...]
  void inverse(const C* X, T* x) const;          // [lead][mode local...]  -> [lead][input local...]
  // inverse() with a fused epilogue: the last (time) stage runs in chunks of at most
  // `chunk` space points (all time lines of those points, for every lead index), and after
  // each chunk epilogue(s0, s1) is called while x's points [s0·n_t, s1·n_t) of every lead
  // index are still in cache, so a caller can add its pointwise terms and activation
  // without another pass over memory.
  void inverse(const C* X, T* x, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) const;
  // Local space points of the input layout (product of the local space extents).
  Index local_space_points() const;
  // forward() in two parts, so that a caller can run the time stage chunk by chunk inside
  // an inverse's epilogue (the rows it writes are the rows that epilogue's chunk has just
  // consumed, so the shared time-mode buffer is reused in place): forward_time_chunk()
  // transforms the time lines of space points [s0, s1) of every lead index of x into the
  // plan's time-mode buffer; forward_from_time() then runs the space stages into X. Needs
  // at least one space axis (has_space_stages()).
  bool has_space_stages() const { return !stages_.empty(); }
  void forward_time_chunk(const T* x, Index s0, Index s1) const;  // x: [lead][input local...]
  void forward_from_time(C* X) const;                              // -> [lead][mode local...]
  void forward_adjoint(const C* X, T* x) const;  // adjoint of forward
  void inverse_adjoint(const T* x, C* X) const;  // adjoint of inverse
  // forward_adjoint() with a fused epilogue after each chunk of its time stage, as inverse() has.
  void forward_adjoint(const C* X, T* x, Index chunk, const std::function<void(Index s0, Index s1)>& epilogue) const;
  // inverse_adjoint() in two parts, as forward() (the backward pass runs the time stage of
  // the next gradient inside a forward_adjoint's epilogue, in the rows that chunk consumed).
  void inverse_adjoint_time_chunk(const T* x, Index s0, Index s1) const;  // x: [lead][input local...]
  void inverse_adjoint_from_time(C* X) const;                              // -> [lead][mode local...]

  // The space stages in forward order, for cost accounting: the axis, whether a transpose
  // makes it local first, the complex elements entering (before), made local and leaving
  // (after), and the DFT's [outer][n][inner] -> [outer][modes][inner] block shape.
  struct StageShape {
    int axis;
    bool transposed;
    Index before, local, after, outer, n, modes, inner;
  };
  std::vector<StageShape> stage_shapes() const;

 private:
  struct Stage {
    int axis;
    Layout before;                       // complex layout entering the stage
    Layout local;                        // axis made local (== before when it already was)
    Layout after;                        // axis truncated
    std::optional<Repartition> transpose;  // before -> local, when the axis was split
    TruncatedComplexDFT<T> dft;
    mutable std::vector<C> buf_local;    // data in `local`
    mutable std::vector<C> buf_after;    // data in `after` (the next stage's input)
    Index outer, inner_local;            // block shape of the transform in `local`
  };

  using TimeToModes = void (TruncatedRealDFT<T>::*)(Index, const T*, C*) const;
  using TimeFromModes = void (TruncatedRealDFT<T>::*)(Index, const C*, T*) const;
  using AxisOp = void (TruncatedComplexDFT<T>::*)(Index, Index, const C*, C*) const;
  void to_modes(const T* x, C* X, TimeToModes time_op, AxisOp axis_op) const;
  void space_stages_to_modes(C* X, AxisOp axis_op) const;  // from buf_time_
  void time_chunk_to_modes(const T* x, Index s0, Index s1, TimeToModes time_op) const;  // into buf_time_
  void from_modes(const C* X, T* x, AxisOp axis_op, TimeFromModes time_op, Index chunk,
                  const std::function<void(Index s0, Index s1)>& epilogue) const;

  Layout input_;
  std::vector<Index> modes_;
  Layout time_layout_;
  TruncatedRealDFT<T> time_;
  mutable std::vector<C> buf_time_;
  std::vector<Stage> stages_;
};

extern template class TruncatedFFT<float>;
extern template class TruncatedFFT<double>;

}  // namespace fno
