// TruncatedFFT against the serial full FFT (FFTW) restricted to the retained modes, its
// inverse on band-limited input, and dot-product tests of every linear piece, on every
// process grid of the communicator (uneven blocks). Tolerances: double <= 1e-12
// relative, float <= 1e-5 relative (max abs error / max abs reference).
#include <fftw3.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <memory>

#include "fft/truncated_dft.hpp"
#include "fft/truncated_fft.hpp"
#include "test_fields.hpp"

using namespace fno;

namespace {

struct Case {
  std::vector<Index> shape;
  std::vector<Index> modes;
  Index lead;
};

const Case kCase2D{{37, 29, 11}, {5, 4, 3}, 3};
const Case kCase3D{{17, 13, 9, 7}, {3, 2, 2, 3}, 2};
// Largest modes each axis allows (2m = n on even axes, time Nyquist kept).
const Case kCaseFull{{12, 10, 8}, {6, 5, 5}, 2};
// One space axis (1D+t, [lead][n_x][n_t], x split over every rank): the split of x moves
// onto the time-mode axis, the only other one (3 time modes: a rank of 4 holds none).
const Case kCase1D{{37, 11}, {5, 3}, 3};
const Case kCase1DFull{{12, 8}, {6, 5}, 2};

// The full serial spectrum of the whole global tensor, computed with FFTW on every rank:
// [lead][n_0]...[n_{d-2}][n_t/2+1].
std::vector<std::complex<double>> full_spectrum(const Case& c, const std::vector<double>& global) {
  const int d = static_cast<int>(c.shape.size());
  std::vector<int> n(c.shape.begin(), c.shape.end());
  Index real_per = 1, cplx_per = 1;
  for (int a = 0; a < d; ++a) {
    real_per *= c.shape[a];
    cplx_per *= a + 1 == d ? c.shape[a] / 2 + 1 : c.shape[a];
  }
  std::vector<double> in(global);
  std::vector<std::complex<double>> out(static_cast<std::size_t>(cplx_per * c.lead));
  fftw_plan p = fftw_plan_many_dft_r2c(d, n.data(), static_cast<int>(c.lead), in.data(), nullptr, 1,
                                       static_cast<int>(real_per), reinterpret_cast<fftw_complex*>(out.data()),
                                       nullptr, 1, static_cast<int>(cplx_per), FFTW_ESTIMATE);
  fftw_execute(p);
  fftw_destroy_plan(p);
  return out;
}

template <class T>
double tolerance() {
  return std::is_same_v<T, double> ? 1e-12 : 1e-5;
}

// One process grid per factorization of the communicator over the space axes of the case
// (time is never split): every grid a DMDA of this rank count could use.
std::vector<std::shared_ptr<ProcessGrid>> case_grids(const Case& c) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  std::vector<std::shared_ptr<ProcessGrid>> grids;
  for (auto dims : test::factorizations(np, static_cast<int>(c.shape.size()) - 1)) {
    dims.push_back(1);
    grids.push_back(std::make_shared<ProcessGrid>(MPI_COMM_WORLD, dims));
  }
  return grids;
}

// Block layout of the case on the process grid; with zero_first, the first process along
// axis 0 owns no points (explicit ownership, as a DMDA given lx with a 0 would).
Layout case_layout(std::shared_ptr<ProcessGrid> grid, const Case& c, bool zero_first) {
  if (!zero_first || grid->dim(0) < 2) return Layout::block(grid, c.shape, c.lead);
  std::vector<std::vector<Index>> own(c.shape.size());
  own[0] = dmda_parts(c.shape[0], grid->dim(0) - 1);
  own[0].insert(own[0].begin(), 0);
  return Layout::owned(grid, c.shape, c.lead, own);
}

template <class T>
void check_against_fftw(const Case& c, bool zero_first = false) {
  const int d = static_cast<int>(c.shape.size());
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const auto& grid : case_grids(c)) {
    Layout in = case_layout(grid, c, zero_first);
    SCOPED_TRACE("input " + in.describe());
    TruncatedFFT<T> fft(in, c.modes);
    const Layout& ml = fft.mode_layout();
    SCOPED_TRACE("modes " + ml.describe());
    // Global input known on every rank (same hash), local slice fed to the plan.
    Layout whole = Layout::block(std::make_shared<ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1}), c.shape, c.lead);
    auto global = test::random_real<double>(whole, seed);
    auto spec = full_spectrum(c, global);
    std::vector<T> x(in.local_count());
    test::for_each_local(in, [&](Index o, std::uint64_t g) { x[o] = static_cast<T>(global[g]); });
    std::vector<std::complex<T>> X(ml.local_count());
    fft.forward(x.data(), X.data());
    // Compare with the full spectrum at the retained frequencies.
    double err = 0, ref = 0;
    Index compared = 0;
    const Index nt_half = c.shape[d - 1] / 2 + 1;
    test::for_each_local(ml, [&](Index o, std::uint64_t g) {
      std::vector<Index> r(d);
      for (int a = d - 1; a >= 0; --a) {
        r[a] = static_cast<Index>(g % ml.global(a));
        g /= ml.global(a);
      }
      Index s = static_cast<Index>(g);  // lead index
      for (int a = 0; a < d; ++a) {
        Index k = fft.frequency(a, r[a]);
        if (k < 0) k += c.shape[a];
        s = s * (a + 1 == d ? nt_half : c.shape[a]) + k;
      }
      err = std::max(err, std::abs(std::complex<double>(X[o]) - spec[s]));
      ++compared;
    });
    Index total = 0, expected = ml.lead();
    for (int a = 0; a < d; ++a) expected *= ml.global(a);
    MPI_Allreduce(&compared, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(total, expected) << "every retained mode is compared exactly once";
    for (const auto& v : spec) ref = std::max(ref, std::abs(v));
    err = test::global_max(err, MPI_COMM_WORLD);
    EXPECT_LE(err / ref, tolerance<T>());
  }
}

template <class T>
void check_band_limited_round_trip(const Case& c, bool zero_first = false) {
  const int d = static_cast<int>(c.shape.size());
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const auto& grid : case_grids(c)) {
    Layout in = case_layout(grid, c, zero_first);
    SCOPED_TRACE("input " + in.describe());
    TruncatedFFT<T> fft(in, c.modes);
    const Layout& ml = fft.mode_layout();
    // A band-limited real field: random spectrum on frequencies whose mirror images are
    // retained too (|k| < m along space axes, no time Nyquist), synthesised by inverse().
    auto X = test::random_complex<T>(ml, seed);
    test::for_each_local(ml, [&](Index o, std::uint64_t g) {
      for (int a = d - 1; a >= 0; --a) {
        const Index r = static_cast<Index>(g % ml.global(a));
        g /= ml.global(a);
        const Index k = fft.frequency(a, r);
        const bool unsafe = a + 1 == d ? 2 * k == c.shape[a] : k == -c.modes[a];
        if (unsafe) X[o] = 0;
      }
    });
    std::vector<T> y(in.local_count()), y2(in.local_count());
    fft.inverse(X.data(), y.data());
    std::vector<std::complex<T>> Y(ml.local_count());
    fft.forward(y.data(), Y.data());
    fft.inverse(Y.data(), y2.data());
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      err = std::max(err, static_cast<double>(std::abs(y2[i] - y[i])));
      ref = std::max(ref, static_cast<double>(std::abs(y[i])));
    }
    err = test::global_max(err, MPI_COMM_WORLD);
    ref = test::global_max(ref, MPI_COMM_WORLD);
    ASSERT_GT(ref, 0.0);
    EXPECT_LE(err / ref, tolerance<T>());
  }
}

void expect_adjoint(double lhs, double rhs) {
  EXPECT_LE(std::abs(lhs - rhs), 1e-12 * std::max(std::abs(lhs), std::abs(rhs))) << lhs << " vs " << rhs;
}

void check_adjoints(const Case& c) {
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const auto& grid : case_grids(c)) {
    Layout in = Layout::block(grid, c.shape, c.lead);
    SCOPED_TRACE("input " + in.describe());
    TruncatedFFT<double> fft(in, c.modes);
    const Layout& ml = fft.mode_layout();
    auto x = test::random_real<double>(in, seed);
    auto Y = test::random_complex<double>(ml, seed + 7);
    std::vector<std::complex<double>> Fx(ml.local_count()), Iadj(ml.local_count());
    std::vector<double> FadjY(in.local_count()), IY(in.local_count());
    fft.forward(x.data(), Fx.data());
    fft.forward_adjoint(Y.data(), FadjY.data());
    expect_adjoint(test::global_dot(Fx, Y, MPI_COMM_WORLD), test::global_dot(x, FadjY, MPI_COMM_WORLD));
    fft.inverse(Y.data(), IY.data());
    fft.inverse_adjoint(x.data(), Iadj.data());
    expect_adjoint(test::global_dot(IY, x, MPI_COMM_WORLD), test::global_dot(Y, Iadj, MPI_COMM_WORLD));
  }
}

}  // namespace

TEST(TruncatedFFT, MatchesFftwDouble2D) { check_against_fftw<double>(kCase2D); }
TEST(TruncatedFFT, MatchesFftwDouble3D) { check_against_fftw<double>(kCase3D); }
TEST(TruncatedFFT, MatchesFftwDoubleAllModes) { check_against_fftw<double>(kCaseFull); }
TEST(TruncatedFFT, MatchesFftwDouble1D) { check_against_fftw<double>(kCase1D); }
TEST(TruncatedFFT, MatchesFftwDouble1DAllModes) { check_against_fftw<double>(kCase1DFull); }
TEST(TruncatedFFT, MatchesFftwFloat1D) { check_against_fftw<float>(kCase1D); }
TEST(TruncatedFFT, MatchesFftwFloat2D) { check_against_fftw<float>(kCase2D); }
TEST(TruncatedFFT, MatchesFftwFloat3D) { check_against_fftw<float>(kCase3D); }
TEST(TruncatedFFT, InverseReproducesBandLimitedDouble1D) { check_band_limited_round_trip<double>(kCase1D); }
TEST(TruncatedFFT, InverseReproducesBandLimitedFloat1D) { check_band_limited_round_trip<float>(kCase1D); }
TEST(TruncatedFFT, InverseReproducesBandLimitedDouble2D) { check_band_limited_round_trip<double>(kCase2D); }
TEST(TruncatedFFT, InverseReproducesBandLimitedDouble3D) { check_band_limited_round_trip<double>(kCase3D); }
TEST(TruncatedFFT, InverseReproducesBandLimitedFloat3D) { check_band_limited_round_trip<float>(kCase3D); }
// The inverse with a fused epilogue, in chunks of 4 space points (uneven last chunk):
// the same result as the plain inverse, and every chunk's points visited exactly once, in
// order, after they were written.
TEST(TruncatedFFT, ChunkedInverseWithEpilogue) {
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const Case& c : {kCase1D, kCase2D, kCase3D}) {
    const int d = static_cast<int>(c.shape.size());
    auto grid = case_grids(c).back();
    Layout in = Layout::block(grid, c.shape, c.lead);
    TruncatedFFT<double> fft(in, c.modes);
    auto X = test::random_complex<double>(fft.mode_layout(), seed);
    std::vector<double> plain(in.local_count()), chunked(in.local_count(), 0.0);
    fft.inverse(X.data(), plain.data());
    const Index space = fft.local_space_points(), nt = c.shape[d - 1];
    Index next = 0;
    double err = 0;
    fft.inverse(X.data(), chunked.data(), 4, [&](Index s0, Index s1) {
      EXPECT_EQ(s0, next);
      EXPECT_LE(s1 - s0, 4);
      next = s1;
      for (Index l = 0; l < c.lead; ++l)
        for (Index p = s0 * nt; p < s1 * nt; ++p) {
          const std::size_t i = static_cast<std::size_t>(l * space * nt + p);
          err = std::max(err, std::abs(chunked[i] - plain[i]));
        }
    });
    EXPECT_EQ(next, space);
    double ref = 0;
    for (double v : plain) ref = std::max(ref, std::abs(v));
    EXPECT_LE(test::global_max(err, MPI_COMM_WORLD), 1e-14 * test::global_max(ref, MPI_COMM_WORLD));
  }
}

// forward() in two parts (the time stage chunk by chunk of space points, then the space
// stages) gives the same spectrum as forward() in one call.
TEST(TruncatedFFT, ChunkedForwardTimeStage) {
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  for (const Case& c : {kCase1D, kCase2D, kCase3D}) {
    auto grid = case_grids(c).back();
    Layout in = Layout::block(grid, c.shape, c.lead);
    SCOPED_TRACE("input " + in.describe());
    TruncatedFFT<double> fft(in, c.modes);
    ASSERT_TRUE(fft.has_space_stages());
    auto x = test::random_real<double>(in, seed);
    std::vector<std::complex<double>> whole(fft.mode_layout().local_count()), parts(whole.size());
    fft.forward(x.data(), whole.data());
    const Index space = fft.local_space_points();
    for (Index s0 = 0; s0 < space; s0 += 4) fft.forward_time_chunk(x.data(), s0, std::min(space, s0 + 4));
    fft.forward_from_time(parts.data());
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      err = std::max(err, std::abs(whole[i] - parts[i]));
      ref = std::max(ref, std::abs(whole[i]));
    }
    EXPECT_LE(test::global_max(err, MPI_COMM_WORLD), 1e-14 * test::global_max(ref, MPI_COMM_WORLD));
  }
}

// With one space axis split over every rank, the only axis left to take the split is the
// time-mode axis: the mode layout is [lead][2m][mt] with x local and the mt time modes
// split by the DMDA rule (ranks beyond mt hold none), and every mode is held once.
TEST(TruncatedFFT, OneSpaceAxisModeLayout) {
  int np = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  for (const Case& c : {kCase1D, kCase1DFull}) {
    auto grid = case_grids(c).front();
    Layout in = Layout::block(grid, c.shape, c.lead);
    TruncatedFFT<double> fft(in, c.modes);
    const Layout& ml = fft.mode_layout();
    SCOPED_TRACE("modes " + ml.describe());
    EXPECT_EQ(ml.lead(), c.lead);
    EXPECT_EQ(ml.global(), (std::vector<Index>{2 * c.modes[0], c.modes[1]}));
    EXPECT_LT(ml.split_dim(0), 0);
    EXPECT_EQ(ml.local(0), 2 * c.modes[0]);
    if (np > 1) {
      EXPECT_EQ(ml.split_dim(1), 0);
      EXPECT_EQ(ml.parts(1), dmda_parts(c.modes[1], np));
    } else {
      EXPECT_LT(ml.split_dim(1), 0);
    }
    Index mine = ml.local_count(), total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(total, c.lead * 2 * c.modes[0] * c.modes[1]);
  }
}

// A rank that owns no grid points (explicit ownership) takes part in every transpose.
TEST(TruncatedFFT, RankWithoutPointsMatchesFftw) { check_against_fftw<double>(kCase3D, true); }
TEST(TruncatedFFT, RankWithoutPointsRoundTrip) { check_band_limited_round_trip<double>(kCase2D, true); }
TEST(TruncatedFFT, RankWithoutPointsMatchesFftw1D) { check_against_fftw<double>(kCase1D, true); }
TEST(TruncatedFFT, RankWithoutPointsRoundTrip1D) { check_band_limited_round_trip<double>(kCase1D, true); }
TEST(TruncatedFFT, AdjointsDotProduct1D) { check_adjoints(kCase1D); }
TEST(TruncatedFFT, AdjointsDotProduct1DAllModes) { check_adjoints(kCase1DFull); }
TEST(TruncatedFFT, AdjointsDotProduct2D) { check_adjoints(kCase2D); }
TEST(TruncatedFFT, AdjointsDotProduct3D) { check_adjoints(kCase3D); }

// The 1D pieces on their own: truncation (forward) and zero-padding (inverse) per axis.
TEST(TruncatedDFT, RealAndComplexAxisAdjoints) {
  const auto seed = test::fresh_seed(MPI_COMM_WORLD);
  auto self = std::make_shared<ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1});
  for (Index n : {7, 8, 11}) {
    TruncatedRealDFT<double> r(n, n / 2 + 1);
    Layout lx = Layout::block(self, {5, n}, 1), lX = Layout::block(self, {5, n / 2 + 1}, 1);
    auto x = test::random_real<double>(lx, seed);
    auto X = test::random_complex<double>(lX, seed + 1);
    std::vector<std::complex<double>> Fx(X.size()), Gx(X.size());
    std::vector<double> FtX(x.size()), GX(x.size());
    r.forward(5, x.data(), Fx.data());
    r.forward_adjoint(5, X.data(), FtX.data());
    expect_adjoint(test::global_dot(Fx, X, MPI_COMM_SELF), test::global_dot(x, FtX, MPI_COMM_SELF));
    r.inverse(5, X.data(), GX.data());
    r.inverse_adjoint(5, x.data(), Gx.data());
    expect_adjoint(test::global_dot(GX, x, MPI_COMM_SELF), test::global_dot(X, Gx, MPI_COMM_SELF));

    TruncatedComplexDFT<double> c(n, 2);
    Layout cx = Layout::block(self, {3, n, 4}, 1), cX = Layout::block(self, {3, 4, 4}, 1);
    auto u = test::random_complex<double>(cx, seed + 2);
    auto U = test::random_complex<double>(cX, seed + 3);
    std::vector<std::complex<double>> Fu(U.size()), FtU(u.size()), GU(u.size()), Gtu(U.size());
    c.forward(3, 4, u.data(), Fu.data());
    c.forward_adjoint(3, 4, U.data(), FtU.data());
    expect_adjoint(test::global_dot(Fu, U, MPI_COMM_SELF), test::global_dot(u, FtU, MPI_COMM_SELF));
    c.inverse(3, 4, U.data(), GU.data());
    c.inverse_adjoint(3, 4, u.data(), Gtu.data());
    expect_adjoint(test::global_dot(GU, u, MPI_COMM_SELF), test::global_dot(U, Gtu, MPI_COMM_SELF));
  }
}
