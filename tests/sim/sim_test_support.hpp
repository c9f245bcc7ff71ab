// Shared helpers of the simulator tests: a PETSc environment inside the MPI main of
// fno_test_main, and running a case while collecting snapshots and CO2 volumes.
#pragma once
#include "dmda_gather.hpp"

#include <gtest/gtest.h>
#include <petscdmda.h>

#include <vector>

#include "simulator_config.hpp"
#include "two_phase_simulator.hpp"

namespace fno::sim::testing {

// PetscInitialize/PetscFinalize around all tests (MPI is already initialised by the main).
class PetscEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

struct CaseResult {
  std::vector<double> times;                    // seconds, time 0 first
  std::vector<std::vector<double>> saturation;  // per snapshot, natural order, on rank 0 only
  std::vector<double> in_place, injected, outflow;  // m^3 per snapshot (all ranks)
  PetscInt steps = 0;
};

// Runs `config` on `comm` (options from the PETSc database when use_options).
PetscErrorCode RunCase(MPI_Comm comm, const SimulatorConfig& config, bool use_options, CaseResult* result);

// GatherNatural (dmda_gather.hpp) serves the tests too.
using fno::sim::GatherNatural;

}  // namespace fno::sim::testing
