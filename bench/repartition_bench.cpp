// fno-bench repartition: one pencil transpose (axis 0 split -> the last axis split) of a
// complex float tensor and back, with packed buffers (MPI_Alltoallv) and with subarray
// datatypes (MPI_Alltoallw).
#include <complex>
#include <cstdio>
#include <memory>

#include "bench_options.hpp"
#include "common/error.hpp"
#include "fft/repartition.hpp"
#include "timing.hpp"

namespace fno::bench {

int run_repartition_bench(Options& opt, MPI_Comm comm) {
  int np = 1, rank = 0;
  MPI_Comm_size(comm, &np);
  MPI_Comm_rank(comm, &rank);
  const auto g = opt.list("grid", {128, 24, 8});
  const long channels = opt.integer("channels", 20);
  const int reps = static_cast<int>(opt.integer("reps", 10));
  FNO_CHECK(g.size() >= 2, "-grid needs at least 2 extents");
  std::vector<int> dims(g.size(), 1);
  dims[0] = np;
  auto grid = std::make_shared<ProcessGrid>(comm, dims);
  Layout from = Layout::block(grid, std::vector<Index>(g.begin(), g.end()), channels);
  Layout to = np > 1 ? from.swap_split(0, static_cast<int>(g.size()) - 1) : from;
  using C = std::complex<float>;
  std::vector<C> x(from.local_count(), C(1, 2)), y(to.local_count());
  for (auto how : {Repartition::Exchange::packed, Repartition::Exchange::datatypes}) {
    Repartition r(from, to, sizeof(C), how);
    auto s = time_collective(comm, reps, [&] {
      r.forward(x.data(), y.data());
      r.adjoint(y.data(), x.data());
    });
    if (!rank) {
      std::printf("{\"bench\":\"repartition\",\"impl\":\"%s\",\"grid\":[", how == Repartition::Exchange::packed
                                                                             ? "packed-alltoallv"
                                                                             : "datatype-alltoallw");
      for (std::size_t i = 0; i < g.size(); ++i) std::printf("%s%ld", i ? "," : "", g[i]);
      std::printf("],\"channels\":%ld,\"np\":%d,\"ms_median\":%.4f,\"ms_min\":%.4f}\n", channels, np, s.median_ms,
                  s.min_ms);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace fno::bench
