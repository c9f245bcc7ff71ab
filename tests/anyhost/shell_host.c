/* A TS program without a DMDA (its TS carries PETSc's default DMShell): dy/dt = -y for 4
   unknowns. Record mode must refuse it with a clear message. */
#include <petscts.h>

static PetscErrorCode RHS(TS ts, PetscReal t, Vec y, Vec f, void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(VecCopy(y, f));
  PetscCall(VecScale(f, -1.0));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  TS  ts;
  Vec y;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 4, &y));
  PetscCall(VecSet(y, 1.0));
  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetRHSFunction(ts, NULL, RHS, NULL));
  PetscCall(TSSetType(ts, TSRK));
  PetscCall(TSSetMaxTime(ts, 1.0));
  PetscCall(TSSetTimeStep(ts, 0.1));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSSolve(ts, y));
  PetscCall(VecDestroy(&y));
  PetscCall(TSDestroy(&ts));
  PetscCall(PetscFinalize());
  return 0;
}
