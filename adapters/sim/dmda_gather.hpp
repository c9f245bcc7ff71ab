// A DMDA vector gathered in natural order (x fastest) onto rank 0, for small global
// outputs (GRDECL export, test comparisons). Other ranks get an empty vector.
#pragma once
#include <petscdmda.h>

#include <vector>

namespace fno::sim {

PetscErrorCode GatherNatural(DM da, Vec global, std::vector<double>* values);

}  // namespace fno::sim
