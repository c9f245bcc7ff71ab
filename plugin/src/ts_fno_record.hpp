// Record mode and initial-state perturbations of the TS type "fno" (README, "Make a surrogate
// of your own PETSc program").
//
// -ts_fno_record FILE.h5 -ts_fno_record_ts_type <scheme>: the TS becomes the host's own
// scheme again (its RHS/IFunction/Jacobian, DM, SNES and adaptivity untouched) and a monitor,
// placed first in the TS's monitor list, appends the run as one case of a trajectory dataset
// (surrogate/files/trajectory_dataset.hpp): the state at the requested times (exact when a step
// lands on one, else the scheme's own TSInterpolate), the initial state and the one-dof
// fields the host composed on its DM.
// -ts_fno_perturb A (-ts_fno_perturb_seed, _correlation, _components, _bounds): the same
// monitor adds a smooth random field to the initial state before the first step, while
// recording and while replaying a model.
#pragma once
#include <petscts.h>

#include <string>

namespace fno::plugin {

inline constexpr const char* TSTRAJECTORYFNORECORD = "fno_record";

// Reads the -ts_fno_record* and -ts_fno_perturb* options inside the TS's options block (so
// -help lists them). Replaying with a perturbation: registers the perturbation monitor (once
// per TS). Recording: *record_scheme is the TS type to switch back to (empty otherwise).
PetscErrorCode TSFNOSessionSetFromOptions(TS ts, PetscOptionItems* PetscOptionsObject, std::string* record_scheme);
// Gives the TS the trajectory "fno_record", which records the run (TSSolve() calls it at the
// start and after every step).
PetscErrorCode TSFNOUseRecordTrajectory(TS ts);
// At package registration (-dll_append): for every TS prefix with -<prefix>ts_fno_record and
// -<prefix>ts_fno_record_ts_type <scheme>, replaces -<prefix>ts_type fno by the scheme and asks
// for the fno_record trajectory, so the host's TS never changes type: settings its code made
// (e.g. TSARKIMEXSetFullyImplicit) stay, and the run is the host's own, step for step.
PetscErrorCode TSFNORecordRewriteOptions(void);
// The TSTrajectory type "fno_record" (TSTrajectoryRegister).
PetscErrorCode TSTrajectoryCreate_FNORecord(TSTrajectory tj, TS ts);

}  // namespace fno::plugin
