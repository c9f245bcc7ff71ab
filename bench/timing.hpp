// Wall-clock statistics of a collective operation: each repetition starts after a
// barrier and takes the slowest rank's time.
#pragma once
#include <mpi.h>

#include <time.h>

#include <algorithm>
#include <vector>

namespace fno::bench {

struct Stats {
  double median_ms = 0, min_ms = 0;
  double cpu_median_ms = 0;  // CPU time of the calling thread (slowest rank): robust to a loaded machine
};

inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <class F>
Stats time_collective(MPI_Comm comm, int reps, F&& f) {
  f();  // warm-up: first-touch of buffers, plan caches
  std::vector<double> t, cpu;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(comm);
    const double t0 = MPI_Wtime(), c0 = thread_cpu_seconds();
    f();
    double dt[2] = {MPI_Wtime() - t0, thread_cpu_seconds() - c0}, worst[2] = {0, 0};
    MPI_Allreduce(dt, worst, 2, MPI_DOUBLE, MPI_MAX, comm);
    t.push_back(worst[0] * 1e3);
    cpu.push_back(worst[1] * 1e3);
  }
  std::sort(t.begin(), t.end());
  std::sort(cpu.begin(), cpu.end());
  const std::size_t n = t.size();
  auto median = [n](const std::vector<double>& v) { return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]); };
  return {median(t), t.front(), median(cpu)};
}

}  // namespace fno::bench
