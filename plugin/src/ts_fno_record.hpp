// Record mode and initial-state perturbations of the TS type "fno" (README, "Make a surrogate
// of your own PETSc program").
//
// -ts_fno_record FILE.h5 -ts_fno_record_ts_type <scheme>: the TS becomes the host's own
// scheme again (its RHS/IFunction/Jacobian, DM, SNES and adaptivity untouched) and a monitor,
// placed first in the TS's monitor list, appends the run as one case of a trajectory dataset
// (surrogate/trajectory_dataset.hpp): the state at the requested times (exact when a step
// lands on one, else the scheme's own TSInterpolate), the initial state and the one-dof
// fields the host composed on its DM.
// -ts_fno_perturb A (-ts_fno_perturb_seed, _correlation, _components, _bounds): the same
// monitor adds a smooth random field to the initial state before the first step, while
// recording and while replaying a model.
#pragma once
#include <petscts.h>

#include <string>

namespace fno::plugin {

// Reads the -ts_fno_record* and -ts_fno_perturb* options inside the TS's options block and,
// when either is active, registers the session monitor (once per TS). *record_scheme is the
// TS type to switch to for recording, or empty when not recording.
PetscErrorCode TSFNOSessionSetFromOptions(TS ts, PetscOptionItems* PetscOptionsObject, std::string* record_scheme);

}  // namespace fno::plugin
