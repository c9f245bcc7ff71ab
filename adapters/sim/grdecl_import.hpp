// Reads an Eclipse/OPM include file of the earth model (what fno-sim -export_grdecl and
// fno-opm-gen write, or any GRDECL with PERMX and PORO): keywords followed by values and a
// terminating '/', "N*value" repeats, "--" comments. Cells in OPM's order (I fastest, then J,
// then K downward), which for fno-sim's grids is the DMDA natural order (grdecl_export.hpp).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fno::sim {

// Every keyword's values. Throws std::invalid_argument naming the file and keyword on
// malformed input, and when PERMX or PORO is missing or does not hold `cells` values.
std::map<std::string, std::vector<double>> ReadGrdecl(const std::string& path, long long cells);

}  // namespace fno::sim
