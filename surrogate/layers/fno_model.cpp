#include "layers/fno_model.hpp"

#include "common/blas.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>

#include "layers/activation.hpp"
#include "common/blas.hpp"
#include "common/error.hpp"
#include "layers/grid_features.hpp"
#include "common/profiling.hpp"
#include "fft/tensor_slice.hpp"

namespace fno {

namespace {

template <class T>
MPI_Datatype mpi_type() {
  return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

Layout grid_layout(const FnoConfig& c, const std::shared_ptr<const ProcessGrid>& grid, Index lead,
                   std::vector<std::vector<Index>> ownership) {
  FNO_CHECK(c.space_dims == 2 || c.space_dims == 3, "space_dims must be 2 or 3, got ", c.space_dims);
  FNO_CHECK(static_cast<int>(c.grid.size()) == c.ndim(), "config has ", c.grid.size(), " grid extents for ",
            c.ndim(), " axes");
  FNO_CHECK(static_cast<int>(c.modes.size()) == c.ndim(), "config has ", c.modes.size(), " mode counts for ",
            c.ndim(), " axes");
  FNO_CHECK(c.width >= 1 && c.layers >= 1 && c.proj_width >= 1 && c.in_channels >= 1 && c.out_channels >= 1 &&
                c.padding >= 0,
            "config needs positive width, layers, projection width and channel counts and padding >= 0");
  if (ownership.empty()) return Layout::block(grid, c.grid, lead);
  // Ownership of the space axes only (what a DMDA gives): time is never split.
  if (static_cast<int>(ownership.size()) == c.space_dims) ownership.emplace_back();
  return Layout::owned(grid, c.grid, lead, std::move(ownership));
}

// Σ x in double with eight partial sums (a bias gradient over a chunk of points).
template <class T>
T sum_of(Index n, const T* x) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Index i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += static_cast<double>(x[i + k]);
  for (; i < n; ++i) part[0] += static_cast<double>(x[i]);
  return static_cast<T>(((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])));
}

// Uniform doubles in [0, 1) from 53 random bits (identical on every platform).
double uniform01(std::mt19937_64& gen) { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }

template <class T>
void fill_uniform(std::mt19937_64& gen, Parameter<T>& p, double low, double high) {
  // Every element of the global tensor is drawn in C order, so the values do not depend on
  // the partition; this rank keeps those inside its hyperslab (in C order as well) without
  // ever holding the global tensor.
  const std::size_t rank = p.global_shape.size();
  const Index total = element_count(p.global_shape);
  std::vector<Index> index(rank, 0);
  Index kept = 0;
  for (Index g = 0; g < total; ++g) {
    const T value = static_cast<T>(low + (high - low) * uniform01(gen));
    bool inside = true;
    for (std::size_t a = 0; a < rank; ++a)
      inside = inside && index[a] >= p.local_start[a] && index[a] < p.local_start[a] + p.local_shape[a];
    if (inside) p.value[static_cast<std::size_t>(kept++)] = value;
    for (std::size_t a = rank; a-- > 0;) {
      if (++index[a] < p.global_shape[a]) break;
      index[a] = 0;
    }
  }
}

}  // namespace

template <class T>
Fno<T>::Fno(const FnoConfig& config, std::shared_ptr<const ProcessGrid> grid, Index batch, std::uint64_t seed,
            std::vector<std::vector<Index>> ownership, bool initialize_parameters)
    : config_(validated_config(config, batch)),  // before any size below is formed
      grid_(std::move(grid)),
      batch_(batch),
      input_layout_(grid_layout(config, grid_, batch * config.in_channels, std::move(ownership))),
      output_layout_(input_layout_.with_lead(batch * config.out_channels)),
      hidden_layout_(input_layout_.with_lead(batch * config.width)
                         .with_extent(config.ndim() - 1, config.grid.back() + config.padding)) {
  FNO_CHECK(batch >= 1, "batch must be positive, got ", batch);
  check_model_memory(config_, hidden_layout_.local_count(), sizeof(T));  // before anything large is allocated
  fft_ = std::make_shared<const TruncatedFFT<T>>(hidden_layout_, config.modes);

  // The parameter list in golden order; the layers then bind to its entries.
  auto append = [&](std::vector<Parameter<T>> more) {
    for (auto& p : more) params_.push_back(std::move(p));
  };
  append(PointwiseLinear<T>::make_parameters("lift", config.in_channels + config.ndim(), config.width));
  for (int l = 0; l < config.layers; ++l) {
    const std::string prefix = "layers." + std::to_string(l);
    params_.push_back(SpectralConv<T>::make_weights(prefix + ".spectral", config.width, config.width,
                                                    fft_->mode_layout().with_lead(config.width)));
    append(PointwiseLinear<T>::make_parameters(prefix + ".pointwise", config.width, config.width));
  }
  append(PointwiseLinear<T>::make_parameters("proj.fc1", config.width, config.proj_width));
  append(PointwiseLinear<T>::make_parameters("proj.fc2", config.proj_width, config.out_channels));

  linear_.reserve(3);
  linear_.emplace_back(params_[0], params_[1]);
  spectral_.reserve(static_cast<std::size_t>(config.layers));
  pointwise_.reserve(static_cast<std::size_t>(config.layers));
  std::size_t at = 2;
  for (int l = 0; l < config.layers; ++l, at += 3) {
    spectral_.emplace_back(params_[at], batch, fft_, fft_);
    if (l > 0) spectral_.back().share_scratch(spectral_.front());
    pointwise_.emplace_back(params_[at + 1], params_[at + 2]);
  }
  linear_.emplace_back(params_[at], params_[at + 1]);
  linear_.emplace_back(params_[at + 2], params_[at + 3]);
  lift_ = &linear_[0];
  fc1_ = &linear_[1];
  fc2_ = &linear_[2];
  if (initialize_parameters) initialize(seed);
}

template <class T>
void Fno<T>::initialize(std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  auto linear = [&](PointwiseLinear<T>& layer) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer.in_channels()));
    fill_uniform(gen, layer.weight(), -bound, bound);
    fill_uniform(gen, layer.bias(), -bound, bound);
  };
  linear(*lift_);
  for (int l = 0; l < config_.layers; ++l) {
    SpectralConv<T>& s = spectral_[static_cast<std::size_t>(l)];
    fill_uniform(gen, s.weights(), 0.0, 1.0 / static_cast<double>(s.in_channels() * s.out_channels()));
    linear(pointwise_[static_cast<std::size_t>(l)]);
  }
  linear(*fc1_);
  linear(*fc2_);
  zero_grad();
}

template <class T>
void Fno<T>::zero_grad() {
  for (Parameter<T>& p : params_) std::fill(p.grad.begin(), p.grad.end(), T(0));
}

template <class T>
void Fno<T>::lift_forward(const T* input, T* v) {
  const Index b = batch_, width = config_.width, nt = config_.grid.back(), pad = config_.padding;
  const Index points = grid_points(), channels = config_.in_channels + config_.ndim();
  const auto hidden_size = static_cast<std::size_t>(b * width * padded_points());
  profile::Scope lift_scope(profile::Stage::lift);
  if (features_.empty()) {  // the coordinate channels never change: filled once
    features_.resize(static_cast<std::size_t>(b * channels * points));
    append_coordinates(input_layout_, b, config_.in_channels, input, features_.data());
  } else {
    for (Index n = 0; n < b; ++n)
      std::copy(input + n * config_.in_channels * points, input + (n + 1) * config_.in_channels * points,
                features_.data() + n * channels * points);
  }
  if (pad > 0) {
    // The unpadded lift goes through z_0's storage, which the first layer then overwrites.
    std::vector<T>& unpadded = hidden_.empty() ? hidden_.emplace_back() : hidden_.front();
    unpadded.resize(hidden_size);
    lift_->forward(b, points, features_.data(), points, unpadded.data(), points);
    pad_time(b * width * points / nt, nt, pad, unpadded.data(), v);
  } else {
    lift_->forward(b, points, features_.data(), points, v, points);
  }
}

template <class T>
void Fno<T>::projection_forward(const T* z_last, T* output) {
  const Index b = batch_, width = config_.width, nt = config_.grid.back(), pad = config_.padding;
  const Index points = grid_points();
  profile::Scope projection_scope(profile::Stage::projection);
  const T* u = z_last;
  if (pad > 0) {
    crop_time(b * width * points / nt, nt, pad, u, scratch_.data());
    u = scratch_.data();
  }
  const Index chunk = std::min<Index>(points, projection_chunk);
  proj_hidden_.resize(static_cast<std::size_t>(config_.proj_width * chunk));
  T* h = proj_hidden_.data();
  const T* w1 = fc1_->weight().value.data();
  const T* b1 = fc1_->bias().value.data();
  const T* w2 = fc2_->weight().value.data();
  const T* b2 = fc2_->bias().value.data();
  for (Index n = 0; n < b; ++n)
    for (Index p0 = 0; p0 < points; p0 += chunk) {
      const Index count = std::min(chunk, points - p0);
      // h = W1 u (bias folded into the activation), then y = b2 + W2 GELU(h + b1) row by
      // row of h, so the proj_width-channel activation is never written.
      linear_points(config_.proj_width, width, w1, width, Index{1}, static_cast<const T*>(nullptr),
                    u + n * width * points + p0, points, h, count, count, false);
      for (Index o = 0; o < config_.out_channels; ++o) {
        T* y = output + (n * config_.out_channels + o) * points + p0;
        std::fill(y, y + count, b2[o]);
        for (Index k = 0; k < config_.proj_width; ++k)
          gelu_weighted_accumulate(count, h + k * count, b1[k], w2[o * config_.proj_width + k], y);
      }
    }
}

template <class T>
void Fno<T>::forward(const T* input, T* output, bool keep_for_backward) {
  const Index b = batch_, width = config_.width, nt = config_.grid.back(), pad = config_.padding;
  const Index padded = padded_points();
  const auto hidden_size = static_cast<std::size_t>(b * width * padded);
  profile::Scope forward_scope(profile::Stage::forward);
  scratch_.resize(hidden_size);  // v_l, then the cropped u
  T* v = scratch_.data();
  lift_forward(input, v);

  // Fourier blocks: z_l = SpectralConv(v_l) + W v_l + bias. Inference keeps only z_{l-1}
  // and z_l (alternating between two buffers).
  const int stored = keep_for_backward ? config_.layers : std::min(config_.layers, 2);
  if (static_cast<int>(hidden_.size()) < stored) hidden_.resize(static_cast<std::size_t>(stored));
  auto z_of = [&](int l) -> std::vector<T>& { return hidden_[static_cast<std::size_t>(l % stored)]; };
  const Index nt_padded = nt + pad;
  const Index fused_points = std::max<Index>(1, fused_chunk_points_ / nt_padded);
  const bool fused = fused_ && fft_->has_space_stages();
  for (int l = 0; l < config_.layers; ++l) {
    std::vector<T>& z = z_of(l);
    z.resize(hidden_size);
    const bool last = l + 1 == config_.layers;
    const PointwiseLinear<T>& w = pointwise_[static_cast<std::size_t>(l)];
    SpectralConv<T>& spectral = spectral_[static_cast<std::size_t>(l)];
    if (!fused) {  // the plain form: one pass per operation
      spectral.forward(v, z.data());
      {
        profile::Scope scope(profile::Stage::pointwise);
        w.forward(b, padded, v, padded, z.data(), padded, /*accumulate=*/true);
      }
      if (!last) {
        profile::Scope scope(profile::Stage::activation);
        activation_forward(Activation::gelu, static_cast<Index>(hidden_size), z.data(), v);
      }
      continue;
    }
    // Each layer's W v + bias and the next layer's input GELU(z) are fused into the inverse
    // transform's time stage, chunk by chunk of space points while the chunk is in cache.
    // v_{l+1} replaces v_l in place: the forward transform has consumed all of v_l before
    // the inverse starts, and a chunk of v_l is overwritten only after W v_l used it.
    auto epilogue = [&](Index s0, Index s1) {
      const Index p0 = s0 * nt_padded, count = (s1 - s0) * nt_padded;
      {
        profile::Scope scope(profile::Stage::pointwise);
        w.forward(b, count, v + p0, padded, z.data() + p0, padded, /*accumulate=*/true);
      }
      if (last) return;
      {
        profile::Scope scope(profile::Stage::activation);
        for (Index row = 0; row < b * width; ++row)
          activation_forward(Activation::gelu, count, z.data() + row * padded + p0, v + row * padded + p0);
      }
      // The next layer's time stage on this chunk of v_{l+1}, into the shared plan's
      // time-mode rows this inverse has just consumed.
      fft_->forward_time_chunk(v, s0, s1);
    };
    if (l == 0)
      spectral.forward(v, z.data(), fused_points, epilogue);
    else
      spectral.forward_from_time(z.data(), fused_points, epilogue);
  }
  projection_forward(z_of(config_.layers - 1).data(), output);
  have_forward_ = keep_for_backward;
}

template <class T>
void Fno<T>::backward(const T* d_output, T* d_input) {
  FNO_CHECK(have_forward_, "backward needs a forward first (each backward consumes the saved activations)");
  have_forward_ = false;
  profile::Scope backward_scope(profile::Stage::backward);

  // This backward's replicated gradients are accumulated from zero, reduced, then added
  // to what the parameters held before.
  std::vector<T> earlier;
  for (Parameter<T>* p : parameter_pointers())
    if (p->replicated || data_parallel_ != MPI_COMM_NULL) {
      earlier.insert(earlier.end(), p->grad.begin(), p->grad.end());
      std::fill(p->grad.begin(), p->grad.end(), T(0));
    }
  if (fused_ && fft_->has_space_stages())
    backward_fused(d_output, d_input);
  else
    backward_plain(d_output, d_input);
  reduce_gradients(earlier);
}

// The fused backward: every hidden-size gradient is made and consumed chunk by chunk inside
// the forward adjoint's time stage. Per layer l (top down), with dz_l held in z_l's storage
// and its inverse-adjoint time stage already in the plan's time-mode buffer:
//   spectral backward of layer l, whose forward-adjoint time stage writes dv_l (the work
//   buffer) a chunk at a time; then, on that chunk while in cache:
//     dv_l += W_lᵀ dz_l;  v_l = GELU(z_{l-1}), s = GELU'(z_{l-1}) (or v_0 = pad_t(P a));
//     dW_l += dz_l v_lᵀ, dbias_l += Σ dz_l;
//     dz_{l-1} = dv_l · s written over z_{l-1}, and its inverse-adjoint time stage into the
//     time-mode rows this chunk has just consumed (or, for l = 0, the lift's backward).
// The projection's backward writes dz_{L-1} over z_{L-1} the same way. Memory traffic per
// layer: read dz_l and z_{l-1}, write dz_{l-1} and dv_l.
template <class T>
void Fno<T>::backward_fused(const T* d_output, T* d_input) {
  const Index b = batch_, width = config_.width, nt = config_.grid.back(), pad = config_.padding;
  const Index points = grid_points(), padded = padded_points(), ntp = nt + pad;
  const Index channels = config_.in_channels + config_.ndim(), q = config_.proj_width, out = config_.out_channels;
  const Index space = points / nt;
  const Index fused_points = std::max<Index>(1, fused_chunk_points_ / ntp);  // space points per chunk
  const Index chunk_max = std::min(space, fused_points);
  scratch_.resize(static_cast<std::size_t>(b * width * padded));
  T* dv = scratch_.data();
  // Chunk buffers: v_l and GELU'(z_{l-1}) of one batch entry; the projection's compact u/du,
  // h, g, dg; the lift's cropped gradient.
  chunk_v_.resize(static_cast<std::size_t>(width * chunk_max * ntp));
  chunk_s_.resize(chunk_v_.size());
  chunk_u_.resize(static_cast<std::size_t>(std::max(width, channels) * chunk_max * nt));
  const Index proj_points = std::min<Index>(chunk_max * nt, projection_chunk);
  proj_hidden_.resize(static_cast<std::size_t>(2 * q * proj_points));
  T* h = proj_hidden_.data();
  T* dg = h + q * proj_points;

  // Projection backward (its hidden layer recomputed) into dz_{L-1} over z_{L-1}.
  {
    profile::Scope projection_scope(profile::Stage::projection);
    T* z = hidden_[static_cast<std::size_t>(config_.layers - 1)].data();
    for (Index s0 = 0; s0 < space; s0 += fused_points) {
      const Index s1 = std::min(space, s0 + fused_points), cnt = (s1 - s0) * nt;
      for (Index n = 0; n < b; ++n) {
        T* zn = z + n * width * padded;
        // u of this chunk: in place when unpadded, else gathered from the padded lines.
        T* u = zn + s0 * nt;
        Index ldu = padded;
        if (pad > 0) {
          u = chunk_u_.data();
          ldu = cnt;
          for (Index c = 0; c < width; ++c)
            for (Index s = s0; s < s1; ++s)
              std::copy(zn + c * padded + s * ntp, zn + c * padded + s * ntp + nt, u + c * cnt + (s - s0) * nt);
        }
        for (Index p0 = 0; p0 < cnt; p0 += proj_points) {
          const Index count = std::min(proj_points, cnt - p0);
          const T* dy = d_output + n * out * points + s0 * nt + p0;
          fc1_->forward(1, count, u + p0, ldu, h, count);  // h = W1 u + b1
          // Row by row of h: GELU and its slope, dW2 += dy GELU(h)ᵀ, dg = GELU'(h) · W2ᵀ dy.
          for (Index k = 0; k < q; ++k)
            gelu_projection_backward(count, h + k * count, out, dy, points, fc2_->weight().value.data() + k, q,
                                     fc2_->weight().grad.data() + k, dg + k * count);
          for (Index o = 0; o < out; ++o) fc2_->bias().grad[static_cast<std::size_t>(o)] += sum_of(count, dy + o * points);
          fc1_->backward(1, count, u + p0, ldu, dg, count, u + p0, ldu);  // du over u (after dW1 used u)
        }
        if (pad > 0)
          for (Index c = 0; c < width; ++c)
            for (Index s = s0; s < s1; ++s) {
              T* line = zn + c * padded + s * ntp;
              std::copy(u + c * cnt + (s - s0) * nt, u + c * cnt + (s - s0 + 1) * nt, line);
              std::fill(line + nt, line + ntp, T(0));
            }
      }
      fft_->inverse_adjoint_time_chunk(z, s0, s1);
    }
  }

  for (int l = config_.layers - 1; l >= 0; --l) {
    const auto ul = static_cast<std::size_t>(l);
    T* dz = hidden_[ul].data();
    T* below = l > 0 ? hidden_[ul - 1].data() : nullptr;  // z_{l-1}, becoming dz_{l-1}
    PointwiseLinear<T>& w = pointwise_[ul];
    auto epilogue = [&](Index s0, Index s1) {
      const Index p0 = s0 * ntp, cnt = (s1 - s0) * ntp, cntu = (s1 - s0) * nt;
      for (Index n = 0; n < b; ++n) {
        const Index at = n * width * padded + p0;
        T* v = chunk_v_.data();
        {
          profile::Scope scope(profile::Stage::pointwise);
          w.backward_input(1, cnt, dz + at, padded, dv + at, padded, /*accumulate_dx=*/true);
        }
        if (l > 0) {
          profile::Scope scope(profile::Stage::activation);
          for (Index c = 0; c < width; ++c)
            gelu_with_derivative(cnt, below + at + c * padded, v + c * cnt, chunk_s_.data() + c * cnt);
        } else {
          profile::Scope scope(profile::Stage::lift);
          const T* a = features_.data() + n * channels * points + s0 * nt;
          if (pad > 0) {
            lift_->forward(1, cntu, a, points, chunk_u_.data(), cntu);
            pad_time(width * (s1 - s0), nt, pad, chunk_u_.data(), v);
          } else {
            lift_->forward(1, cnt, a, points, v, cnt);
          }
        }
        {
          profile::Scope scope(profile::Stage::pointwise);
          w.accumulate_gradients(1, cnt, v, cnt, dz + at, padded);
        }
        if (l > 0) {
          profile::Scope scope(profile::Stage::activation);
          for (Index c = 0; c < width; ++c) {
            T* dst = below + at + c * padded;
            const T* src = dv + at + c * padded;
            const T* slope = chunk_s_.data() + c * cnt;
            for (Index i = 0; i < cnt; ++i) dst[i] = src[i] * slope[i];
          }
        } else {
          profile::Scope scope(profile::Stage::lift);
          const T* dl = dv + at;
          Index ldl = padded;
          if (pad > 0) {
            T* cropped = chunk_u_.data();
            for (Index c = 0; c < width; ++c)
              for (Index s = 0; s < s1 - s0; ++s)
                std::copy(dl + c * padded + s * ntp, dl + c * padded + s * ntp + nt, cropped + c * cntu + s * nt);
            dl = cropped;
            ldl = cntu;
          }
          const T* a = features_.data() + n * channels * points + s0 * nt;
          lift_->accumulate_gradients(1, cntu, a, points, dl, ldl);
          if (d_input)  // the data channels of Pᵀ dl (the coordinate channels are constants)
            linear_points(config_.in_channels, width, lift_->weight().value.data(), Index{1}, channels,
                          static_cast<const T*>(nullptr), dl, ldl, d_input + n * config_.in_channels * points + s0 * nt,
                          points, cntu, false);
        }
      }
      if (l > 0) fft_->inverse_adjoint_time_chunk(below, s0, s1);
    };
    spectral_[ul].backward_from_time(dv, fused_points, epilogue);
  }
}

// The plain backward: one pass per operation (the reference the fused form is tested against).
template <class T>
void Fno<T>::backward_plain(const T* d_output, T* d_input) {
  const Index b = batch_, width = config_.width, nt = config_.grid.back(), pad = config_.padding;
  const Index points = grid_points(), padded = padded_points();
  const Index channels = config_.in_channels + config_.ndim();
  const auto hidden_size = static_cast<std::size_t>(b * width * padded);
  const std::vector<T>& last = hidden_[static_cast<std::size_t>(config_.layers - 1)];
  scratch_.resize(hidden_size);

  // Two hidden-size buffers carry the gradients: the work buffer and z_{L-1}'s storage,
  // which is free once the projection's backward below has read u = crop(z_{L-1}).
  T* dv = scratch_.data();                                                 // gradient flowing backwards
  T* dv_next = hidden_[static_cast<std::size_t>(config_.layers - 1)].data();  // the next one / scratch

  // Projection backward (recomputing its hidden layer chunk by chunk): du.
  const T* u = last.data();
  T* du = dv;
  if (pad > 0) {  // u = crop(z_{L-1}) in dv (free until du is padded into it), du in dv_next
    crop_time(b * width * points / nt, nt, pad, last.data(), dv);
    u = dv;
    du = dv_next;
  }
  std::optional<profile::Scope> projection_scope(std::in_place, profile::Stage::projection);
  const Index chunk = std::min<Index>(points, projection_chunk);
  const auto chunk_size = static_cast<std::size_t>(config_.proj_width * chunk);
  proj_hidden_.resize(3 * chunk_size);
  T* h = proj_hidden_.data();
  T* g = h + chunk_size;
  T* dg = g + chunk_size;
  for (Index n = 0; n < b; ++n)
    for (Index p0 = 0; p0 < points; p0 += chunk) {
      const Index count = std::min(chunk, points - p0);
      const T* u_chunk = u + n * width * points + p0;
      fc1_->forward(1, count, u_chunk, points, h, count);
      gelu_with_derivative(config_.proj_width * count, h, g, h);  // h <- GELU'(h)
      fc2_->backward(1, count, g, count, d_output + n * config_.out_channels * points + p0, points, dg, count);
      for (Index i = 0; i < config_.proj_width * count; ++i) dg[i] *= h[i];
      fc1_->backward(1, count, u_chunk, points, dg, count, du + n * width * points + p0, points);
    }
  if (pad > 0) pad_time(b * width * points / nt, nt, pad, du, dv);
  projection_scope.reset();

  // Fourier blocks backward: dv_L -> dv_0. The pointwise weight gradient needs v_l, which
  // is recomputed in chunks of whole time lines (v_l = GELU(z_{l-1}), v_0 = pad_t(P a)).
  const Index line = nt + pad;                 // padded points per time line
  const Index lines = points / nt;             // time lines per channel and batch entry
  const Index lines_per_chunk = std::max<Index>(1, projection_chunk / line);
  const Index chunk_lines_max = std::min(lines, lines_per_chunk);
  std::vector<T> v_chunk(static_cast<std::size_t>(width * chunk_lines_max * line));
  std::vector<T> lifted_chunk(pad > 0 ? static_cast<std::size_t>(width * chunk_lines_max * nt) : 0);
  for (int l = config_.layers - 1; l >= 0; --l) {
    const auto ul = static_cast<std::size_t>(l);
    if (l < config_.layers - 1) {  // dz_l = dv_{l+1} · GELU'(z_l), the slope left in hidden_[l] below
      profile::Scope scope(profile::Stage::activation);
      const T* slope = hidden_[ul].data();
      for (std::size_t i = 0; i < hidden_size; ++i) dv[i] *= slope[i];
    }
    std::optional<profile::Scope> pointwise_scope(std::in_place, profile::Stage::pointwise);
    for (Index n = 0; n < b; ++n)
      for (Index l0 = 0; l0 < lines; l0 += lines_per_chunk) {
        const Index count_lines = std::min(lines_per_chunk, lines - l0);
        const Index count = count_lines * line;  // padded points in this chunk
        const Index p0 = l0 * line;
        if (l > 0) {  // v_l = GELU(z_{l-1}); z_{l-1} is replaced by GELU'(z_{l-1}) for the next step
          T* z = hidden_[ul - 1].data() + n * width * padded + p0;
          for (Index c = 0; c < width; ++c)
            gelu_with_derivative(count, z + c * padded, v_chunk.data() + c * count, z + c * padded);
        } else if (pad > 0) {
          lift_->forward(1, count_lines * nt, features_.data() + n * channels * points + l0 * nt, points,
                         lifted_chunk.data(), count_lines * nt);
          pad_time(width * count_lines, nt, pad, lifted_chunk.data(), v_chunk.data());
        } else {
          lift_->forward(1, count, features_.data() + n * channels * points + p0, points, v_chunk.data(), count);
        }
        pointwise_[ul].accumulate_gradients(1, count, v_chunk.data(), count, dv + n * width * padded + p0, padded);
      }
    pointwise_scope.reset();
    spectral_[ul].backward(dv, dv_next);
    {
      profile::Scope scope(profile::Stage::pointwise);
      pointwise_[ul].backward_input(b, padded, dv, padded, dv_next, padded, /*accumulate_dx=*/true);
    }
    std::swap(dv, dv_next);
  }

  // Lifting backward.
  profile::Scope lift_scope(profile::Stage::lift);
  const T* dl = dv;
  if (pad > 0) {
    crop_time(b * width * points / nt, nt, pad, dv, dv_next);
    dl = dv_next;
  }
  if (d_input) {
    grad_features_.resize(static_cast<std::size_t>(b * channels * points));
    lift_->backward(b, points, features_.data(), points, dl, points, grad_features_.data(), points);
    data_channels_of(input_layout_, b, config_.in_channels, grad_features_.data(), d_input);
  } else {
    lift_->backward(b, points, features_.data(), points, dl, points, nullptr, points);
  }

}


template <class T>
void Fno<T>::reduce_gradients(std::vector<T>& earlier) {
  std::vector<Parameter<T>*> params = parameter_pointers();
  // Replicated parameters: sum the partial gradients of the spatial partition.
  if (grid_->size() > 1) {
    std::vector<T> packed;
    for (Parameter<T>* p : params)
      if (p->replicated) packed.insert(packed.end(), p->grad.begin(), p->grad.end());
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, packed.data(), static_cast<int>(packed.size()), mpi_type<T>(), MPI_SUM,
                          grid_->comm()));
    std::size_t at = 0;
    for (Parameter<T>* p : params)
      if (p->replicated) {
        std::copy(packed.begin() + static_cast<std::ptrdiff_t>(at),
                  packed.begin() + static_cast<std::ptrdiff_t>(at + p->grad.size()), p->grad.begin());
        at += p->grad.size();
      }
  }
  // Data parallelism: sum every gradient over the replicas of the model.
  if (data_parallel_ != MPI_COMM_NULL)
    for (Parameter<T>* p : params)
      FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, p->grad.data(), static_cast<int>(p->grad.size()), mpi_type<T>(), MPI_SUM,
                            data_parallel_));
  std::size_t at = 0;
  for (Parameter<T>* p : params)
    if (p->replicated || data_parallel_ != MPI_COMM_NULL) {
      for (std::size_t i = 0; i < p->grad.size(); ++i) p->grad[i] += earlier[at + i];
      at += p->grad.size();
    }
}

template class Fno<float>;
template class Fno<double>;

}  // namespace fno
