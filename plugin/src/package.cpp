// The package: class id, log events (including one per stage of the core's forward, fed
// by the core's profiling hook), citation, and the TS type "fno".
#include <petscts.h>

#include <cstdio>

#include "petscfno_impl.hpp"
#include "ts_fno_record.hpp"

PetscClassId PETSCFNO_CLASSID = 0;

PETSC_EXTERN PetscErrorCode TSCreate_FNO(TS);

namespace fno::plugin {

LogEvents events;

std::string Num(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

namespace {

PetscBool package_initialized = PETSC_FALSE;

void stage_begin(profile::Stage stage, void*) {
  (void)PetscLogEventBegin(events.stage[static_cast<int>(stage)], 0, 0, 0, 0);
}
void stage_end(profile::Stage stage, void*) {
  (void)PetscLogEventEnd(events.stage[static_cast<int>(stage)], 0, 0, 0, 0);
}

// -log_view names (at most 16 characters are shown).
const char* stage_event_name(profile::Stage stage) {
  switch (stage) {
    case profile::Stage::forward: return "FNOForward";
    case profile::Stage::backward: return "FNOBackward";
    case profile::Stage::lift: return "FNOLift";
    case profile::Stage::transpose: return "FNOTranspose";
    case profile::Stage::time_dft: return "FNOTimeDFT";
    case profile::Stage::space_dft: return "FNOSpaceDFT";
    case profile::Stage::spectral_multiply: return "FNOSpectralMul";
    case profile::Stage::pointwise: return "FNOPointwise";
    case profile::Stage::activation: return "FNOActivation";
    case profile::Stage::projection: return "FNOProjection";
    case profile::Stage::count_: break;
  }
  return "FNOUnknown";
}

}  // namespace

}  // namespace fno::plugin

PetscErrorCode PetscFNOFinalizePackage(void) {
  PetscFunctionBegin;
  fno::profile::set_observer(nullptr);
  fno::plugin::package_initialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOInitializePackage(void) {
  using namespace fno::plugin;
  PetscFunctionBegin;
  if (package_initialized) PetscFunctionReturn(0);
  package_initialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("PetscFNO", &PETSCFNO_CLASSID));
  PetscCall(PetscLogEventRegister("FNOSetUp", PETSCFNO_CLASSID, &events.setup));
  PetscCall(PetscLogEventRegister("FNOLoad", PETSCFNO_CLASSID, &events.load));
  PetscCall(PetscLogEventRegister("FNOBuild", PETSCFNO_CLASSID, &events.build));
  PetscCall(PetscLogEventRegister("FNOReadWeights", PETSCFNO_CLASSID, &events.read_weights));
  PetscCall(PetscLogEventRegister("FNOPredict", PETSCFNO_CLASSID, &events.predict));
  PetscCall(PetscLogEventRegister("FNOInputMap", PETSCFNO_CLASSID, &events.input_map));
  PetscCall(PetscLogEventRegister("FNORecord", PETSCFNO_CLASSID, &events.record));
  PetscCall(PetscLogEventRegister("FNOPerturb", PETSCFNO_CLASSID, &events.perturb));
  PetscCall(PetscLogEventRegister("FNOOutputMap", PETSCFNO_CLASSID, &events.output_map));
  for (int s = 0; s < fno::profile::stage_count; ++s)
    PetscCall(PetscLogEventRegister(stage_event_name(static_cast<fno::profile::Stage>(s)), PETSCFNO_CLASSID,
                                    &events.stage[s]));
  const fno::profile::Observer observer{stage_begin, stage_end, nullptr};
  fno::profile::set_observer(&observer);
  PetscCall(TSRegister(TSFNO, TSCreate_FNO));
  PetscCall(TSTrajectoryRegister(TSTRAJECTORYFNORECORD, TSTrajectoryCreate_FNORecord));
  PetscCall(TSFNORecordRewriteOptions());
  PetscCall(PetscRegisterFinalize(PetscFNOFinalizePackage));
  PetscFunctionReturn(0);
}

// Called by PETSc when the library is loaded with -dll_append <dir>/libpetscfno.so.
PetscErrorCode PetscDLLibraryRegister_petscfno(void) {
  PetscFunctionBegin;
  PetscCall(PetscFNOInitializePackage());
  PetscFunctionReturn(0);
}
