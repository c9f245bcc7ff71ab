// Wall-clock statistics of a collective operation: each repetition starts after a
// barrier and takes the slowest rank's time.
#pragma once
#include <mpi.h>

#include <algorithm>
#include <vector>

namespace fno::bench {

struct Stats {
  double median_ms = 0, min_ms = 0;
};

template <class F>
Stats time_collective(MPI_Comm comm, int reps, F&& f) {
  f();  // warm-up: first-touch of buffers, plan caches
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(comm);
    const double t0 = MPI_Wtime();
    f();
    double dt = MPI_Wtime() - t0, worst = 0;
    MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, comm);
    t.push_back(worst * 1e3);
  }
  std::sort(t.begin(), t.end());
  const std::size_t n = t.size();
  return {n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]), t.front()};
}

}  // namespace fno::bench
