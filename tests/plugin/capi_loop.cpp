// capi_loop: the PetscFNO C API on a hand-written time loop over the same host as host_ts
// (Create / SetDM / Load / SetFromOptions / SetInput / SetUp / SetInitialState / Predict /
// GetTimes / GetState / Destroy). With -compare FILE.h5 (host_ts's -states_out under
// -ts_type fno) every state must equal the TS's, both components, to -tolerance (1e-12).
// Run under -malloc_debug -malloc_dump to check that nothing leaks.
#include <petscdmda.h>
#include <petscviewerhdf5.h>

#include "host_fields.hpp"
#include "petscfno.h"

static const char help[] = "The PetscFNO C API on a hand-written time loop.\n";

int main(int argc, char** argv) {
  HostFields h;
  PetscFNO fno;
  Vec initial, state, stored;
  PetscViewer viewer = nullptr;
  char model[PETSC_MAX_PATH_LEN] = "", compare[PETSC_MAX_PATH_LEN] = "";
  PetscBool has_model, has_compare;
  PetscReal tolerance = 1e-12, worst = 0;
  PetscInt n;
  const PetscReal* times;
  PetscCall(PetscInitialize(&argc, &argv, nullptr, help));
  PetscCall(PetscOptionsGetString(nullptr, nullptr, "-model", model, sizeof(model), &has_model));
  PetscCheck(has_model, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "capi_loop needs -model M.h5");
  PetscCall(PetscOptionsGetString(nullptr, nullptr, "-compare", compare, sizeof(compare), &has_compare));
  PetscCall(PetscOptionsGetReal(nullptr, nullptr, "-tolerance", &tolerance, nullptr));
  PetscCall(HostFieldsCreate(PETSC_COMM_WORLD, &h));
  char inputs_out[PETSC_MAX_PATH_LEN] = "";
  PetscBool write_inputs;
  PetscCall(PetscOptionsGetString(nullptr, nullptr, "-write_inputs", inputs_out, sizeof(inputs_out), &write_inputs));
  if (write_inputs) {  // the host's fields as PETSc's HDF5 viewer writes them (for -ts_fno_input_file)
    PetscViewer out;
    PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, inputs_out, FILE_MODE_WRITE, &out));
    PetscCall(PetscObjectSetName((PetscObject)h.permeability, "permeability"));
    PetscCall(PetscObjectSetName((PetscObject)h.porosity, "porosity"));
    PetscCall(PetscObjectSetName((PetscObject)h.injection_rate, "injection_rate"));
    PetscCall(VecView(h.permeability, out));
    PetscCall(VecView(h.porosity, out));
    PetscCall(VecView(h.injection_rate, out));
    PetscCall(PetscViewerDestroy(&out));
  }
  PetscCall(DMCreateGlobalVector(h.da, &initial));
  PetscCall(HostFieldsInitialState(&h, initial));
  PetscCall(VecDuplicate(initial, &state));

  PetscCall(PetscFNOCreate(PETSC_COMM_WORLD, &fno));
  PetscCall(PetscFNOSetDM(fno, h.da));
  PetscCall(PetscFNOLoad(fno, model));
  PetscCall(PetscFNOSetFromOptions(fno));
  PetscCall(PetscFNOSetInput(fno, "permeability", h.permeability));
  PetscCall(PetscFNOSetInput(fno, "porosity", h.porosity));
  PetscCall(PetscFNOSetInput(fno, "injection_rate", h.injection_rate));
  PetscCall(PetscFNOSetUp(fno));
  PetscCall(PetscFNOSetInitialState(fno, initial));
  PetscCall(PetscFNOPredict(fno, nullptr));
  PetscCall(PetscFNOGetTimes(fno, &n, &times));
  if (has_compare) {
    PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, compare, FILE_MODE_READ, &viewer));
    PetscCall(PetscViewerHDF5PushTimestepping(viewer));
    PetscCall(VecDuplicate(initial, &stored));
    PetscCall(PetscObjectSetName((PetscObject)stored, "state"));
  }
  for (PetscInt k = 0; k < n; ++k) {
    PetscReal norm;
    PetscCall(VecCopy(initial, state));  // components the model does not predict keep their values
    PetscCall(PetscFNOGetState(fno, k, state));
    PetscCall(VecNorm(state, NORM_2, &norm));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "capi_loop: t = %.6e s  |state| = %.10e\n", (double)times[k], (double)norm));
    if (has_compare) {
      PetscReal diff;
      PetscCall(PetscViewerHDF5SetTimestep(viewer, k));
      PetscCall(VecLoad(stored, viewer));
      PetscCall(VecAXPY(stored, -1.0, state));
      PetscCall(VecNorm(stored, NORM_INFINITY, &diff));
      worst = PetscMax(worst, diff);
    }
  }
  if (has_compare) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "capi_loop: largest difference from the TS run %.3e (tolerance %.1e)\n",
                          (double)worst, (double)tolerance));
    PetscCall(VecDestroy(&stored));
    PetscCall(PetscViewerHDF5PopTimestepping(viewer));
    PetscCall(PetscViewerDestroy(&viewer));
    PetscCheck(worst <= tolerance, PETSC_COMM_WORLD, PETSC_ERR_PLIB,
               "the C API's states differ from the TS's by %g > %g", (double)worst, (double)tolerance);
  }
  PetscCall(PetscFNODestroy(&fno));
  PetscCall(VecDestroy(&state));
  PetscCall(VecDestroy(&initial));
  PetscCall(HostFieldsDestroy(&h));
  PetscCall(PetscFinalize());
  return 0;
}
