// A small TS host shared by the plugin's tests: a 2D DMDA with two named fields
// ("pressure", "saturation") and the one-dof input fields a model of the reference
// simulator's problem reads (permeability in mD, porosity, injection_rate in m^3/s), filled
// from global cell indices so every partition sees the same values. Includes no petsc-fno
// header: the TS program built on it switches to the surrogate with options alone.
#pragma once
#include <petscdmda.h>

#include <cmath>

struct HostFields {
  DM da = nullptr;        // dof 2: component 0 "pressure", component 1 "saturation"
  DM field_da = nullptr;  // dof 1, same partition
  Vec permeability = nullptr, porosity = nullptr, injection_rate = nullptr;
};

// -grid nx,ny (default 20,12); the DMDA's own partition (-da_processors_x/_y honoured).
inline PetscErrorCode HostFieldsCreate(MPI_Comm comm, HostFields* h) {
  PetscInt grid[2] = {20, 12}, n = 2;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetIntArray(nullptr, nullptr, "-grid", grid, &n, nullptr));
  PetscCall(DMDACreate2d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, grid[0], grid[1], PETSC_DECIDE,
                         PETSC_DECIDE, 2, 1, nullptr, nullptr, &h->da));
  PetscCall(DMSetFromOptions(h->da));
  PetscCall(DMSetUp(h->da));
  PetscCall(DMDASetFieldName(h->da, 0, "pressure"));
  PetscCall(DMDASetFieldName(h->da, 1, "saturation"));
  PetscCall(DMDACreateCompatibleDMDA(h->da, 1, &h->field_da));
  PetscCall(DMCreateGlobalVector(h->field_da, &h->permeability));
  PetscCall(VecDuplicate(h->permeability, &h->porosity));
  PetscCall(VecDuplicate(h->permeability, &h->injection_rate));
  PetscScalar **k, **phi, **q;
  PetscInt xs, ys, xm, ym;
  PetscCall(DMDAGetCorners(h->field_da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  PetscCall(DMDAVecGetArray(h->field_da, h->permeability, &k));
  PetscCall(DMDAVecGetArray(h->field_da, h->porosity, &phi));
  PetscCall(DMDAVecGetArray(h->field_da, h->injection_rate, &q));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      k[j][i] = std::pow(10.0, 1.0 + 2.0 * std::fabs(std::sin(0.37 * i + 0.21 * j)));
      phi[j][i] = 0.15 + 0.1 * std::fabs(std::cos(0.11 * i * j));
      q[j][i] = (i == 0 && j >= grid[1] - 4) ? 1e-4 : 0.0;
    }
  PetscCall(DMDAVecRestoreArray(h->field_da, h->permeability, &k));
  PetscCall(DMDAVecRestoreArray(h->field_da, h->porosity, &phi));
  PetscCall(DMDAVecRestoreArray(h->field_da, h->injection_rate, &q));
  PetscFunctionReturn(0);
}

// Initial state: pressure 1, saturation 0.
inline PetscErrorCode HostFieldsInitialState(HostFields* h, Vec state) {
  PetscInt lo, hi;
  PetscScalar* x;
  PetscFunctionBeginUser;
  PetscCall(VecGetOwnershipRange(state, &lo, &hi));
  PetscCall(VecGetArray(state, &x));
  for (PetscInt i = 0; i < hi - lo; i += 2) {
    x[i] = 1.0;
    x[i + 1] = 0.0;
  }
  PetscCall(VecRestoreArray(state, &x));
  (void)h;
  PetscFunctionReturn(0);
}

inline PetscErrorCode HostFieldsDestroy(HostFields* h) {
  PetscFunctionBeginUser;
  PetscCall(VecDestroy(&h->permeability));
  PetscCall(VecDestroy(&h->porosity));
  PetscCall(VecDestroy(&h->injection_rate));
  PetscCall(DMDestroy(&h->field_da));
  PetscCall(DMDestroy(&h->da));
  PetscFunctionReturn(0);
}
