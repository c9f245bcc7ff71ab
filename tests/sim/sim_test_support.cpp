#include "sim_test_support.hpp"

#include <memory>

namespace fno::sim::testing {

void PetscEnvironment::SetUp() {
  ASSERT_EQ(PetscInitializeNoArguments(), 0);
}

void PetscEnvironment::TearDown() { ASSERT_EQ(PetscFinalize(), 0); }

namespace {
// gtest owns registered environments.
[[maybe_unused]] ::testing::Environment* const kPetsc =
    ::testing::AddGlobalTestEnvironment(std::make_unique<PetscEnvironment>().release());
}  // namespace

PetscErrorCode RunCase(MPI_Comm comm, const SimulatorConfig& config, bool use_options, CaseResult* result) {
  PetscFunctionBeginUser;
  TwoPhaseSimulator simulator(comm, config);
  PetscCall(simulator.SetUp(use_options));
  *result = CaseResult{};
  PetscCall(simulator.Run([&](int, double time, Vec saturation) -> PetscErrorCode {
    PetscFunctionBeginUser;
    std::vector<double> values;
    PetscCall(GatherNatural(simulator.Grid(), saturation, &values));
    double in_place;
    PetscCall(simulator.Co2InPlace(saturation, &in_place));
    result->times.push_back(time);
    result->saturation.push_back(std::move(values));
    result->in_place.push_back(in_place);
    result->injected.push_back(simulator.InjectionRate() * time);
    result->outflow.push_back(simulator.CumulativeOutflow());
    PetscFunctionReturn(0);
  }));
  result->steps = simulator.StepCount();
  PetscFunctionReturn(0);
}

}  // namespace fno::sim::testing
