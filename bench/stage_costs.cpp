#include "stage_costs.hpp"

#include <cmath>

#include "fft/truncated_dft.hpp"

namespace fno::bench {

namespace {
using profile::Stage;
constexpr double gelu_flops = 29, gelu_slope_flops = 50;

struct Sizes {
  double b, w, layers, q, in, out, ci;  // batch, width, layers, projection width, channels (ci = in + d)
  double space, nt, ntp, mt;            // local space points, time extent, padded, time modes
  double hidden, unpadded, time_modes;  // elements: b·w·space·ntp, b·w·space·nt, b·w·space·mt (complex)
  double modes;                         // retained modes of one channel on this rank
  bool padded;
};
}  // namespace

StageCosts model_stage_costs(const Fno<float>& model) {
  const FnoConfig& c = model.config();
  const TruncatedFFT<float>& fft = model.fft();
  Sizes z{};
  z.b = static_cast<double>(model.batch());
  z.w = static_cast<double>(c.width);
  z.layers = c.layers;
  z.q = static_cast<double>(c.proj_width);
  z.in = static_cast<double>(c.in_channels);
  z.out = static_cast<double>(c.out_channels);
  z.ci = static_cast<double>(c.in_channels + c.ndim());
  z.space = static_cast<double>(fft.local_space_points());
  z.nt = static_cast<double>(c.grid.back());
  z.ntp = z.nt + static_cast<double>(c.padding);
  z.mt = static_cast<double>(c.modes.back());
  z.hidden = z.b * z.w * z.space * z.ntp;
  z.unpadded = z.b * z.w * z.space * z.nt;
  z.time_modes = z.b * z.w * z.space * z.mt;
  z.modes = static_cast<double>(fft.mode_layout().local_count()) / (z.b * z.w);
  z.padded = c.padding > 0;
  const double f = sizeof(float), cx = 2 * sizeof(float);
  const double pts = z.b * z.space * z.nt;  // unpadded points of the batch
  const auto shapes = fft.stage_shapes();

  StageCosts k;
  auto add = [&](int phase, Stage s, double bytes, double flops) {
    k.bytes[phase][static_cast<int>(s)] += bytes;
    k.flops[phase][static_cast<int>(s)] += flops;
  };
  // [lines × ntp]·[ntp × 2mt] as a BLAS product; the folded kernel (float, AVX-512) adds the
  // line's halves (ntp flops) and multiplies ntp/2 + 1 pairs by the 2mt-wide table.
  const double lines = z.b * z.w * z.space, pairs = std::floor(z.ntp / 2) + 1;
  const double time_flops = dft_kernels_enabled() ? lines * (z.ntp + 4 * pairs * z.mt) : 4 * lines * z.ntp * z.mt;
  // The space stages one way (forward or an adjoint of the inverse: the same shapes).
  auto space_stages = [&](int phase) {
    for (const auto& s : shapes) {
      if (s.transposed) add(phase, Stage::transpose, 4 * static_cast<double>(s.local) * cx, 0);
      add(phase, Stage::space_dft, (static_cast<double>(s.local) + static_cast<double>(s.after)) * cx,
          8.0 * static_cast<double>(s.outer * s.inner * s.n * s.modes));
    }
  };
  const double weights = z.w * z.w * z.modes;  // complex, one layer

  // ---- forward (Fno::forward with keep_for_backward) ----
  const int F = 0;
  add(F, Stage::lift, 2 * z.b * z.in * z.space * z.nt * f + (z.b * z.ci * z.space * z.nt + z.unpadded) * f,
      (2 * z.w * z.ci + z.w) * pts);
  if (z.padded) add(F, Stage::lift, (z.unpadded + z.hidden) * f, 0);
  for (int l = 0; l < c.layers; ++l) {
    const bool last = l + 1 == c.layers;
    // Time DFT of v_l: layer 0 reads v_0; later layers run it on the epilogue's chunk in cache.
    add(F, Stage::time_dft, (l == 0 ? z.hidden * f : 0) + z.time_modes * cx, time_flops);
    space_stages(F);
    add(F, Stage::spectral_multiply, (2 * z.b * z.w * z.modes + z.b * weights) * cx, 8 * z.b * weights);
    space_stages(F);
    add(F, Stage::time_dft, z.time_modes * cx + z.hidden * f, time_flops);        // writes z_l
    add(F, Stage::pointwise, z.hidden * f, (2 * z.w + 1) * z.hidden);             // reads v_l
    if (!last) add(F, Stage::activation, z.hidden * f, gelu_flops * z.hidden);    // writes v_{l+1}
  }
  if (z.padded) add(F, Stage::projection, (z.hidden + z.unpadded) * f, 0);
  add(F, Stage::projection, (z.unpadded + z.b * z.out * z.space * z.nt) * f,
      (2 * z.q * z.w + z.q + (gelu_flops + 3) * z.q * z.out) * pts);
  k.compulsory_bytes[F] = (z.b * z.in * z.space * z.nt + z.b * z.out * z.space * z.nt) * f +
                          z.layers * (weights + z.b * z.w * z.modes) * cx + (2 * z.layers - 1) * z.hidden * f;

  // ---- backward (Fno::backward, fused form, no input gradient) ----
  // The projection writes dz_{L-1} over z_{L-1} and runs its inverse-adjoint time stage on
  // each chunk in cache; per layer the forward adjoint's time stage writes dv_l, and on each
  // chunk dv_l += Wᵀ dz_l (reads dz_l), v_l and GELU'(z_{l-1}) from z_{l-1} (reads it),
  // dW += dz_l v_lᵀ (in cache), dz_{l-1} = dv_l · GELU' over z_{l-1} (writes it) and its
  // time stage (in cache); layer 0 recomputes v_0 from the features and runs the lift's
  // backward instead.
  const int B = 1;
  add(B, Stage::projection,
      ((z.padded ? 2 * z.hidden : 2 * z.unpadded) + z.b * z.out * z.space * z.nt) * f,
      (6 * z.q * z.w + 4 * z.q * z.out + 3 * z.q + gelu_slope_flops * z.q + z.out) * pts);
  add(B, Stage::time_dft, z.time_modes * cx, time_flops);  // dz_{L-1}'s inverse-adjoint time stage
  for (int l = c.layers - 1; l >= 0; --l) {
    space_stages(B);
    add(B, Stage::spectral_multiply, (4 * z.b * z.w * z.modes + 2 * weights + z.b * weights) * cx,
        16 * z.b * weights);
    space_stages(B);
    add(B, Stage::time_dft, z.time_modes * cx + z.hidden * f, time_flops);  // forward adjoint -> dv_l
    add(B, Stage::pointwise, z.hidden * f, (4 * z.w + 1) * z.hidden);     // dv += Wᵀ dz, dW, dbias
    if (l > 0) {
      add(B, Stage::activation, 2 * z.hidden * f, (gelu_slope_flops + 1) * z.hidden);
      add(B, Stage::time_dft, z.time_modes * cx, time_flops);  // dz_{l-1}'s inverse-adjoint time stage
    } else {
      add(B, Stage::lift, z.b * z.ci * z.space * z.nt * f, (4 * z.ci + 1) * z.w * pts);
    }
  }
  k.compulsory_bytes[B] = z.b * z.out * z.space * z.nt * f + 3 * z.layers * z.hidden * f +
                          z.layers * (3 * weights + z.b * z.w * z.modes) * cx;
  return k;
}

}  // namespace fno::bench
