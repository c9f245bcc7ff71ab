/* A downstream host in C that links libpetscfno through the installed package: it calls
   PetscFNOInitializePackage() instead of loading the library with -dll_append, then any
   -ts_type works, fno included. Prints the final state's norm. */
#include <petscfno.h>
#include <petscdmda.h>

static PetscErrorCode Zero(TS ts, PetscReal t, Vec u, Vec f, void *ctx) {
  PetscFunctionBeginUser;
  (void)ts; (void)t; (void)u; (void)ctx;
  PetscCall(VecSet(f, 0.0));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) {
  DM da, field_da;
  Vec u, k, phi, q;
  TS ts;
  PetscReal norm;
  PetscCall(PetscInitialize(&argc, &argv, NULL, "downstream host of petsc-fno\n"));
  PetscCall(PetscFNOInitializePackage());
  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, 20, 12, PETSC_DECIDE,
                         PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMDASetFieldName(da, 0, "saturation"));
  PetscCall(DMDACreateCompatibleDMDA(da, 1, &field_da));
  PetscCall(DMCreateGlobalVector(field_da, &k));
  PetscCall(VecDuplicate(k, &phi));
  PetscCall(VecDuplicate(k, &q));
  PetscCall(VecSet(k, 300.0));
  PetscCall(VecSet(phi, 0.2));
  PetscCall(VecSet(q, 0.0));
  PetscCall(PetscObjectCompose((PetscObject)da, "permeability", (PetscObject)k));
  PetscCall(PetscObjectCompose((PetscObject)da, "porosity", (PetscObject)phi));
  PetscCall(PetscObjectCompose((PetscObject)da, "injection_rate", (PetscObject)q));
  PetscCall(DMCreateGlobalVector(da, &u));
  PetscCall(VecSet(u, 0.0));
  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, da));
  PetscCall(TSSetRHSFunction(ts, NULL, Zero, NULL));
  PetscCall(TSSetTimeStep(ts, 86400.0));
  PetscCall(TSSetMaxTime(ts, 438 * 86400.0));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSSolve(ts, u));
  PetscCall(VecNorm(u, NORM_2, &norm));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "downstream_host: |u(T)| = %.10e\n", (double)norm));
  PetscCall(TSDestroy(&ts));
  PetscCall(VecDestroy(&u));
  PetscCall(PetscObjectCompose((PetscObject)da, "permeability", NULL));
  PetscCall(PetscObjectCompose((PetscObject)da, "porosity", NULL));
  PetscCall(PetscObjectCompose((PetscObject)da, "injection_rate", NULL));
  PetscCall(VecDestroy(&k));
  PetscCall(VecDestroy(&phi));
  PetscCall(VecDestroy(&q));
  PetscCall(DMDestroy(&field_da));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
