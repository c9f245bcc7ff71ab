// The private side of the PetscFNO object and the package's log events.
#pragma once
#include <petsc/private/petscimpl.h>

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dmda_surrogate.hpp"
#include "files/model_file.hpp"
#include "petscfno.h"
#include "common/profiling.hpp"

struct _PetscFNOOps {
  PetscErrorCode (*view)(PetscFNO, PetscViewer);
};

namespace fno::plugin {

// The C++ state of a PetscFNO (the PETSc header is C and allocated by PETSc).
struct PetscFNOState {
  std::string model_path;
  bool loaded = false;
  ModelFileInfo info;
  std::string input_file;
  std::string predicted_input_file;  // the input file of the last prediction
  Precision precision = Precision::single;
  std::string device = "cpu";
  PetscInt threads = 1;
  PetscReal initial_tolerance = 1e-8;
  std::vector<PetscInt> output_components;  // one per output channel, or empty: by field name
  bool components_given = false;
  std::map<std::string, Vec> inputs;        // PetscFNOSetInput (referenced)
  Vec initial_state = nullptr;              // PetscFNOSetInitialState (a copy)
  std::vector<PetscReal> times;             // seconds
  DmdaBlock block;
  PetscInt dof = 1;
  std::unique_ptr<DmdaSurrogate> surrogate;
  bool predicted = false;
  // What the last prediction read: one (object id, state) per input channel.
  std::vector<std::pair<PetscInt64, PetscObjectState>> input_stamps;
  double last_predict_seconds = 0;
  PetscInt predictions = 0;
};

// A number as C's %g writes it (PETSc's own printf writes 0 as "0."), for messages.
std::string Num(double value);

struct LogEvents {
  PetscLogEvent setup = 0, load = 0, build = 0, read_weights = 0, input_map = 0, predict = 0, output_map = 0, record = 0, perturb = 0;
  PetscLogEvent stage[profile::stage_count] = {};
};
extern LogEvents events;

}  // namespace fno::plugin

struct _p_PetscFNO {
  PETSCHEADER(struct _PetscFNOOps);
  DM dm;
  PetscBool setupcalled;
  fno::plugin::PetscFNOState* state;  // owned; created in PetscFNOCreate, freed in PetscFNODestroy
};

// Runs core code and turns an exception (which the core raises identically on every rank
// for collective conditions) into a PETSc error on `comm`.
#define PetscFNOCallCore(comm, ...)                                           \
  do {                                                                        \
    try {                                                                     \
      __VA_ARGS__;                                                            \
    } catch (const std::exception& fno_exception_) {                          \
      SETERRQ((comm), PETSC_ERR_LIB, "petsc-fno: %s", fno_exception_.what()); \
    }                                                                         \
  } while (0)
