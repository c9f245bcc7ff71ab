// A tiny OPM Flow run shared by the OPM reader tests: the benchmark deck on an 8 x 1 x 10
// slice (3 reports of 100 days, 600 sm^3/day into the bottom 8 cells of column 1) with an
// asymmetric earth model written by the test itself, run once per test program with flow
// (well under a second) and VTK output for the cell densities.
#pragma once

#include <array>
#include <string>

#include "simulator_config.hpp"

namespace fno::opm::test {

inline constexpr int kNx = 8, kNz = 10;

// Asymmetric fields: every cell's value differs, and (i, k) and (k, i) differ.
inline double TestPermeability(int i, int k) { return 20.0 + 7.0 * i + 53.0 * k; }  // mD
inline double TestPorosity(int i, int k) { return 0.15 + 0.004 * i + 0.011 * k; }

fno::sim::SimulatorConfig TinyConfig();

// Runs flow once (later calls return the same directory); empty when flow is not installed.
// Fails the calling test with flow's log when flow fails. With `inactive_cell`, the include
// also sets ACTNUM 0 in cell (i, k) = kInactive.
std::string TinyRunDirectory(bool inactive_cell = false);
inline constexpr std::array<int, 2> kInactive = {6, 1};

// A copy of the run's output directory under `name` (for damaging it).
std::string CopyRun(const std::string& name);

}  // namespace fno::opm::test
