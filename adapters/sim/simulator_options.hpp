// Reads a SimulatorConfig from the PETSc options database (command line, PETSC_OPTIONS,
// .petscrc, -options_file). Every option is registered with PetscOptions* so -help lists it.
// Starts from BenchmarkConfig(); invalid values raise PETSC_ERR_ARG_OUTOFRANGE on all ranks.
#pragma once

#include <petscsys.h>

#include "simulator_config.hpp"

namespace fno::sim {

PetscErrorCode ReadSimulatorConfig(MPI_Comm comm, SimulatorConfig* config);

}  // namespace fno::sim
