// One OPM Flow run as read from its output files (EGRID, INIT, UNRST, SMSPEC/UNSMRY), with
// every per-cell array already in the DMDA file order petsc-fno uses (opm_cell_order.hpp).
// Units: permeability mD, pore volume rm^3, pressure bar, RS sm^3/sm^3, times days,
// rates sm^3/day.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace fno::opm {

struct OpmRun {
  std::string base;                      // DIR/CASE (no extension)
  std::array<int, 3> dims = {0, 0, 0};   // NX, NY, NZ (OPM's I, J, K)
  std::array<double, 3> cell_size = {0, 0, 0};  // DX, DY, DZ of the first active cell, m
  double top_depth = 0;                  // depth of the first active cell's top face, m
  std::vector<bool> active;              // per cell: ACTNUM (all true when EGRID has none)
  // Per cell (inactive cells: NaN).
  std::vector<double> permx, permz, porosity, pore_volume;
  std::vector<double> times;             // report times, days (the first is 0)
  std::vector<std::vector<double>> sgas, pressure, rs;  // [report][cell]; inactive cells 0
  // True when UNRST lacked time 0 and the reader put the all-brine state there (SGAS = RS = 0,
  // PRESSURE of the first report), see ReadOpmRun.
  bool initial_state_assumed = false;
  // Injector connections (0-based OPM I, J, K) of every gas injector in the last report.
  std::vector<std::array<int, 3>> connections;
  // Summary: mean gas injection rate over the run (FGIT at the last report / its time),
  // and the field's free / total gas in place at the report times (empty if absent).
  double injection_surface_rate = 0;
  std::vector<double> fgipg, fgip;

  std::size_t CellCount() const { return static_cast<std::size_t>(dims[0]) * dims[1] * dims[2]; }
};

}  // namespace fno::opm
