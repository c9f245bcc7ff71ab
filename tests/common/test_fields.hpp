// Helpers for distributed tests: process-grid enumeration, partition-independent random
// fields (a value is a function of the seed and the global index only), global reductions.
#pragma once
#include <mpi.h>

#include <complex>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "fft/layout.hpp"

namespace fno::test {

// Every factorization of np into k ordered factors (each >= 1).
inline std::vector<std::vector<int>> factorizations(int np, int k) {
  std::vector<std::vector<int>> out;
  std::vector<int> cur;
  std::function<void(int, int)> rec = [&](int rest, int left) {
    if (left == 1) {
      cur.push_back(rest);
      out.push_back(cur);
      cur.pop_back();
      return;
    }
    for (int f = 1; f <= rest; ++f)
      if (rest % f == 0) {
        cur.push_back(f);
        rec(rest / f, left - 1);
        cur.pop_back();
      }
  };
  rec(np, k);
  return out;
}

// A fresh seed per test run, agreed by all ranks (inputs drawn fresh per test).
inline std::uint64_t fresh_seed(MPI_Comm comm) {
  std::uint64_t s = std::random_device{}();
  s = (s << 32) ^ std::random_device{}();
  MPI_Bcast(&s, 1, MPI_UINT64_T, 0, comm);
  return s;
}

// splitmix64 hash -> uniform in [-1, 1).
inline double hash_uniform(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

// Calls f(local_offset, global_linear_index) for every element of the rank's block.
template <class F>
void for_each_local(const Layout& l, F&& f) {
  const int d = l.ndim();
  std::vector<Index> idx(d, 0);
  Index off = 0;
  for (Index c = 0; c < l.lead(); ++c) {
    if (l.local_count() == 0) return;
    std::fill(idx.begin(), idx.end(), 0);
    while (true) {
      Index g = c;
      for (int a = 0; a < d; ++a) g = g * l.global(a) + l.start(a) + idx[a];
      f(off++, static_cast<std::uint64_t>(g));
      int a = d - 1;
      while (a >= 0 && ++idx[a] == l.local(a)) {
        idx[a] = 0;
        --a;
      }
      if (a < 0) break;
    }
  }
}

template <class T>
std::vector<T> random_real(const Layout& l, std::uint64_t seed) {
  std::vector<T> v(static_cast<std::size_t>(l.local_count()));
  for_each_local(l, [&](Index o, std::uint64_t g) { v[o] = static_cast<T>(hash_uniform(seed, g)); });
  return v;
}

template <class T>
std::vector<std::complex<T>> random_complex(const Layout& l, std::uint64_t seed) {
  std::vector<std::complex<T>> v(static_cast<std::size_t>(l.local_count()));
  for_each_local(l, [&](Index o, std::uint64_t g) {
    v[o] = {static_cast<T>(hash_uniform(seed, 2 * g)), static_cast<T>(hash_uniform(seed, 2 * g + 1))};
  });
  return v;
}

// Real inner product summed over all ranks: Σ Re(conj(a) b).
template <class T>
double global_dot(const std::vector<T>& a, const std::vector<T>& b, MPI_Comm comm) {
  long double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if constexpr (std::is_arithmetic_v<T>)
      s += static_cast<long double>(a[i]) * b[i];
    else
      s += static_cast<long double>(a[i].real()) * b[i].real() + static_cast<long double>(a[i].imag()) * b[i].imag();
  }
  double local = static_cast<double>(s), total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, comm);
  return total;
}

inline double global_max(double v, MPI_Comm comm) {
  double r = 0;
  MPI_Allreduce(&v, &r, 1, MPI_DOUBLE, MPI_MAX, comm);
  return r;
}

}  // namespace fno::test
