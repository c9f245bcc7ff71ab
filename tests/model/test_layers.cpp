// Layers of the FNO, each on its own: finite-difference gradient checks (double),
// dot-product (adjoint) tests of the linear pieces, GELU values, coordinate channels and
// time padding. Distributed layers run on every process grid of the current rank count.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <memory>
#include <vector>

#include "layers/activation.hpp"
#include "layers/grid_features.hpp"
#include "layers/pointwise_linear.hpp"
#include "layers/spectral_conv.hpp"
#include "fft/tensor_slice.hpp"
#include "test_fields.hpp"

namespace {

using fno::Index;
using fno::Layout;
using fno::test::factorizations;
using fno::test::global_dot;
using fno::test::hash_uniform;

template <class T>
std::vector<T> random_vector(std::size_t n, std::uint64_t seed) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(hash_uniform(seed, i));
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  long double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<long double>(a[i]) * b[i];
  return static_cast<double>(s);
}

std::vector<double> axpy(const std::vector<double>& x, double alpha, const std::vector<double>& v) {
  std::vector<double> r(x);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] += alpha * v[i];
  return r;
}

// ---- GELU --------------------------------------------------------------------------

TEST(Gelu, MatchesKnownValuesAndFiniteDifferences) {
  // GELU(1) = Φ(1), GELU(-1) = -Φ(-1), GELU(2) = 2Φ(2) (exact erf form).
  EXPECT_NEAR(fno::gelu(1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(fno::gelu(-1.0), -0.15865525393145707, 1e-15);
  EXPECT_NEAR(fno::gelu(2.0), 1.9544997361036416, 1e-15);
  const std::vector<double> x = [] {
    std::vector<double> v;
    for (int i = -60; i <= 60; ++i) v.push_back(0.1 * i + 0.013);
    return v;
  }();
  std::vector<double> y(x.size()), dy(x.size(), 1.0), dx(x.size());
  fno::activation_forward(fno::Activation::gelu, static_cast<Index>(x.size()), x.data(), y.data());
  fno::activation_backward(fno::Activation::gelu, static_cast<Index>(x.size()), x.data(), dy.data(), dx.data());
  const double h = 1e-5;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double fd = (fno::gelu(x[i] + h) - fno::gelu(x[i] - h)) / (2 * h);
    EXPECT_NEAR(dx[i], fd, 1e-9) << "x = " << x[i];
    EXPECT_DOUBLE_EQ(y[i], fno::gelu(x[i]));
  }
  std::vector<double> same(x.size());
  fno::activation_forward(fno::Activation::identity, static_cast<Index>(x.size()), x.data(), same.data());
  EXPECT_EQ(same, x);
  fno::activation_backward(fno::Activation::identity, static_cast<Index>(x.size()), x.data(), x.data(), same.data());
  EXPECT_EQ(same, x);
}

// ---- PointwiseLinear -----------------------------------------------------------------

TEST(PointwiseLinear, DotProductAndFiniteDifferences) {
  const Index batch = 3, in = 5, out = 4, points = 37, ld = 41;  // strided rows (ld > points)
  fno::PointwiseLinear<double> layer("probe", in, out);
  ASSERT_EQ(layer.weight().name, "probe.weight");
  ASSERT_EQ(layer.bias().name, "probe.bias");
  ASSERT_EQ(layer.weight().global_shape, (std::vector<Index>{out, in}));
  layer.weight().value = random_vector<double>(static_cast<std::size_t>(out * in), 1);
  layer.bias().value = random_vector<double>(static_cast<std::size_t>(out), 2);
  const std::vector<double> x = random_vector<double>(static_cast<std::size_t>(batch * in * ld), 3);
  const std::vector<double> w = random_vector<double>(static_cast<std::size_t>(batch * out * ld), 4);
  // Entries beyond `points` in each row are padding the layer must neither read nor write.
  auto masked = [&](std::vector<double> v, Index channels) {
    for (Index r = 0; r < batch * channels; ++r)
      for (Index p = points; p < ld; ++p) v[static_cast<std::size_t>(r * ld + p)] = 0;
    return v;
  };
  auto loss = [&](fno::PointwiseLinear<double>& l, const std::vector<double>& input) {
    std::vector<double> y(static_cast<std::size_t>(batch * out * ld), 7.0);
    l.forward(batch, points, input.data(), ld, y.data(), ld);
    return dot(masked(y, out), w);
  };

  // Dot-product test of x -> W x (bias zero): <W x, v> = <x, Wᵀ v>.
  {
    fno::PointwiseLinear<double> linear("linear", in, out);
    linear.weight().value = layer.weight().value;
    std::vector<double> y(static_cast<std::size_t>(batch * out * ld), 0.0);
    linear.forward(batch, points, x.data(), ld, y.data(), ld);
    std::vector<double> xt(static_cast<std::size_t>(batch * in * ld), 0.0);
    linear.backward(batch, points, x.data(), ld, w.data(), ld, xt.data(), ld);
    const double lhs = dot(masked(y, out), w), rhs = dot(masked(x, in), masked(xt, in));
    EXPECT_NEAR(lhs, rhs, 1e-12 * std::abs(lhs));
  }

  // Gradients: directional finite differences in x, W and bias.
  std::vector<double> dx(static_cast<std::size_t>(batch * in * ld), 0.0);
  layer.backward(batch, points, x.data(), ld, w.data(), ld, dx.data(), ld);
  const double h = 1e-6;
  {
    const std::vector<double> v = masked(random_vector<double>(x.size(), 5), in);
    const double fd = (loss(layer, axpy(x, h, v)) - loss(layer, axpy(x, -h, v))) / (2 * h);
    EXPECT_NEAR(fd, dot(masked(dx, in), v), 1e-8 * std::abs(fd));
  }
  for (fno::Parameter<double>* p : {&layer.weight(), &layer.bias()}) {
    const std::vector<double> v = random_vector<double>(p->value.size(), 6);
    const std::vector<double> saved = p->value;
    p->value = axpy(saved, h, v);
    const double up = loss(layer, x);
    p->value = axpy(saved, -h, v);
    const double down = loss(layer, x);
    p->value = saved;
    const double fd = (up - down) / (2 * h);
    EXPECT_NEAR(fd, dot(p->grad, v), 1e-8 * std::abs(fd)) << p->name;
  }

  // accumulate: y += W x + b, dx += Wᵀ dy; gradients accumulate over calls.
  std::vector<double> y1(static_cast<std::size_t>(batch * out * ld), 0.0), y2(y1.size(), 1.5);
  layer.forward(batch, points, x.data(), ld, y1.data(), ld);
  layer.forward(batch, points, x.data(), ld, y2.data(), ld, /*accumulate=*/true);
  for (Index r = 0; r < batch * out; ++r)
    for (Index p = 0; p < points; ++p) {
      const auto i = static_cast<std::size_t>(r * ld + p);
      EXPECT_NEAR(y2[i], y1[i] + 1.5, 1e-14);
    }
  const std::vector<double> grad_once = layer.weight().grad;
  std::vector<double> dx2 = dx;
  layer.backward(batch, points, x.data(), ld, w.data(), ld, dx2.data(), ld, /*accumulate_dx=*/true);
  for (std::size_t i = 0; i < grad_once.size(); ++i) EXPECT_NEAR(layer.weight().grad[i], 2 * grad_once[i], 1e-12);
  for (Index r = 0; r < batch * in; ++r)
    for (Index p = 0; p < points; ++p) {
      const auto i = static_cast<std::size_t>(r * ld + p);
      EXPECT_NEAR(dx2[i], 2 * dx[i], 1e-12);
    }
}

// ---- SpectralConv ---------------------------------------------------------------------

struct SpectralCase {
  std::vector<Index> grid, modes;
  Index batch, in, out;
};

void PrintTo(const SpectralCase& c, std::ostream* os) {
  *os << "grid " << ::testing::PrintToString(c.grid) << " modes " << ::testing::PrintToString(c.modes) << " batch "
      << c.batch << " in " << c.in << " out " << c.out;
}

class SpectralConvTest : public ::testing::TestWithParam<SpectralCase> {};

// Fills the weights from a partition-independent function of the global index.
void fill_weights(fno::Parameter<double>& p, std::uint64_t seed) {
  std::vector<double> global(static_cast<std::size_t>(fno::element_count(p.global_shape)));
  for (std::size_t i = 0; i < global.size(); ++i) global[i] = hash_uniform(seed, i);
  fno::extract_hyperslab(p.global_shape, p.local_start, p.local_shape, global.data(), p.value.data());
}

TEST_P(SpectralConvTest, AdjointAndGradientsOnEveryGrid) {
  const SpectralCase& c = GetParam();
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int space = static_cast<int>(c.grid.size()) - 1;
  for (const std::vector<int>& dims : factorizations(size, space)) {
    SCOPED_TRACE(::testing::Message() << "process grid " << ::testing::PrintToString(dims));
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
    const Layout in_layout = Layout::block(grid, c.grid, c.batch * c.in);
    const Layout out_layout = in_layout.with_lead(c.batch * c.out);
    auto fft_in = std::make_shared<const fno::TruncatedFFT<double>>(in_layout, c.modes);
    auto fft_out = c.in == c.out ? fft_in : std::make_shared<const fno::TruncatedFFT<double>>(out_layout, c.modes);
    fno::SpectralConv<double> conv("layers.7.spectral", c.batch, c.in, c.out, fft_in, fft_out);
    ASSERT_EQ(conv.weights().name, "layers.7.spectral.weights");
    ASSERT_FALSE(conv.weights().replicated);
    std::vector<Index> expected_shape{c.in, c.out};
    for (int a = 0; a + 1 < static_cast<int>(c.grid.size()); ++a) expected_shape.push_back(2 * c.modes[a]);
    expected_shape.push_back(c.modes.back());
    expected_shape.push_back(2);
    ASSERT_EQ(conv.weights().global_shape, expected_shape);
    fill_weights(conv.weights(), 11);

    const std::vector<double> x = fno::test::random_real<double>(in_layout, 12);
    const std::vector<double> w = fno::test::random_real<double>(out_layout, 13);
    auto loss = [&](const std::vector<double>& input) {
      std::vector<double> y(static_cast<std::size_t>(out_layout.local_count()));
      conv.forward(input.data(), y.data());
      return global_dot(y, w, MPI_COMM_WORLD);
    };
    const double l0 = loss(x);
    std::vector<double> dx(static_cast<std::size_t>(in_layout.local_count()));
    conv.backward(w.data(), dx.data());

    // Linear in x: <S x, w> = <x, Sᵀ w>.
    const double rhs = global_dot(x, dx, MPI_COMM_WORLD);
    EXPECT_NEAR(l0, rhs, 1e-12 * std::abs(l0));

    // Gradients by central differences (the loss is bilinear in x and R, so they are exact
    // up to rounding): direction v in x, direction V in R (real and imaginary parts).
    const double h = 1e-4;
    const std::vector<double> v = fno::test::random_real<double>(in_layout, 14);
    const double fd_x = (loss(axpy(x, h, v)) - loss(axpy(x, -h, v))) / (2 * h);
    EXPECT_NEAR(fd_x, global_dot(dx, v, MPI_COMM_WORLD), 1e-9 * std::abs(fd_x));

    fno::Parameter<double>& r = conv.weights();
    std::vector<double> dir(r.value.size());
    {
      std::vector<double> global(static_cast<std::size_t>(fno::element_count(r.global_shape)));
      for (std::size_t i = 0; i < global.size(); ++i) global[i] = hash_uniform(15, i);
      fno::extract_hyperslab(r.global_shape, r.local_start, r.local_shape, global.data(), dir.data());
    }
    const std::vector<double> saved = r.value;
    r.value = axpy(saved, h, dir);
    const double up = loss(x);
    r.value = axpy(saved, -h, dir);
    const double down = loss(x);
    r.value = saved;
    const double fd_r = (up - down) / (2 * h);
    EXPECT_NEAR(fd_r, global_dot(r.grad, dir, MPI_COMM_WORLD), 1e-9 * std::abs(fd_r));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SpectralConvTest,
                         ::testing::Values(SpectralCase{{12, 10, 8}, {3, 2, 3}, 2, 3, 3},
                                           SpectralCase{{9, 8, 7}, {2, 3, 4}, 1, 2, 3},
                                           SpectralCase{{6, 5, 4, 6}, {2, 2, 1, 2}, 2, 2, 2}));

// ---- coordinates and padding -----------------------------------------------------------

TEST(GridFeatures, CoordinatesFollowGlobalIndicesOnEveryGrid) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::vector<Index> extents{7, 5, 4};
  const Index batch = 2, in = 2, d = 3;
  for (const std::vector<int>& dims : factorizations(size, 2)) {
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
    const Layout layout = Layout::block(grid, extents, batch * in);
    const std::vector<double> x = fno::test::random_real<double>(layout, 21);
    const Index points = layout.local_count() / layout.lead();
    std::vector<double> a(static_cast<std::size_t>(batch * (in + d) * points));
    fno::append_coordinates(layout, batch, in, x.data(), a.data());
    for (Index b = 0; b < batch; ++b)
      for (Index i = 0; i < layout.local(0); ++i)
        for (Index j = 0; j < layout.local(1); ++j)
          for (Index t = 0; t < layout.local(2); ++t) {
            const Index p = (i * layout.local(1) + j) * layout.local(2) + t;
            const Index g[3] = {layout.start(0) + i, layout.start(1) + j, t};
            for (Index c = 0; c < in; ++c)
              EXPECT_EQ(a[static_cast<std::size_t>((b * (in + d) + c) * points + p)],
                        x[static_cast<std::size_t>((b * in + c) * points + p)]);
            for (Index axis = 0; axis < d; ++axis)
              EXPECT_DOUBLE_EQ(a[static_cast<std::size_t>((b * (in + d) + in + axis) * points + p)],
                               static_cast<double>(g[axis]) / static_cast<double>(extents[axis] - 1));
          }
    std::vector<double> back(x.size());
    fno::data_channels_of(layout, batch, in, a.data(), back.data());
    EXPECT_EQ(back, x);
  }
  EXPECT_EQ(fno::grid_coordinate(0, 1), 0.0);
}

TEST(GridFeatures, PaddingAndCroppingAreAdjoint) {
  const Index lines = 6, nt = 5, pad = 3;
  const std::vector<double> x = random_vector<double>(static_cast<std::size_t>(lines * nt), 31);
  const std::vector<double> y = random_vector<double>(static_cast<std::size_t>(lines * (nt + pad)), 32);
  std::vector<double> padded(y.size()), cropped(x.size());
  fno::pad_time(lines, nt, pad, x.data(), padded.data());
  fno::crop_time(lines, nt, pad, y.data(), cropped.data());
  EXPECT_NEAR(dot(padded, y), dot(x, cropped), 1e-13);
  for (Index l = 0; l < lines; ++l)
    for (Index t = nt; t < nt + pad; ++t) EXPECT_EQ(padded[static_cast<std::size_t>(l * (nt + pad) + t)], 0.0);
  std::vector<double> round(x.size());
  fno::crop_time(lines, nt, pad, padded.data(), round.data());
  EXPECT_EQ(round, x);
}

}  // namespace
