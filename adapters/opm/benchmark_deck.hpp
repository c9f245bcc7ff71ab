// The OPM Flow deck of the benchmark slice (DESIGN.md, "The data"), parameterised by the
// same configuration fno-sim reads, so that fno-sim's defaults and the deck describe one
// case: OIL (brine) + GAS (CO2) + DISGAS + CO2STORE (what flow 2022.10 supports for CO2
// storage), NX x 1 x NZ cells, top at top_depth, 40 C, salinity 1 mol/kg, Corey SGOF with
// brine residual 0.2 and quadratic curves without capillary pressure, all brine initially,
// an open right side (the last column's pore volume x 1e4), the injector's perforations
// and surface rate, report steps every interval. The earth model (PERMX, PERMY, PERMZ,
// PORO) is INCLUDEd from `earth_include` (what fno-sim -export_grdecl writes).
#pragma once

#include <string>

#include "simulator_config.hpp"

namespace fno::opm {

// Throws std::invalid_argument when the configuration is not a benchmark-like slice: a
// Slice geometry, one well in one column, uniform report times, the right side open only.
std::string BenchmarkDeckText(const fno::sim::SimulatorConfig& config, const std::string& earth_include,
                              const std::string& extra_summary = "");

}  // namespace fno::opm
