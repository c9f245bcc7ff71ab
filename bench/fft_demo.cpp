// fno-fft-demo: the distributed truncated FFT on a DMDA-style partition, end to end.
// Builds the block layout a DMDA would give for the grid on this communicator, pushes a
// field with a known band-limited spectrum through forward and inverse, and reports the
// partition, the mode layout, the round-trip error and the time per pair.
//   mpiexec -n 2 fno-fft-demo [-grid 64,64,52] [-modes 8,8,8] [-channels 20]
#include <mpi.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <memory>
#include <numbers>

#include "bench_options.hpp"
#include "common/blas.hpp"
#include "common/error.hpp"
#include "timing.hpp"
#include "fft/truncated_fft.hpp"

using namespace fno;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, np = 1, rc = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  blas::set_threads(1);
  try {
    bench::Options opt(argc, argv, 1);
    if (opt.has("help")) {
      if (!rank)
        std::puts("fno-fft-demo: distributed truncated FFT on a DMDA-style partition\n"
                  "  -grid n0,..,nt (64,64,52)  -modes m0,..,mt (8,8,8)  -channels C (20)");
      MPI_Finalize();
      return 0;
    }
    const auto g = opt.list("grid", {64, 64, 52});
    const auto m = opt.list("modes", {8, 8, 8});
    const long channels = opt.integer("channels", 20);
    const int d = static_cast<int>(g.size());
    FNO_CHECK(d >= 2 && d <= 4, "-grid needs 2 to 4 extents (space..., time)");
    // Process grid over the space axes as MPI_Dims_create (and PETSc's DMDA) balances it.
    std::vector<int> dims(d - 1, 0);
    MPI_Dims_create(np, d - 1, dims.data());
    dims.push_back(1);
    auto grid = std::make_shared<ProcessGrid>(MPI_COMM_WORLD, dims);
    Layout in = Layout::block(grid, std::vector<Index>(g.begin(), g.end()), channels);
    TruncatedFFT<double> fft(in, std::vector<Index>(m.begin(), m.end()));
    const Layout& ml = fft.mode_layout();
    if (!rank) {
      std::printf("grid layout  %s on %d rank(s)\nmode layout  %s\n", in.describe().c_str(), np,
                  ml.describe().c_str());
    }
    {  // one line per rank, gathered so that they print in rank order
      char line[512];
      int len = std::snprintf(line, sizeof line, "  rank %d owns", rank);
      for (int a = 0; a < d; ++a)
        len += std::snprintf(line + len, sizeof line - len, " [%ld,%ld)", long(in.start(a)),
                             long(in.start(a) + in.local(a)));
      len += std::snprintf(line + len, sizeof line - len, "  and modes");
      for (int a = 0; a < d; ++a)
        len += std::snprintf(line + len, sizeof line - len, " [%ld,%ld)", long(ml.start(a)),
                             long(ml.start(a) + ml.local(a)));
      std::vector<char> all(rank == 0 ? sizeof line * np : 1);
      MPI_Gather(line, sizeof line, MPI_CHAR, all.data(), sizeof line, MPI_CHAR, 0, MPI_COMM_WORLD);
      if (!rank)
        for (int r = 0; r < np; ++r) std::printf("%s\n", all.data() + r * sizeof line);
    }
    // u(x) = Σ_c cos(2π(k_c · x)/n) with one retained frequency per channel.
    std::vector<double> u(in.local_count()), v(in.local_count());
    std::vector<Index> idx(d, 0);
    Index o = 0;
    for (long c = 0; c < channels; ++c) {
      std::fill(idx.begin(), idx.end(), 0);
      for (Index p = 0; p < in.local_count() / channels; ++p) {
        double phase = 0;
        for (int a = 0; a < d; ++a) {
          const long k = (c + a) % std::max<long>(1, m[a] - 1);
          phase += 2 * std::numbers::pi * k * double(in.start(a) + idx[a]) / double(g[a]);
        }
        u[o++] = std::cos(phase);
        for (int a = d - 1; a >= 0 && ++idx[a] == in.local(a); --a) idx[a] = 0;
      }
    }
    std::vector<std::complex<double>> U(ml.local_count());
    auto s = bench::time_collective(MPI_COMM_WORLD, 5, [&] {
      fft.forward(u.data(), U.data());
      fft.inverse(U.data(), v.data());
    });
    double err = 0;
    for (std::size_t i = 0; i < u.size(); ++i) err = std::max(err, std::abs(u[i] - v[i]));
    double gerr = 0;
    MPI_Allreduce(&err, &gerr, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (!rank)
      std::printf("band-limited round trip: max |inverse(forward(u)) - u| = %.3e\n"
                  "forward+inverse (double): %.2f ms median, %.2f ms min over 5\n",
                  gerr, s.median_ms, s.min_ms);
    rc = gerr < 1e-10 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%d] fno-fft-demo error: %s\n", rank, e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
