// Smooth random perturbations of a host's initial state (-ts_fno_perturb): a Gaussian random
// field with squared-exponential covariance, one independent field per perturbed component,
// as Li et al. draw the initial conditions of their FNO benchmarks.
//
//   field(x) = amplitude * sum_k w_k (xi_k cos(2 pi k.x / N) + eta_k sin(2 pi k.x / N)),
//   w_k^2 = exp(-2 pi^2 L^2 |k / N|^2) / sum_k' exp(-2 pi^2 L^2 |k' / N|^2),
//
// x in cells, N the global cells per axis, L the correlation length in cells, xi, eta
// independent standard normal draws from (seed, component). Every point's variance is
// exactly amplitude^2; the covariance of two points r cells apart is amplitude^2 times the
// periodic sum of exp(-|r|^2 / (2 L^2)) (the spectrum above). Wavenumbers are kept while
// their weight exceeds 1e-12 of the largest. Each rank evaluates only its block from the
// same draws, so the field does not depend on the number of ranks (bitwise).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fno::plugin {

struct PerturbationSpec {
  std::vector<double> amplitude;  // one per perturbed component (or one for all)
  double correlation = 8;         // cells
  std::int64_t seed = 0;
  std::vector<double> bounds;     // empty, or {lo, hi} for all, or {lo, hi} per perturbed component
  bool active() const { return !amplitude.empty(); }
};

// The field of component `component` on the block [start, start + extent) of a grid with
// `global` cells per axis (x first), x fastest in `out` (size = block points).
std::vector<double> smooth_random_field(const PerturbationSpec& spec, int component, const std::vector<std::int64_t>& global,
                                        const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& extent);

}  // namespace fno::plugin
