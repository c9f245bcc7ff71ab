#include "dmda_gather.hpp"

namespace fno::sim {

PetscErrorCode GatherNatural(DM da, Vec global, std::vector<double>* values) {
  PetscFunctionBeginUser;
  Vec natural, gathered;
  VecScatter scatter;
  PetscCall(DMDACreateNaturalVector(da, &natural));
  PetscCall(DMDAGlobalToNaturalBegin(da, global, INSERT_VALUES, natural));
  PetscCall(DMDAGlobalToNaturalEnd(da, global, INSERT_VALUES, natural));
  PetscCall(VecScatterCreateToZero(natural, &scatter, &gathered));
  PetscCall(VecScatterBegin(scatter, natural, gathered, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(scatter, natural, gathered, INSERT_VALUES, SCATTER_FORWARD));
  PetscInt n;
  PetscCall(VecGetLocalSize(gathered, &n));
  const PetscScalar* a;
  PetscCall(VecGetArrayRead(gathered, &a));
  values->assign(a, a + n);
  PetscCall(VecRestoreArrayRead(gathered, &a));
  PetscCall(VecScatterDestroy(&scatter));
  PetscCall(VecDestroy(&gathered));
  PetscCall(VecDestroy(&natural));
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
