// TSFNO: the TS type "fno". The first step runs the surrogate once over the model's whole
// space-time horizon; every step then moves ptime to the next output time of the model (or
// to the max time, with TS_EXACTFINALTIME_MATCHSTEP) and sets the state from the
// prediction (linear in time between outputs). Step sizes set by the host are ignored.
#include <petsc/private/tsimpl.h>

#include <cmath>
#include <string>

#include "petscfno_impl.hpp"
#include "ts_fno_record.hpp"

using fno::plugin::Num;

namespace {

struct TS_FNO {
  PetscFNO fno;
};

PetscErrorCode PrefixFromTS(TS ts, PetscFNO fno) {
  const char* prefix;
  PetscFunctionBegin;
  PetscCall(TSGetOptionsPrefix(ts, &prefix));
  PetscCall(PetscFNOSetOptionsPrefix(fno, prefix));
  PetscCall(PetscFNOAppendOptionsPrefix(fno, "ts_"));
  PetscFunctionReturn(0);
}

PetscReal TimeTolerance(const std::vector<PetscReal>& times) {
  const PetscReal span = times.back() - times.front();
  return 1e-9 * (span > 0 ? span : 1.0);
}

PetscErrorCode CheckMaxTime(TS ts, PetscFNO fno) {
  const std::vector<PetscReal>& times = fno->state->times;
  PetscFunctionBegin;
  if (ts->max_time >= PETSC_MAX_REAL / 2) PetscFunctionReturn(0);  // not set: steps decide
  PetscCheck(ts->max_time <= times.back() + TimeTolerance(times), PetscObjectComm((PetscObject)ts),
             PETSC_ERR_ARG_OUTOFRANGE,
             "TSFNO: the TS's max time %s s (%s days) is beyond the horizon of model '%s', which predicts %s to %s s "
             "(%s to %s days)",
             Num(ts->max_time).c_str(), Num(ts->max_time / 86400).c_str(), fno->state->model_path.c_str(),
             Num(times.front()).c_str(), Num(times.back()).c_str(), Num(times.front() / 86400).c_str(),
             Num(times.back() / 86400).c_str());
  PetscFunctionReturn(0);
}

PetscErrorCode TSSetUp_FNO(TS ts) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  PetscFNO fno = fno_ts->fno;
  DM dm;
  TSAdapt adapt;
  PetscFunctionBegin;
  PetscCall(TSGetDM(ts, &dm));
  PetscCall(PetscFNOSetDM(fno, dm));
  if (!fno->state->loaded) {  // the host may not have called TSSetFromOptions
    PetscCall(PrefixFromTS(ts, fno));
    PetscCall(PetscFNOSetFromOptions(fno));
  }
  PetscCheck(fno->state->loaded, PetscObjectComm((PetscObject)ts), PETSC_ERR_USER_INPUT,
             "TSFNO: -ts_type fno needs a model: -ts_fno_model <file.h5>");
  PetscCall(PetscFNOSetUp(fno));
  PetscCall(CheckMaxTime(ts, fno));
  PetscCall(TSGetAdapt(ts, &adapt));  // MATCHSTEP needs one; its choices are not used
  PetscFunctionReturn(0);
}

PetscErrorCode TSStep_FNO(TS ts) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  PetscFNO fno = fno_ts->fno;
  MPI_Comm comm = PetscObjectComm((PetscObject)ts);
  PetscFunctionBegin;
  const std::vector<PetscReal>& times = fno->state->times;
  const PetscReal tol = TimeTolerance(times);
  PetscCall(CheckMaxTime(ts, fno));

  // Predict the whole horizon when nothing has been predicted or an input changed; the
  // state at the model's first time is the host's initial condition.
  PetscBool changed;
  PetscCall(PetscFNOInputsChanged(fno, &changed));
  // A model of the initial state predicts anew whenever a run starts at its first time.
  bool initial_state_model = false;
  for (const auto& in : fno->state->info.problem->inputs) initial_state_model = initial_state_model || in.kind == "initial_state";
  if (initial_state_model && PetscAbsReal(ts->ptime - times.front()) <= tol) changed = PETSC_TRUE;
  if (changed) {
    PetscCheck(PetscAbsReal(ts->ptime - times.front()) <= tol, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TSFNO: model '%s' predicts from its first time t = %s s given the state there; the TS is at t = %s s "
               "(set the TS time to %s s, or keep the inputs unchanged after the first step)",
               fno->state->model_path.c_str(), Num(times.front()).c_str(), Num(ts->ptime).c_str(),
               Num(times.front()).c_str());
    PetscCall(PetscFNOSetInitialState(fno, ts->vec_sol));
    PetscCall(PetscFNOPredict(fno, nullptr));
  }

  // The next output time, or the max time when the host asks to stop there exactly.
  PetscReal target = -1;
  for (PetscReal t : times)
    if (t > ts->ptime + tol) {
      target = t;
      break;
    }
  PetscCheck(target >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "TSFNO: the TS asks for a step beyond t = %s s (%s days), the end of model '%s''s horizon",
             Num(ts->ptime).c_str(), Num(ts->ptime / 86400).c_str(), fno->state->model_path.c_str());
  if (ts->exact_final_time == TS_EXACTFINALTIME_MATCHSTEP && ts->max_time < target - tol && ts->max_time > ts->ptime)
    target = ts->max_time;
  PetscCall(PetscFNOInterpolate(fno, target, ts->vec_sol));
  ts->time_step = target - ts->ptime;
  ts->ptime = target;
  PetscFunctionReturn(0);
}

// U(t) for t inside the last step (TSInterpolate, TS_EXACTFINALTIME_INTERPOLATE).
PetscErrorCode TSInterpolate_FNO(TS ts, PetscReal t, Vec X) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  PetscFunctionBegin;
  PetscCall(VecCopy(ts->vec_sol, X));  // components the model does not predict
  PetscCall(PetscFNOInterpolate(fno_ts->fno, t, X));
  PetscFunctionReturn(0);
}

PetscErrorCode TSSetFromOptions_FNO(TS ts, PetscOptionItems* PetscOptionsObject) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  std::string record_scheme;
  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "TS FNO surrogate options (-ts_fno_*, see -help for the list)");
  PetscCall(fno::plugin::TSFNOSessionSetFromOptions(ts, PetscOptionsObject, &record_scheme));
  PetscOptionsHeadEnd();
  if (!record_scheme.empty()) {
    // Record mode: the host's own scheme advances the solution; the fno_record trajectory records.
    // TSSetType() destroys this type's data (fno_ts is gone after it); the new type then
    // reads its own options, as it would under -ts_type <scheme>, and TSSetFromOptions()
    // goes on with the adaptivity and the SNES as for that type.
    // (Normally the options were rewritten when the library was registered and this type is
    // never created for recording; this path serves hosts that registered it afterwards.)
    PetscCall(TSSetType(ts, record_scheme.c_str()));
    if (ts->ops->setfromoptions) PetscCall((*ts->ops->setfromoptions)(ts, PetscOptionsObject));
    PetscCall(fno::plugin::TSFNOUseRecordTrajectory(ts));
    PetscFunctionReturn(0);
  }
  PetscCall(PrefixFromTS(ts, fno_ts->fno));
  PetscCall(PetscFNOSetFromOptions(fno_ts->fno));
  PetscFunctionReturn(0);
}

PetscErrorCode TSView_FNO(TS ts, PetscViewer viewer) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  PetscBool ascii;
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (ascii) PetscCall(PetscFNOView(fno_ts->fno, viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode TSReset_FNO(TS ts) {
  PetscFunctionBegin;
  (void)ts;
  PetscFunctionReturn(0);
}

PetscErrorCode TSDestroy_FNO(TS ts) {
  auto* fno_ts = static_cast<TS_FNO*>(ts->data);
  PetscFunctionBegin;
  PetscCall(PetscFNODestroy(&fno_ts->fno));
  PetscCall(PetscFree(ts->data));
  PetscFunctionReturn(0);
}

}  // namespace

/*MC
   TSFNO - "fno": a trained Fourier Neural Operator (petsc-fno model file) in place of a
   numerical integrator. Options: -ts_fno_model <file.h5>, -ts_fno_input_file <file.h5>,
   -ts_fno_precision single|double, -ts_fno_device cpu|cuda, -ts_fno_threads <n>,
   -ts_fno_output_components <c,...>, -ts_fno_initial_tolerance <tol>, -ts_fno_view.
   Record mode (the host's own scheme runs; the run is appended to a trajectory dataset):
   -ts_fno_record <file.h5> -ts_fno_record_ts_type <type> -ts_fno_record_times <t,...> |
   -ts_fno_record_interval <dt>, -ts_fno_record_inputs, -ts_fno_record_initial_inputs,
   -ts_fno_record_outputs. Initial-state perturbation (recording and replaying):
   -ts_fno_perturb <amplitude> -ts_fno_perturb_seed <n> -ts_fno_perturb_correlation <cells>
   -ts_fno_perturb_components <c,...> -ts_fno_perturb_bounds <lo,hi>.
M*/
PETSC_EXTERN PetscErrorCode TSCreate_FNO(TS ts) {
  TS_FNO* fno_ts;
  PetscFunctionBegin;
  PetscCall(PetscNew(&fno_ts));
  ts->data = fno_ts;
  PetscCall(PetscFNOCreate(PetscObjectComm((PetscObject)ts), &fno_ts->fno));
  PetscCall(PetscObjectIncrementTabLevel((PetscObject)fno_ts->fno, (PetscObject)ts, 1));
  ts->ops->setup = TSSetUp_FNO;
  ts->ops->step = TSStep_FNO;
  ts->ops->interpolate = TSInterpolate_FNO;
  ts->ops->setfromoptions = TSSetFromOptions_FNO;
  ts->ops->view = TSView_FNO;
  ts->ops->reset = TSReset_FNO;
  ts->ops->destroy = TSDestroy_FNO;
  ts->usessnes = PETSC_FALSE;
  ts->default_adapt_type = TSADAPTNONE;
  PetscFunctionReturn(0);
}
