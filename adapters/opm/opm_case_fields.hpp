// An OPM run as one case of a petsc-fno dataset (schema petsc-fno-dataset-v1, the same
// fields and units as fno-gen writes): inputs log10(PERMX [mD]), PORO and the injection rate
// per cell in reservoir m^3/day, shared over the gas injector's connection cells in
// proportion to PERMX (equal cells: k h, as fno-sim shares a well's rate) after converting
// the surface rate with the configuration's CO2 surface and reservoir densities (fno-sim's
// -co2_surface_density and -co2_density); output SGAS at the report times.
// Inactive cells (ACTNUM 0) become 1e-3 mD, porosity 1e-3, no injection, saturation 0.
#pragma once

#include <string>
#include <vector>

#include "opm_run.hpp"
#include "simulator_config.hpp"

namespace fno::opm {

// The dataset configuration a run implies (grid, cell sizes, top, report times; fluids and
// the rest from `base`). Throws std::runtime_error if the run cannot be a dataset case.
fno::sim::SimulatorConfig ConfigOfRun(const OpmRun& run, const fno::sim::SimulatorConfig& base);

// Empty when `run` fits a dataset of configuration `config` (same grid, cell sizes and
// report times); otherwise the reason, naming the run.
std::string GridMismatch(const OpmRun& run, const fno::sim::SimulatorConfig& config);

struct CaseFields {
  std::vector<double> inputs;   // [field][cell] in file order
  std::vector<double> outputs;  // [time][cell]
};
CaseFields ToCaseFields(const OpmRun& run, const fno::sim::SimulatorConfig& config);

}  // namespace fno::opm
