// An OPM run as one case of a recorded-trajectory dataset (schema petsc-fno-dataset-v2,
// surrogate/files/trajectory_dataset.hpp), for `fno-opm-import -outputs`: the state
// components are the chosen outputs, in the order saturation (SGAS [1], clipped to [0, 1]
// as schema v1 stores it), pressure (PRESSURE [bar]), rs (RS [sm^3/sm^3]), and the model
// predicts all of them; the input fields are v1's (log10_permeability, porosity,
// injection_rate, exactly the values ToCaseFields gives); the initial state is report 0;
// the times are the report times in days. Inactive cells hold 0 in pressure and rs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "fft/layout.hpp"
#include "files/trajectory_dataset.hpp"
#include "opm_case_fields.hpp"
#include "opm_run.hpp"
#include "simulator_config.hpp"

namespace fno::opm {

// Every output an OPM case can hold, in component order: saturation, pressure, rs.
const std::vector<std::string>& OpmOutputNames();

// The outputs a comma-separated list names, in component order. Throws
// std::invalid_argument for an unknown, repeated or empty name, listing the valid names.
std::vector<std::string> ParseOpmOutputs(const std::string& list);

// The layout of a dataset of configuration `config` (ConfigOfRun of its first run) whose
// components and outputs are `outputs` (ParseOpmOutputs).
fno::TrajectoryLayout TrajectoryLayoutOf(const fno::sim::SimulatorConfig& config, const std::vector<std::string>& outputs);

// A rank's block of `grid` (DMDA order, x first): the slowest axis shared out as a DMDA
// would (fno::dmda_parts), every other axis whole. A rank may get an empty block.
fno::GridBlock RankBlock(const std::vector<Index>& grid, int rank, int size);

// values [row][cell] (cells in file order, x fastest) -> [row][block points] for the block
// of `grid`, x fastest.
std::vector<double> BlockRows(const std::vector<double>& values, const std::vector<Index>& grid, const fno::GridBlock& block);

// The state at report `report`: [output][cell] in file order for `outputs`, saturation
// being CaseFields::outputs (the clipped SGAS v1 stores), pressure and rs as read.
std::vector<double> OpmState(const OpmRun& run, const CaseFields& fields, const std::vector<std::string>& outputs,
                             std::size_t report);

}  // namespace fno::opm
