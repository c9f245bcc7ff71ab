// fno-bench fft: forward+inverse of petsc-fno's distributed truncated FFT against the
// full r2c/c2r pair of FFTW (FFTW-MPI with howmany = channels; serial FFTW on one rank).
#include <fftw3.h>
#ifdef PETSCFNO_HAVE_FFTW_MPI
#include <fftw3-mpi.h>
#endif

#include <complex>
#include <cstdio>
#include <memory>
#include <sstream>

#include "bench_options.hpp"
#include "common/blas.hpp"
#include "common/error.hpp"
#include "timing.hpp"
#include "fft/truncated_fft.hpp"

namespace fno::bench {

namespace {

std::string json_list(const std::vector<long>& v) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << "]";
  return os.str();
}

void print_line(MPI_Comm comm, const std::string& impl, const std::vector<long>& grid, const std::vector<long>& modes,
                long channels, const std::vector<int>& pgrid, const char* precision, Stats s) {
  int rank = 0, np = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &np);
  if (rank) return;
  std::vector<long> pg(pgrid.begin(), pgrid.end());
  std::printf(
      "{\"bench\":\"dfft\",\"impl\":\"%s\",\"grid\":%s,\"modes\":%s,\"channels\":%ld,\"np\":%d,\"pgrid\":%s,"
      "\"precision\":\"%s\",\"ms_median\":%.4f,\"ms_min\":%.4f}\n",
      impl.c_str(), json_list(grid).c_str(), json_list(modes).c_str(), channels, np, json_list(pg).c_str(), precision,
      s.median_ms, s.min_ms);
  std::fflush(stdout);
}

// FFTW's float and double APIs side by side.
template <class T>
struct Fftw;
template <>
struct Fftw<float> {
  using plan = fftwf_plan;
  using cplx = fftwf_complex;
  static constexpr const char* name = "float";
#ifdef PETSCFNO_HAVE_FFTW_MPI
  static void init() { fftwf_mpi_init(); }
  static ptrdiff_t local_size(int d, const ptrdiff_t* n, ptrdiff_t howmany, MPI_Comm c, ptrdiff_t* ln, ptrdiff_t* ls,
                              ptrdiff_t* lon, ptrdiff_t* los) {
    return fftwf_mpi_local_size_many_transposed(d, n, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, c, ln,
                                                ls, lon, los);
  }
  static plan r2c_mpi(int d, const ptrdiff_t* n, ptrdiff_t h, float* in, cplx* out, MPI_Comm c, unsigned f) {
    return fftwf_mpi_plan_many_dft_r2c(d, n, h, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, in, out, c, f);
  }
  static plan c2r_mpi(int d, const ptrdiff_t* n, ptrdiff_t h, cplx* in, float* out, MPI_Comm c, unsigned f) {
    return fftwf_mpi_plan_many_dft_c2r(d, n, h, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, in, out, c, f);
  }
#endif
  static plan r2c(int d, const int* n, int h, float* in, int idist, cplx* out, int odist, unsigned f) {
    return fftwf_plan_many_dft_r2c(d, n, h, in, nullptr, 1, idist, out, nullptr, 1, odist, f);
  }
  static plan c2r(int d, const int* n, int h, cplx* in, int idist, float* out, int odist, unsigned f) {
    return fftwf_plan_many_dft_c2r(d, n, h, in, nullptr, 1, idist, out, nullptr, 1, odist, f);
  }
  static void execute(plan p) { fftwf_execute(p); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
};
template <>
struct Fftw<double> {
  using plan = fftw_plan;
  using cplx = fftw_complex;
  static constexpr const char* name = "double";
#ifdef PETSCFNO_HAVE_FFTW_MPI
  static void init() { fftw_mpi_init(); }
  static ptrdiff_t local_size(int d, const ptrdiff_t* n, ptrdiff_t howmany, MPI_Comm c, ptrdiff_t* ln, ptrdiff_t* ls,
                              ptrdiff_t* lon, ptrdiff_t* los) {
    return fftw_mpi_local_size_many_transposed(d, n, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, c, ln,
                                               ls, lon, los);
  }
  static plan r2c_mpi(int d, const ptrdiff_t* n, ptrdiff_t h, double* in, cplx* out, MPI_Comm c, unsigned f) {
    return fftw_mpi_plan_many_dft_r2c(d, n, h, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, in, out, c, f);
  }
  static plan c2r_mpi(int d, const ptrdiff_t* n, ptrdiff_t h, cplx* in, double* out, MPI_Comm c, unsigned f) {
    return fftw_mpi_plan_many_dft_c2r(d, n, h, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, in, out, c, f);
  }
#endif
  static plan r2c(int d, const int* n, int h, double* in, int idist, cplx* out, int odist, unsigned f) {
    return fftw_plan_many_dft_r2c(d, n, h, in, nullptr, 1, idist, out, nullptr, 1, odist, f);
  }
  static plan c2r(int d, const int* n, int h, cplx* in, int idist, double* out, int odist, unsigned f) {
    return fftw_plan_many_dft_c2r(d, n, h, in, nullptr, 1, idist, out, nullptr, 1, odist, f);
  }
  static void execute(plan p) { fftw_execute(p); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
};

// Owns one FFTW plan.
template <class T>
class FftwPlan {
 public:
  explicit FftwPlan(typename Fftw<T>::plan p) : p_(p) { FNO_CHECK(p_ != nullptr, "FFTW could not make a plan"); }
  FftwPlan(const FftwPlan&) = delete;
  FftwPlan& operator=(const FftwPlan&) = delete;
  ~FftwPlan() { Fftw<T>::destroy(p_); }
  void execute() const { Fftw<T>::execute(p_); }

 private:
  typename Fftw<T>::plan p_;
};

template <class T>
void bench_precision(MPI_Comm comm, const std::vector<long>& grid, const std::vector<long>& modes, long channels,
                     const std::vector<int>& pgrid, int reps, bool peers) {
  int np = 1;
  MPI_Comm_size(comm, &np);
  const int d = static_cast<int>(grid.size());
  // petsc-fno: truncated forward + inverse on a DMDA-style block layout.
  {
    auto pg = std::make_shared<ProcessGrid>(comm, pgrid);
    Layout in = Layout::block(pg, std::vector<Index>(grid.begin(), grid.end()), channels);
    TruncatedFFT<T> fft(in, std::vector<Index>(modes.begin(), modes.end()));
    std::vector<T> x(in.local_count()), y(in.local_count());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>((i * 7919 % 1000) / 1000.0 - 0.5);
    std::vector<std::complex<T>> X(fft.mode_layout().local_count());
    auto s = time_collective(comm, reps, [&] {
      fft.forward(x.data(), X.data());
      fft.inverse(X.data(), y.data());
    });
    print_line(comm, "petsc-fno", grid, modes, channels, pgrid, Fftw<T>::name, s);
  }
  if (!peers) return;
  using cplx = typename Fftw<T>::cplx;
  std::vector<ptrdiff_t> n(grid.begin(), grid.end());
  if (np == 1) {
    // Serial FFTW: howmany = channels, each channel a contiguous grid.
    std::vector<int> ni(grid.begin(), grid.end());
    long rsize = 1, csize = 1;
    for (int a = 0; a < d; ++a) {
      rsize *= grid[a];
      csize *= a + 1 == d ? grid[a] / 2 + 1 : grid[a];
    }
    std::vector<T> x(static_cast<std::size_t>(rsize * channels)), y(x.size());
    std::vector<std::complex<T>> X(static_cast<std::size_t>(csize * channels));
    FftwPlan<T> f(Fftw<T>::r2c(d, ni.data(), static_cast<int>(channels), x.data(), static_cast<int>(rsize),
                               reinterpret_cast<cplx*>(X.data()), static_cast<int>(csize), FFTW_MEASURE));
    FftwPlan<T> b(Fftw<T>::c2r(d, ni.data(), static_cast<int>(channels), reinterpret_cast<cplx*>(X.data()),
                               static_cast<int>(csize), y.data(), static_cast<int>(rsize),
                               FFTW_MEASURE | FFTW_DESTROY_INPUT));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>((i * 7919 % 1000) / 1000.0 - 0.5);
    auto s = time_collective(comm, reps, [&] {
      f.execute();
      b.execute();
    });
    print_line(comm, "fftw-serial-full", grid, modes, channels, {1}, Fftw<T>::name, s);
  }
#ifdef PETSCFNO_HAVE_FFTW_MPI
  // FFTW-MPI: slab decomposition of the first axis, howmany = channels (interleaved),
  // transposed output/input (FFTW's fastest distributed pair).
  {
    std::vector<ptrdiff_t> nc(n);
    nc[d - 1] = n[d - 1] / 2 + 1;
    ptrdiff_t ln = 0, ls = 0, lon = 0, los = 0;
    const ptrdiff_t alloc = Fftw<T>::local_size(d, nc.data(), channels, comm, &ln, &ls, &lon, &los);
    std::vector<std::complex<T>> X(static_cast<std::size_t>(alloc));
    std::vector<T> x(static_cast<std::size_t>(2 * alloc));
    FftwPlan<T> f(Fftw<T>::r2c_mpi(d, n.data(), channels, x.data(), reinterpret_cast<cplx*>(X.data()), comm,
                                   FFTW_MEASURE | FFTW_MPI_TRANSPOSED_OUT));
    FftwPlan<T> b(Fftw<T>::c2r_mpi(d, n.data(), channels, reinterpret_cast<cplx*>(X.data()), x.data(), comm,
                                   FFTW_MEASURE | FFTW_MPI_TRANSPOSED_IN));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>((i * 7919 % 1000) / 1000.0 - 0.5);
    auto s = time_collective(comm, reps, [&] {
      f.execute();
      b.execute();
    });
    print_line(comm, "fftw-mpi-full", grid, modes, channels, {np}, Fftw<T>::name, s);
  }
#endif
}

}  // namespace

int run_fft_bench(Options& opt, MPI_Comm comm) {
  int np = 1;
  MPI_Comm_size(comm, &np);
  const auto grid = opt.list("grid", {128, 128, 64});
  const auto modes = opt.list("modes", {12, 12, 8});
  const long channels = opt.integer("channels", 20);
  const int reps = static_cast<int>(opt.integer("reps", 5));
  const std::string precision = opt.str("precision", "float");
  const bool peers = opt.str("peers", "yes") != "no";
  auto pl = opt.list("pgrid", {});
  std::vector<int> pgrid;
  if (pl.empty()) {
    pgrid.assign(grid.size(), 1);
    pgrid[0] = np;  // slab on the first axis, like FFTW-MPI
  } else {
    pgrid.assign(pl.begin(), pl.end());
  }
  FNO_CHECK(grid.size() >= 2 && grid.size() <= 4, "-grid needs 2 to 4 extents (space..., time)");
  FNO_CHECK(reps >= 1, "-reps must be >= 1");
  FNO_CHECK(precision == "float" || precision == "double" || precision == "both",
            "-precision must be float, double or both");
  if (precision != "double") bench_precision<float>(comm, grid, modes, channels, pgrid, reps, peers);
  if (precision != "float") bench_precision<double>(comm, grid, modes, channels, pgrid, reps, peers);
  return 0;
}

void fftw_mpi_init_all() {
#ifdef PETSCFNO_HAVE_FFTW_MPI
  Fftw<float>::init();
  Fftw<double>::init();
#endif
}

}  // namespace fno::bench
