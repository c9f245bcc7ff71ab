/*
   petscfno.h - the public C API of petsc-fno's PETSc plugin.

   A PetscFNO runs a trained space-time Fourier Neural Operator (a petsc-fno model file)
   on a DMDA's own domain decomposition: each rank's block of every input and output is
   exactly the part of the DMDA Vec it owns, so moving data between host Vecs and the
   model is a local copy, never a message.

     PetscFNO fno;
     PetscCall(PetscFNOCreate(PETSC_COMM_WORLD, &fno));
     PetscCall(PetscFNOSetDM(fno, da));                        // the host's DMDA
     PetscCall(PetscFNOLoad(fno, "share/models/co2-slice.h5"));
     PetscCall(PetscFNOSetFromOptions(fno));                   // -fno_precision, -fno_view, ...
     PetscCall(PetscFNOSetInput(fno, "permeability", perm));   // host fields named by the model
     PetscCall(PetscFNOSetUp(fno));
     PetscCall(PetscFNOPredict(fno, NULL));                    // the whole horizon at once
     PetscCall(PetscFNOGetTimes(fno, &n, &times));             // seconds
     for (k = 0; k < n; k++) PetscCall(PetscFNOGetState(fno, k, state));
     PetscCall(PetscFNODestroy(&fno));

   The TS type "fno" (TSFNO) is built on this object; see README, "Using the surrogate in
   your simulator".
*/
#ifndef PETSCFNO_H
#define PETSCFNO_H

#include <petscdm.h>
#include <petscts.h>
#include <petscviewer.h>

/* The TS type registered by this library: -ts_type fno */
#define TSFNO "fno"

typedef struct _p_PetscFNO *PetscFNO;

PETSC_EXTERN PetscClassId PETSCFNO_CLASSID;

/* Registers the class, the log events, the citation and the TS type "fno". Called by
   PetscDLLibraryRegister_petscfno() when the library is loaded with -dll_append, and by
   PetscFNOCreate(); hosts that link the library may call it themselves. */
PETSC_EXTERN PetscErrorCode PetscFNOInitializePackage(void);
PETSC_EXTERN PetscErrorCode PetscFNOFinalizePackage(void);
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_petscfno(void);

PETSC_EXTERN PetscErrorCode PetscFNOCreate(MPI_Comm, PetscFNO *);
PETSC_EXTERN PetscErrorCode PetscFNODestroy(PetscFNO *);
PETSC_EXTERN PetscErrorCode PetscFNOSetDM(PetscFNO, DM);
PETSC_EXTERN PetscErrorCode PetscFNOGetDM(PetscFNO, DM *);
/* Reads the model file's description (architecture, /problem); the weights are read by
   PetscFNOSetUp() on the DMDA's partition. */
PETSC_EXTERN PetscErrorCode PetscFNOLoad(PetscFNO, const char[]);
PETSC_EXTERN PetscErrorCode PetscFNOSetOptionsPrefix(PetscFNO, const char[]);
PETSC_EXTERN PetscErrorCode PetscFNOAppendOptionsPrefix(PetscFNO, const char[]);
PETSC_EXTERN PetscErrorCode PetscFNOGetOptionsPrefix(PetscFNO, const char *[]);
PETSC_EXTERN PetscErrorCode PetscFNOSetFromOptions(PetscFNO);
PETSC_EXTERN PetscErrorCode PetscFNOSetUp(PetscFNO);
PETSC_EXTERN PetscErrorCode PetscFNOView(PetscFNO, PetscViewer);
PETSC_EXTERN PetscErrorCode PetscFNOViewFromOptions(PetscFNO, PetscObject, const char[]);

/* Inputs. The model file names the host fields it needs (e.g. "permeability" in mD) and
   how each is transformed. A field is taken, in this order, from PetscFNOSetInput(), from a
   Vec composed on the DM under the field's name (PetscObjectCompose), or from the HDF5
   file given by PetscFNOSetInputFile() / -fno_input_file (a dataset named like the field,
   in the layout of PETSc's HDF5 viewer). Vecs must have the DM's layout with one dof. */
PETSC_EXTERN PetscErrorCode PetscFNOSetInput(PetscFNO, const char[], Vec);
PETSC_EXTERN PetscErrorCode PetscFNOSetInputFile(PetscFNO, const char[]);
PETSC_EXTERN PetscErrorCode PetscFNOGetInputCount(PetscFNO, PetscInt *);
/* Name of input channel k (e.g. "log10_permeability") and the host field it reads. */
PETSC_EXTERN PetscErrorCode PetscFNOGetInputName(PetscFNO, PetscInt, const char *[], const char *[]);

/* Outputs. Output channel k of the model fills DM component component[k] of a host state
   Vec; by default the component whose DMDA field name (DMDASetFieldName) equals the
   model's output name, or component 0 for a one-dof DM without field names. Components
   the model does not predict are left as they are. */
PETSC_EXTERN PetscErrorCode PetscFNOSetOutputComponents(PetscFNO, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode PetscFNOGetOutputCount(PetscFNO, PetscInt *);
PETSC_EXTERN PetscErrorCode PetscFNOGetOutputName(PetscFNO, PetscInt, const char *[]);

/* The model's output times in seconds (array owned by the object). */
PETSC_EXTERN PetscErrorCode PetscFNOGetTimes(PetscFNO, PetscInt *, const PetscReal *[]);

/* Runs the model once over the whole space-time horizon with the current inputs. If
   states is not NULL it holds one Vec per output time (DM layout), which are filled; the
   first time's state is the host's initial state given by PetscFNOSetInitialState(),
   else the model's prediction there. */
PETSC_EXTERN PetscErrorCode PetscFNOPredict(PetscFNO, Vec[]);
/* The state at the first output time (the host's initial condition; copied): replaces the
   prediction there and is checked against the initial value the model assumes. */
PETSC_EXTERN PetscErrorCode PetscFNOSetInitialState(PetscFNO, Vec);
/* The predicted state at output time index k, or at any time t inside the model's span
   (linear in time between outputs), written into the predicted components of a host Vec. */
PETSC_EXTERN PetscErrorCode PetscFNOGetState(PetscFNO, PetscInt, Vec);
PETSC_EXTERN PetscErrorCode PetscFNOInterpolate(PetscFNO, PetscReal, Vec);
/* Whether an input changed (a different Vec, a new PetscObjectState, or a field read from a
   file) since the last PetscFNOPredict(), or none was made yet. */
PETSC_EXTERN PetscErrorCode PetscFNOInputsChanged(PetscFNO, PetscBool *);

#endif
