// Writes the earth model of a case as an Eclipse/OPM include file (PERMX, PERMY, PERMZ in
// mD, PORO), in OPM's cell order (I fastest, then J, then K downward). A Slice maps to an
// NX x 1 x NZ OPM grid (our DMDA axis 1 = OPM K), a Map to NX x NY x 1, 3D to NX x NY x NZ.
#pragma once

#include <string>

#include "two_phase_simulator.hpp"

namespace fno::sim {

PetscErrorCode ExportGrdecl(const TwoPhaseSimulator& simulator, const std::string& path);

}  // namespace fno::sim
