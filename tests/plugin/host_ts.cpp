// host_ts: a PETSc TS program with its own DMDA (dof 2, fields "pressure" and
// "saturation") and its own right-hand side, which knows nothing of petsc-fno: it includes
// no petsc-fno header and does not link the library. It composes its input fields on its
// DM (public PETSc calls any host can make) and writes the state after every step to
// -states_out FILE.h5 (dataset "state", one time step per TS step). Run with
//   -dll_append libpetscfno.so -ts_type fno -ts_fno_model M.h5
// it is driven by the surrogate.
#include <petscdmda.h>
#include <petscts.h>
#include <petscviewerhdf5.h>

#include "host_fields.hpp"

static const char help[] = "A TS host on a two-field DMDA for the plugin tests.\n";

namespace {

// dp/dt = -p, dS/dt = (1 - S) q / phi: any numerical TS can run it.
PetscErrorCode RightHandSide(TS ts, PetscReal, Vec u, Vec f, void* context) {
  auto* h = static_cast<HostFields*>(context);
  const PetscScalar *x, *q, *phi;
  PetscScalar* y;
  PetscInt n;
  PetscFunctionBeginUser;
  (void)ts;
  PetscCall(VecGetLocalSize(h->porosity, &n));
  PetscCall(VecGetArrayRead(u, &x));
  PetscCall(VecGetArrayRead(h->injection_rate, &q));
  PetscCall(VecGetArrayRead(h->porosity, &phi));
  PetscCall(VecGetArray(f, &y));
  for (PetscInt i = 0; i < n; ++i) {
    y[2 * i] = -x[2 * i];
    y[2 * i + 1] = (1 - x[2 * i + 1]) * q[i] / phi[i];
  }
  PetscCall(VecRestoreArray(f, &y));
  PetscCall(VecRestoreArrayRead(h->porosity, &phi));
  PetscCall(VecRestoreArrayRead(h->injection_rate, &q));
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscFunctionReturn(0);
}

PetscErrorCode WriteState(TS ts, PetscInt step, PetscReal time, Vec u, void* context) {
  auto* viewer = static_cast<PetscViewer*>(context);
  PetscFunctionBeginUser;
  (void)ts;
  if (!*viewer) PetscFunctionReturn(0);
  PetscCall(PetscViewerHDF5SetTimestep(*viewer, step));
  PetscCall(PetscObjectSetName((PetscObject)u, "state"));
  PetscCall(VecView(u, *viewer));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "host_ts: step %" PetscInt_FMT " t = %.6e s\n", step, (double)time));
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) {
  HostFields h;
  TS ts;
  Vec u;
  PetscViewer viewer = nullptr;
  char out[PETSC_MAX_PATH_LEN] = "";
  PetscBool has_out;
  PetscCall(PetscInitialize(&argc, &argv, nullptr, help));
  PetscCall(HostFieldsCreate(PETSC_COMM_WORLD, &h));
  // The host's fields, where any component working on its grid can find them (unless
  // -compose_inputs 0: a surrogate then reads them from -ts_fno_input_file).
  PetscBool compose = PETSC_TRUE;
  PetscCall(PetscOptionsGetBool(nullptr, nullptr, "-compose_inputs", &compose, nullptr));
  if (compose) {
    PetscCall(PetscObjectCompose((PetscObject)h.da, "permeability", (PetscObject)h.permeability));
    PetscCall(PetscObjectCompose((PetscObject)h.da, "porosity", (PetscObject)h.porosity));
    PetscCall(PetscObjectCompose((PetscObject)h.da, "injection_rate", (PetscObject)h.injection_rate));
  }
  PetscCall(DMCreateGlobalVector(h.da, &u));
  PetscCall(HostFieldsInitialState(&h, u));
  PetscCall(PetscOptionsGetString(nullptr, nullptr, "-states_out", out, sizeof(out), &has_out));
  if (has_out) {
    PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, out, FILE_MODE_WRITE, &viewer));
    PetscCall(PetscViewerHDF5PushTimestepping(viewer));
  }
  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(TSSetDM(ts, h.da));
  PetscCall(TSSetRHSFunction(ts, nullptr, RightHandSide, &h));
  PetscCall(TSSetType(ts, TSEULER));
  PetscCall(TSSetTimeStep(ts, 86400.0));
  PetscCall(TSSetMaxTime(ts, 438 * 86400.0));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSMonitorSet(ts, WriteState, &viewer, nullptr));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(TSSolve(ts, u));
  if (viewer) {
    PetscCall(PetscViewerHDF5PopTimestepping(viewer));
    PetscCall(PetscViewerDestroy(&viewer));
  }
  PetscCall(TSDestroy(&ts));
  PetscCall(VecDestroy(&u));
  for (const char* name : {"permeability", "porosity", "injection_rate"})
    PetscCall(PetscObjectCompose((PetscObject)h.da, name, nullptr));
  PetscCall(HostFieldsDestroy(&h));
  PetscCall(PetscFinalize());
  return 0;
}
