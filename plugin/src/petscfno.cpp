// The PetscFNO object: a trained FNO on a host's DMDA (see include/petscfno.h).
#include <petscdmda.h>
#include <petscviewerhdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "common/blas.hpp"
#include "petscfno_impl.hpp"

using fno::plugin::events;
using fno::plugin::Num;
using fno::plugin::PetscFNOState;

namespace {

const char citation[] =
    "@article{li2021fno,\n"
    "  title   = {Fourier Neural Operator for Parametric Partial Differential Equations},\n"
    "  author  = {Zongyi Li and Nikola Kovachki and Kamyar Azizzadenesheli and Burigede Liu and Kaushik\n"
    "             Bhattacharya and Andrew Stuart and Anima Anandkumar},\n"
    "  journal = {International Conference on Learning Representations (ICLR)},\n"
    "  year    = {2021}\n}\n";
PetscBool cited = PETSC_FALSE;

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

PetscErrorCode CheckLoaded(PetscFNO fno, const char* what) {
  PetscFunctionBegin;
  PetscCheck(fno->state->loaded, PetscObjectComm((PetscObject)fno), PETSC_ERR_ORDER,
             "PetscFNO: %s needs a model: call PetscFNOLoad() or give -%sfno_model <file.h5>", what,
             ((PetscObject)fno)->prefix ? ((PetscObject)fno)->prefix : "");
  PetscFunctionReturn(0);
}

PetscErrorCode CheckSetUp(PetscFNO fno, const char* what) {
  PetscFunctionBegin;
  PetscCheck(fno->setupcalled, PetscObjectComm((PetscObject)fno), PETSC_ERR_ORDER,
             "PetscFNO: %s needs PetscFNOSetUp() first", what);
  PetscFunctionReturn(0);
}

// Checks that `v` has the layout of a one-dof field on the DMDA (its owned block).
PetscErrorCode CheckFieldVec(PetscFNO fno, Vec v, const char* field, const char* where) {
  PetscInt n, N, expected = fno->state->block.points(), global = 1;
  PetscFunctionBegin;
  for (auto e : fno->state->block.global) global *= static_cast<PetscInt>(e);
  PetscCall(VecGetLocalSize(v, &n));
  PetscCall(VecGetSize(v, &N));
  PetscCheck(N == global, PetscObjectComm((PetscObject)fno), PETSC_ERR_ARG_SIZ,
             "PetscFNO: host field '%s' (%s) has %" PetscInt_FMT " entries; a one-dof field on the DMDA has %" PetscInt_FMT,
             field, where, N, global);
  PetscBool ok = n == expected ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &ok, 1, MPIU_BOOL, MPI_LAND, PetscObjectComm((PetscObject)fno)));
  PetscCheck(ok, PetscObjectComm((PetscObject)fno), PETSC_ERR_ARG_SIZ,
             "PetscFNO: host field '%s' (%s) is not laid out like the DMDA's owned blocks (one dof per cell)", field,
             where);
  PetscFunctionReturn(0);
}

// The DM component named `name` (DMDASetFieldName; unnamed components are "component_<d>",
// as record mode names them).
PetscErrorCode ComponentIndex(PetscFNO fno, const std::string& name, PetscInt* index) {
  PetscInt dof;
  std::vector<std::string> names;
  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(fno->dm, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &dof, nullptr, nullptr,
                        nullptr, nullptr, nullptr));
  *index = -1;
  for (PetscInt d = 0; d < dof; ++d) {
    const char* fname = nullptr;
    PetscCall(DMDAGetFieldName(fno->dm, d, &fname));
    names.push_back(fname && fname[0] ? std::string(fname) : "component_" + std::to_string(d));
    if (names.back() == name) *index = d;
  }
  PetscCheck(*index >= 0, PetscObjectComm((PetscObject)fno), PETSC_ERR_ARG_INCOMP,
             "PetscFNO: model '%s' takes component '%s' of the host's initial state but the host's DMDA components are "
             "%s",
             fno->state->model_path.c_str(), name.c_str(), join_names(names).c_str());
  PetscFunctionReturn(0);
}

// Finds host field `source` for input channel k: PetscFNOSetInput, a Vec composed on the
// DM, or the input file. On success *v is a Vec the caller must destroy (referenced or
// created) and *where says where it came from.
PetscErrorCode FindInput(PetscFNO fno, const fno::ProblemInput& field, Vec* v, std::string* where) {
  PetscFNOState& st = *fno->state;
  MPI_Comm comm = PetscObjectComm((PetscObject)fno);
  const char* source = field.source.c_str();
  PetscFunctionBegin;
  *v = nullptr;
  if (field.kind == "initial_state") {
    // A component of the host's state at the start of the run (PetscFNOSetInitialState;
    // the TS type passes its solution there before predicting).
    PetscCheck(st.initial_state, comm, PETSC_ERR_ORDER,
               "PetscFNO: model '%s' takes component '%s' of the host's initial state as input '%s'; call "
               "PetscFNOSetInitialState() before PetscFNOPredict()",
               st.model_path.c_str(), source, field.name.c_str());
    PetscInt component = -1;
    PetscCall(ComponentIndex(fno, field.source, &component));
    DM field_dm;
    PetscCall(DMDACreateCompatibleDMDA(fno->dm, 1, &field_dm));
    PetscCall(DMCreateGlobalVector(field_dm, v));
    PetscCall(DMDestroy(&field_dm));
    PetscCall(VecStrideGather(st.initial_state, component, *v, INSERT_VALUES));
    *where = "the host's initial state, component " + std::to_string(component);
    PetscFunctionReturn(0);
  }
  auto given = st.inputs.find(field.source);
  if (given != st.inputs.end()) {
    *v = given->second;
    PetscCall(PetscObjectReference((PetscObject)*v));
    *where = "PetscFNOSetInput()";
    PetscFunctionReturn(0);
  }
  PetscObject composed = nullptr;
  PetscCall(PetscObjectQuery((PetscObject)fno->dm, source, &composed));
  if (composed) {
    PetscBool is_vec;
    PetscCall(PetscObjectTypeCompareAny(composed, &is_vec, VECSEQ, VECMPI, VECSTANDARD, ""));
    if (!is_vec) {
      PetscClassId id;
      PetscCall(PetscObjectGetClassId(composed, &id));
      is_vec = id == VEC_CLASSID ? PETSC_TRUE : PETSC_FALSE;
    }
    PetscCheck(is_vec, comm, PETSC_ERR_ARG_WRONG, "PetscFNO: the object composed on the DM as '%s' is not a Vec", source);
    *v = (Vec)composed;
    PetscCall(PetscObjectReference(composed));
    *where = "a Vec composed on the DM";
    PetscFunctionReturn(0);
  }
  bool in_file = false;
  if (!st.input_file.empty()) {
    PetscViewer viewer;
    PetscBool has;
    PetscCall(PetscViewerHDF5Open(comm, st.input_file.c_str(), FILE_MODE_READ, &viewer));
    PetscCall(PetscViewerHDF5HasDataset(viewer, source, &has));
    if (has) {
      DM field_dm;
      PetscCall(DMDACreateCompatibleDMDA(fno->dm, 1, &field_dm));
      PetscCall(DMCreateGlobalVector(field_dm, v));
      PetscCall(DMDestroy(&field_dm));
      PetscCall(PetscObjectSetName((PetscObject)*v, source));
      PetscCall(VecLoad(*v, viewer));
      *where = "dataset '" + field.source + "' of " + st.input_file;
      in_file = true;
    }
    PetscCall(PetscViewerDestroy(&viewer));
  }
  if (in_file) PetscFunctionReturn(0);
  SETERRQ(comm, PETSC_ERR_ARG_WRONGSTATE,
          "PetscFNO: input field '%s' of model '%s' needs host field '%s' (%s); looked for it in "
          "PetscFNOSetInput(), as a Vec composed on the DM (PetscObjectCompose((PetscObject)dm, \"%s\", (PetscObject)vec)) "
          "and %s%s%s",
          field.name.c_str(), st.model_path.c_str(), source, field.units.empty() ? "no units given" : field.units.c_str(),
          source, st.input_file.empty() ? "in no input file (none given: -ts_fno_input_file F.h5 or -fno_input_file)" : "in the input file ",
          st.input_file.c_str(), st.input_file.empty() ? "" : " (no such dataset)");
}

PetscErrorCode StampOf(Vec v, std::pair<PetscInt64, PetscObjectState>* stamp) {
  PetscFunctionBegin;
  PetscCall(PetscObjectGetId((PetscObject)v, &stamp->first));
  PetscCall(PetscObjectStateGet((PetscObject)v, &stamp->second));
  PetscFunctionReturn(0);
}

}  // namespace

PetscErrorCode PetscFNOCreate(MPI_Comm comm, PetscFNO* fno) {
  PetscFNO f;
  PetscFunctionBegin;
  PetscValidPointer(fno, 2);
  PetscCall(PetscFNOInitializePackage());
  PetscCall(PetscCitationsRegister(citation, &cited));
  PetscCall(PetscHeaderCreate(f, PETSCFNO_CLASSID, "PetscFNO", "Fourier Neural Operator surrogate", "PetscFNO", comm,
                              PetscFNODestroy, PetscFNOView));
  f->dm = nullptr;
  f->setupcalled = PETSC_FALSE;
  f->state = std::make_unique<PetscFNOState>().release();  // reclaimed by PetscFNODestroy
  PetscCall(PetscObjectChangeTypeName((PetscObject)f, "cpu"));  // the compute device
  *fno = f;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNODestroy(PetscFNO* fno) {
  PetscFunctionBegin;
  if (!*fno) PetscFunctionReturn(0);
  PetscValidHeaderSpecific(*fno, PETSCFNO_CLASSID, 1);
  if (--((PetscObject)(*fno))->refct > 0) {
    *fno = nullptr;
    PetscFunctionReturn(0);
  }
  std::unique_ptr<PetscFNOState> state((*fno)->state);
  for (auto& [name, v] : state->inputs) PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&state->initial_state));
  state.reset();
  PetscCall(DMDestroy(&(*fno)->dm));
  PetscCall(PetscHeaderDestroy(fno));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetDM(PetscFNO fno, DM dm) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscValidHeaderSpecific(dm, DM_CLASSID, 2);
  PetscCall(PetscObjectReference((PetscObject)dm));
  PetscCall(DMDestroy(&fno->dm));
  fno->dm = dm;
  fno->setupcalled = PETSC_FALSE;
  fno->state->predicted = false;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetDM(PetscFNO fno, DM* dm) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  *dm = fno->dm;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOLoad(PetscFNO fno, const char path[]) {
  PetscFNOState& st = *fno->state;
  MPI_Comm comm;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  comm = PetscObjectComm((PetscObject)fno);
  PetscCall(PetscLogEventBegin(events.load, fno, 0, 0, 0));
  fno::ModelFileInfo info;
  PetscFNOCallCore(comm, info = fno::read_model_info(path, comm));
  PetscCheck(info.problem.has_value(), comm, PETSC_ERR_FILE_UNEXPECTED,
             "PetscFNO: model file '%s' has no /problem description (which host fields feed the model, which field it "
             "predicts, at which times); models written by fno-train or fno-init carry one",
             path);
  st.info = std::move(info);
  st.model_path = path;
  st.loaded = true;
  st.times.assign(st.info.problem->times.begin(), st.info.problem->times.end());
  st.surrogate.reset();
  st.predicted = false;
  fno->setupcalled = PETSC_FALSE;
  PetscCall(PetscLogEventEnd(events.load, fno, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetOptionsPrefix(PetscFNO fno, const char prefix[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)fno, prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOAppendOptionsPrefix(PetscFNO fno, const char prefix[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(PetscObjectAppendOptionsPrefix((PetscObject)fno, prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetOptionsPrefix(PetscFNO fno, const char* prefix[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(PetscObjectGetOptionsPrefix((PetscObject)fno, prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetFromOptions(PetscFNO fno) {
  PetscFNOState& st = *fno->state;
  char path[PETSC_MAX_PATH_LEN] = "", input_file[PETSC_MAX_PATH_LEN] = "";
  PetscBool set_model = PETSC_FALSE, set_input = PETSC_FALSE, set;
  const char* precisions[] = {"single", "double", "PetscFNOPrecision", "", nullptr};
  const char* devices[] = {"cpu", "cuda", "PetscFNODevice", "", nullptr};
  PetscInt precision = st.precision == fno::plugin::Precision::single ? 0 : 1;
  PetscInt device = st.device == "cpu" ? 0 : 1;
  PetscInt components[16];
  PetscInt ncomponents = 16;
  for (PetscInt& c : components) c = -1;  // shown by -help: -1 = matched by field name
  for (std::size_t c = 0; c < st.output_components.size() && c < 16; ++c) components[c] = st.output_components[c];
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscObjectOptionsBegin((PetscObject)fno);
  PetscCall(PetscOptionsString("-fno_model", "petsc-fno model file (HDF5) to run", "PetscFNOLoad", st.model_path.c_str(),
                               path, sizeof(path), &set_model));
  PetscCall(PetscOptionsString("-fno_input_file",
                               "HDF5 file with the model's input fields as datasets named like the host fields "
                               "(PETSc HDF5 viewer layout, e.g. fno-sim's solution.h5)",
                               "PetscFNOSetInputFile", st.input_file.c_str(), input_file, sizeof(input_file), &set_input));
  PetscCall(PetscOptionsEList("-fno_precision", "floating-point type the network computes in", "PetscFNOSetFromOptions",
                              precisions, 2, precisions[precision], &precision, nullptr));
  PetscCall(PetscOptionsEList("-fno_device", "where the network runs (cuda: the GPU backend, not built yet)",
                              "PetscFNOSetFromOptions", devices, 2, devices[device], &device, nullptr));
  PetscCall(PetscOptionsInt("-fno_threads", "BLAS threads per MPI rank", "PetscFNOSetFromOptions", st.threads,
                            &st.threads, nullptr));
  PetscCall(PetscOptionsReal("-fno_initial_tolerance",
                             "largest |host initial state - the model's assumed initial value| accepted", "PetscFNOSetUp",
                             st.initial_tolerance, &st.initial_tolerance, nullptr));
  PetscCall(PetscOptionsIntArray("-fno_output_components",
                                 "DM component filled by each model output (-1: the component whose DMDA field name is the output's)",
                                 "PetscFNOSetOutputComponents", components, &ncomponents, &set));
  if (set) PetscCall(PetscFNOSetOutputComponents(fno, ncomponents, components));
  PetscCall(PetscOptionsName("-fno_view", "view the surrogate after set-up", "PetscFNOView", nullptr));
  PetscOptionsEnd();
  PetscCheck(st.threads >= 1, PetscObjectComm((PetscObject)fno), PETSC_ERR_ARG_OUTOFRANGE,
             "PetscFNO: -fno_threads must be >= 1, got %" PetscInt_FMT, st.threads);
  PetscCheck(device == 0, PetscObjectComm((PetscObject)fno), PETSC_ERR_SUP,
             "PetscFNO: -%sfno_device cuda: this build of petsc-fno has no CUDA backend for the model yet (the GPU issue "
             "of the roadmap); use -%sfno_device cpu",
             ((PetscObject)fno)->prefix ? ((PetscObject)fno)->prefix : "",
             ((PetscObject)fno)->prefix ? ((PetscObject)fno)->prefix : "");
  st.device = "cpu";
  const auto wanted = precision == 0 ? fno::plugin::Precision::single : fno::plugin::Precision::double_;
  if (wanted != st.precision) {
    st.precision = wanted;
    fno->setupcalled = PETSC_FALSE;
    st.surrogate.reset();
    st.predicted = false;
  }
  if (set_input) PetscCall(PetscFNOSetInputFile(fno, input_file));
  if (set_model && (!st.loaded || st.model_path != path)) PetscCall(PetscFNOLoad(fno, path));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetInputFile(PetscFNO fno, const char path[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  fno->state->input_file = path ? path : "";
  fno->state->predicted = false;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetInput(PetscFNO fno, const char name[], Vec v) {
  PetscFNOState& st = *fno->state;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscValidHeaderSpecific(v, VEC_CLASSID, 3);
  PetscCall(PetscObjectReference((PetscObject)v));
  auto it = st.inputs.find(name);
  if (it != st.inputs.end()) PetscCall(VecDestroy(&it->second));
  st.inputs[name] = v;
  st.predicted = false;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetOutputComponents(PetscFNO fno, PetscInt n, const PetscInt components[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  fno->state->output_components.assign(components, components + n);
  fno->state->components_given = true;
  fno->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetInputCount(PetscFNO fno, PetscInt* n) {
  PetscFunctionBegin;
  PetscCall(CheckLoaded(fno, "PetscFNOGetInputCount()"));
  *n = static_cast<PetscInt>(fno->state->info.problem->inputs.size());
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetInputName(PetscFNO fno, PetscInt k, const char* name[], const char* source[]) {
  PetscFunctionBegin;
  PetscCall(CheckLoaded(fno, "PetscFNOGetInputName()"));
  const auto& inputs = fno->state->info.problem->inputs;
  PetscCheck(k >= 0 && k < static_cast<PetscInt>(inputs.size()), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "input %" PetscInt_FMT " of %zu", k, inputs.size());
  if (name) *name = inputs[static_cast<std::size_t>(k)].name.c_str();
  if (source) *source = inputs[static_cast<std::size_t>(k)].source.c_str();
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetOutputCount(PetscFNO fno, PetscInt* n) {
  PetscFunctionBegin;
  PetscCall(CheckLoaded(fno, "PetscFNOGetOutputCount()"));
  *n = static_cast<PetscInt>(fno->state->info.problem->outputs.size());
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetOutputName(PetscFNO fno, PetscInt k, const char* name[]) {
  PetscFunctionBegin;
  PetscCall(CheckLoaded(fno, "PetscFNOGetOutputName()"));
  const auto& outputs = fno->state->info.problem->outputs;
  PetscCheck(k >= 0 && k < static_cast<PetscInt>(outputs.size()), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "output %" PetscInt_FMT " of %zu", k, outputs.size());
  *name = outputs[static_cast<std::size_t>(k)].name.c_str();
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetTimes(PetscFNO fno, PetscInt* n, const PetscReal* times[]) {
  PetscFunctionBegin;
  PetscCall(CheckLoaded(fno, "PetscFNOGetTimes()"));
  if (n) *n = static_cast<PetscInt>(fno->state->times.size());
  if (times) *times = fno->state->times.data();
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetUp(PetscFNO fno) {
  PetscFNOState& st = *fno->state;
  MPI_Comm comm;
  PetscBool is_da;
  PetscInt dim, M, N, P, m, n, p, dof;
  const PetscInt *lx, *ly, *lz;
  PetscInt xs, ys, zs, xm, ym, zm;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  if (fno->setupcalled) PetscFunctionReturn(0);
  comm = PetscObjectComm((PetscObject)fno);
  PetscCall(CheckLoaded(fno, "PetscFNOSetUp()"));
  PetscCheck(fno->dm, comm, PETSC_ERR_ORDER, "PetscFNO: call PetscFNOSetDM() before PetscFNOSetUp()");
  PetscCall(PetscObjectTypeCompare((PetscObject)fno->dm, DMDA, &is_da));
  PetscCheck(is_da, comm, PETSC_ERR_SUP, "PetscFNO: the host's DM must be a DMDA (the surrogate runs on its partition)");
  PetscCall(PetscLogEventBegin(events.setup, fno, 0, 0, 0));
  const fno::FnoConfig& config = st.info.config;
  const fno::ProblemDescription& problem = *st.info.problem;
  PetscCall(DMDAGetInfo(fno->dm, &dim, &M, &N, &P, &m, &n, &p, &dof, nullptr, nullptr, nullptr, nullptr, nullptr));
  PetscCheck(dim == config.space_dims, comm, PETSC_ERR_ARG_INCOMP,
             "PetscFNO: the host's DMDA is %" PetscInt_FMT "-dimensional but model '%s' has %d space axes", dim,
             st.model_path.c_str(), config.space_dims);
  const PetscInt host_sizes[3] = {M, N, P};
  std::ostringstream host_grid, model_grid;
  bool same = true;
  for (int a = 0; a < dim; ++a) {
    host_grid << (a ? " x " : "") << host_sizes[a];
    model_grid << (a ? " x " : "") << config.grid[static_cast<std::size_t>(a)];
    same = same && host_sizes[a] == config.grid[static_cast<std::size_t>(a)];
  }
  PetscCheck(same, comm, PETSC_ERR_ARG_INCOMP,
             "PetscFNO: grid size mismatch: the host's DMDA is %s cells, model '%s' was trained on %s (DMDA axis a = model "
             "space axis a)",
             host_grid.str().c_str(), st.model_path.c_str(), model_grid.str().c_str());

  // Output channel -> DM component.
  const PetscInt outputs = static_cast<PetscInt>(problem.outputs.size());
  std::vector<PetscInt> components(static_cast<std::size_t>(outputs), -1);
  if (st.components_given) {
    PetscCheck(static_cast<PetscInt>(st.output_components.size()) == outputs, comm, PETSC_ERR_ARG_SIZ,
               "PetscFNO: %zu output component(s) given for a model with %" PetscInt_FMT " output(s)",
               st.output_components.size(), outputs);
    for (PetscInt c = 0; c < outputs; ++c) {
      const PetscInt comp = st.output_components[static_cast<std::size_t>(c)];
      if (comp == -1) continue;  // matched by field name below
      PetscCheck(comp >= 0 && comp < dof, comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "PetscFNO: output '%s' mapped to component %" PetscInt_FMT " but the DMDA has %" PetscInt_FMT " dof",
                 problem.outputs[static_cast<std::size_t>(c)].name.c_str(), comp, dof);
      components[static_cast<std::size_t>(c)] = comp;
    }
  }
  {
    std::vector<std::string> names;
    for (PetscInt d = 0; d < dof; ++d) {
      const char* fname = nullptr;
      PetscCall(DMDAGetFieldName(fno->dm, d, &fname));
      names.emplace_back(fname ? fname : "");
    }
    for (PetscInt c = 0; c < outputs; ++c) {
      if (components[static_cast<std::size_t>(c)] >= 0) continue;  // given
      const std::string& want = problem.outputs[static_cast<std::size_t>(c)].name;
      for (PetscInt d = 0; d < dof; ++d)
        if (names[static_cast<std::size_t>(d)] == want) components[static_cast<std::size_t>(c)] = d;
      if (components[static_cast<std::size_t>(c)] < 0 && dof == 1 && outputs == 1 && names[0].empty())
        components[static_cast<std::size_t>(c)] = 0;
      std::vector<std::string> shown;
      for (const auto& nm : names) shown.push_back(nm.empty() ? "(unnamed)" : "'" + nm + "'");
      PetscCheck(components[static_cast<std::size_t>(c)] >= 0, comm, PETSC_ERR_ARG_INCOMP,
                 "PetscFNO: model '%s' predicts field '%s' but the host's DMDA fields (%" PetscInt_FMT " dof) are %s; "
                 "name it with DMDASetFieldName() or map it with -fno_output_components",
                 st.model_path.c_str(), want.c_str(), dof, join_names(shown).c_str());
    }
  }
  st.output_components = components;
  st.dof = dof;

  // The DMDA's partition, which the model adopts as its own.
  PetscCall(DMDAGetOwnershipRanges(fno->dm, &lx, &ly, &lz));
  PetscCall(DMDAGetCorners(fno->dm, &xs, &ys, &zs, &xm, &ym, &zm));
  fno::plugin::DmdaBlock block;
  block.dim = static_cast<int>(dim);
  const PetscInt procs[3] = {m, n, p}, starts[3] = {xs, ys, zs}, extents[3] = {xm, ym, zm};
  const PetscInt* ranges[3] = {lx, ly, lz};
  for (int a = 0; a < dim; ++a) {
    block.global.push_back(host_sizes[a]);
    block.start.push_back(starts[a]);
    block.local.push_back(extents[a]);
    block.procs.push_back(static_cast<int>(procs[a]));
    block.ownership.emplace_back(ranges[a], ranges[a] + procs[a]);
  }
  st.block = block;
  fno::blas::set_threads(static_cast<int>(st.threads));
  PetscCall(PetscLogEventBegin(events.build, fno, 0, 0, 0));
  PetscFNOCallCore(comm, st.surrogate = fno::plugin::DmdaSurrogate::create(st.precision, st.model_path, st.info,
                                                                           PetscObjectComm((PetscObject)fno->dm), block));
  PetscCall(PetscLogEventEnd(events.build, fno, 0, 0, 0));
  PetscCall(PetscLogEventBegin(events.read_weights, fno, 0, 0, 0));
  PetscFNOCallCore(comm, st.surrogate->read_weights());
  PetscCall(PetscLogEventEnd(events.read_weights, fno, 0, 0, 0));
  st.predicted = false;
  fno->setupcalled = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(events.setup, fno, 0, 0, 0));
  PetscCall(PetscFNOViewFromOptions(fno, nullptr, "-fno_view"));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOSetInitialState(PetscFNO fno, Vec state) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(VecDestroy(&fno->state->initial_state));
  if (state) {  // a copy: the host's Vec is typically the state the TS then overwrites
    PetscCall(VecDuplicate(state, &fno->state->initial_state));
    PetscCall(VecCopy(state, fno->state->initial_state));
  }
  fno->state->predicted = false;
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOInputsChanged(PetscFNO fno, PetscBool* changed) {
  PetscFNOState& st = *fno->state;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  *changed = PETSC_TRUE;
  if (!st.predicted) PetscFunctionReturn(0);
  const auto& inputs = st.info.problem->inputs;
  bool same = st.input_file == st.predicted_input_file;
  for (std::size_t k = 0; k < inputs.size() && same; ++k) {
    if (inputs[k].kind == "initial_state") continue;  // the TS type re-predicts at the start of a run
    // The Vec that PetscFNOPredict() would read now (without reading files again).
    Vec v = nullptr;
    auto given = st.inputs.find(inputs[k].source);
    if (given != st.inputs.end()) {
      v = given->second;
    } else {
      PetscObject composed = nullptr;
      PetscCall(PetscObjectQuery((PetscObject)fno->dm, inputs[k].source.c_str(), &composed));
      v = (Vec)composed;
    }
    if (v) {
      std::pair<PetscInt64, PetscObjectState> stamp;
      PetscCall(StampOf(v, &stamp));
      same = stamp == st.input_stamps[k];
    } else {
      same = st.input_stamps[k].first < 0;  // read from the (same) input file last time
    }
  }
  PetscBool local = same ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(MPIU_Allreduce(&local, changed, 1, MPIU_BOOL, MPI_LOR, PetscObjectComm((PetscObject)fno)));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOPredict(PetscFNO fno, Vec states[]) {
  PetscFNOState& st = *fno->state;
  MPI_Comm comm;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  comm = PetscObjectComm((PetscObject)fno);
  PetscCall(PetscFNOSetUp(fno));
  PetscCall(PetscLogEventBegin(events.predict, fno, 0, 0, 0));
  const double start = MPI_Wtime();
  const fno::ProblemDescription& problem = *st.info.problem;

  // Inputs: transform, normalize, broadcast along time (local copies only).
  PetscCall(PetscLogEventBegin(events.input_map, fno, 0, 0, 0));
  st.input_stamps.assign(problem.inputs.size(), {});
  for (std::size_t k = 0; k < problem.inputs.size(); ++k) {
    const fno::ProblemInput& field = problem.inputs[k];
    Vec v;
    std::string where;
    PetscCall(FindInput(fno, field, &v, &where));
    PetscCall(CheckFieldVec(fno, v, field.source.c_str(), where.c_str()));
    if (where.rfind("dataset", 0) == 0)
      st.input_stamps[k] = {-1, 0};  // from the input file
    else if (field.kind == "initial_state")
      st.input_stamps[k] = {-2, 0};  // read at the start of each run, not tracked
    else
      PetscCall(StampOf(v, &st.input_stamps[k]));
    const PetscScalar* host;
    PetscCall(VecGetArrayRead(v, &host));
    fno::Index bad = -1;
    PetscFNOCallCore(comm, bad = st.surrogate->set_input(static_cast<fno::Index>(k), host));
    PetscCall(VecRestoreArrayRead(v, &host));
    // The first bad cell over all ranks (global natural index), named on every rank.
    PetscInt first = PETSC_MAX_INT;
    if (bad >= 0) {
      const auto& b = st.block;
      const PetscInt i = static_cast<PetscInt>(bad % b.local[0]) + static_cast<PetscInt>(b.start[0]);
      const PetscInt j = static_cast<PetscInt>((bad / b.local[0]) % b.local[1]) + static_cast<PetscInt>(b.start[1]);
      const PetscInt kk = b.dim == 3 ? static_cast<PetscInt>(bad / (b.local[0] * b.local[1])) + static_cast<PetscInt>(b.start[2]) : 0;
      first = (kk * static_cast<PetscInt>(b.global[1]) + j) * static_cast<PetscInt>(b.global[0]) + i;
    }
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &first, 1, MPIU_INT, MPI_MIN, comm));
    PetscScalar value = 0;
    if (first != PETSC_MAX_INT) {
      // Fetch the offending value for the message from whichever rank owns it.
      PetscScalar mine = 0;
      PetscInt owned = 0;
      if (bad >= 0) {
        PetscCall(VecGetArrayRead(v, &host));
        const auto& b = st.block;
        const PetscInt i = static_cast<PetscInt>(bad % b.local[0]) + static_cast<PetscInt>(b.start[0]);
        const PetscInt j = static_cast<PetscInt>((bad / b.local[0]) % b.local[1]) + static_cast<PetscInt>(b.start[1]);
        const PetscInt kk = b.dim == 3 ? static_cast<PetscInt>(bad / (b.local[0] * b.local[1])) + static_cast<PetscInt>(b.start[2]) : 0;
        if ((kk * static_cast<PetscInt>(b.global[1]) + j) * static_cast<PetscInt>(b.global[0]) + i == first) {
          mine = host[bad];
          owned = 1;
        }
        PetscCall(VecRestoreArrayRead(v, &host));
      }
      if (!owned) mine = 0;
      PetscCall(MPIU_Allreduce(&mine, &value, 1, MPIU_SCALAR, MPIU_SUM, comm));
    }
    PetscCall(VecDestroy(&v));
    if (first != PETSC_MAX_INT) {
      const PetscInt gx = static_cast<PetscInt>(st.block.global[0]), gy = static_cast<PetscInt>(st.block.global[1]);
      SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE,
              "PetscFNO: input '%s' = %s(%s * %s) is not finite at cell (%" PetscInt_FMT ", %" PetscInt_FMT
              ", %" PetscInt_FMT "): host field '%s' there is %s (from %s)",
              field.name.c_str(), field.transform.c_str(), Num(field.scale).c_str(), field.source.c_str(), first % gx,
              (first / gx) % gy, first / (gx * gy), field.source.c_str(), Num(PetscRealPart(value)).c_str(), where.c_str());
    }
  }
  PetscCall(PetscLogEventEnd(events.input_map, fno, 0, 0, 0));

  PetscFNOCallCore(comm, st.surrogate->predict());

  // The first time's state is the host's initial condition, checked against what the
  // model assumes.
  if (st.initial_state) {
    PetscCall(PetscLogEventBegin(events.output_map, fno, 0, 0, 0));
    const PetscScalar* host;
    PetscInt n;
    PetscCall(VecGetLocalSize(st.initial_state, &n));
    PetscCheck(n == st.block.points() * st.dof, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "PetscFNO: the initial state is not a Vec of the DM");
    PetscCall(VecGetArrayRead(st.initial_state, &host));
    for (std::size_t c = 0; c < problem.outputs.size(); ++c) {
      const fno::ProblemOutput& out = problem.outputs[c];
      const PetscInt comp = st.output_components[c];
      if (!std::isnan(out.initial_value)) {
        PetscReal worst = 0, worst_value = out.initial_value;
        for (PetscInt i = 0; i < st.block.points(); ++i) {
          const PetscReal d = PetscAbsReal(PetscRealPart(host[i * st.dof + comp]) - out.initial_value);
          if (!(d <= worst)) {
            worst = d;
            worst_value = PetscRealPart(host[i * st.dof + comp]);
          }
        }
        struct {
          PetscReal deviation, value;
        } local{worst, worst_value}, global{};
        // max deviation, and the value that has it (ties: any)
        PetscCall(MPIU_Allreduce(&local.deviation, &global.deviation, 1, MPIU_REAL, MPIU_MAX, comm));
        PetscReal candidate = local.deviation == global.deviation ? local.value : -PETSC_MAX_REAL;
        PetscCall(MPIU_Allreduce(&candidate, &global.value, 1, MPIU_REAL, MPIU_MAX, comm));
        if (!(global.deviation <= st.initial_tolerance)) {
          PetscCall(VecRestoreArrayRead(st.initial_state, &host));
          SETERRQ(comm, PETSC_ERR_ARG_INCOMP,
                  "PetscFNO: the host's initial %s (component %" PetscInt_FMT ") differs from what model '%s' assumes: "
                  "the host has %s where the model assumes %s at t = %s s (|difference| %s > tolerance %s, "
                  "-fno_initial_tolerance)",
                  out.name.c_str(), comp, st.model_path.c_str(), Num(global.value).c_str(), Num(out.initial_value).c_str(),
                  Num(st.times.front()).c_str(), Num(global.deviation).c_str(), Num(st.initial_tolerance).c_str());
        }
      }
      PetscFNOCallCore(comm, st.surrogate->set_initial_state(static_cast<fno::Index>(c), host, st.dof, comp));
    }
    PetscCall(VecRestoreArrayRead(st.initial_state, &host));
    PetscCall(PetscLogEventEnd(events.output_map, fno, 0, 0, 0));
  }
  st.predicted = true;
  st.predicted_input_file = st.input_file;
  st.predictions++;
  st.last_predict_seconds = MPI_Wtime() - start;
  PetscCall(PetscLogEventEnd(events.predict, fno, 0, 0, 0));
  if (states)
    for (PetscInt k = 0; k < static_cast<PetscInt>(st.times.size()); ++k) PetscCall(PetscFNOGetState(fno, k, states[k]));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOGetState(PetscFNO fno, PetscInt k, Vec state) {
  PetscFNOState& st = *fno->state;
  PetscScalar* host;
  PetscInt n;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscValidHeaderSpecific(state, VEC_CLASSID, 3);
  PetscCall(CheckSetUp(fno, "PetscFNOGetState()"));
  PetscCheck(st.predicted, PetscObjectComm((PetscObject)fno), PETSC_ERR_ORDER, "PetscFNO: call PetscFNOPredict() first");
  PetscCheck(k >= 0 && k < static_cast<PetscInt>(st.times.size()), PetscObjectComm((PetscObject)fno),
             PETSC_ERR_ARG_OUTOFRANGE, "PetscFNO: time index %" PetscInt_FMT " outside [0, %zu)", k, st.times.size());
  PetscCall(VecGetLocalSize(state, &n));
  PetscCheck(n == st.block.points() * st.dof, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "PetscFNO: the state Vec has local size %" PetscInt_FMT ", the DM's owned block %" PetscInt_FMT, n,
             static_cast<PetscInt>(st.block.points() * st.dof));
  PetscCall(PetscLogEventBegin(events.output_map, fno, 0, 0, 0));
  PetscCall(VecGetArray(state, &host));
  for (std::size_t c = 0; c < st.output_components.size(); ++c)
    st.surrogate->output_time_slice(static_cast<fno::Index>(c), k, host, st.dof, st.output_components[c]);
  PetscCall(VecRestoreArray(state, &host));
  PetscCall(PetscLogEventEnd(events.output_map, fno, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOInterpolate(PetscFNO fno, PetscReal t, Vec state) {
  PetscFNOState& st = *fno->state;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(CheckSetUp(fno, "PetscFNOInterpolate()"));
  const std::vector<PetscReal>& times = st.times;
  const PetscReal span = times.back() - times.front();
  const PetscReal tol = 1e-9 * (span > 0 ? span : 1.0);
  PetscCheck(t >= times.front() - tol && t <= times.back() + tol, PetscObjectComm((PetscObject)fno),
             PETSC_ERR_ARG_OUTOFRANGE,
             "PetscFNO: time %s s (%s days) is outside the span of model '%s': [%s, %s] s ([%s, %s] days)",
             Num(t).c_str(), Num(t / 86400).c_str(), st.model_path.c_str(), Num(times.front()).c_str(),
             Num(times.back()).c_str(), Num(times.front() / 86400).c_str(), Num(times.back() / 86400).c_str());
  // The output time at or after t.
  const auto after = std::lower_bound(times.begin(), times.end(), t - tol);
  const PetscInt k1 = std::min<PetscInt>(static_cast<PetscInt>(after - times.begin()), static_cast<PetscInt>(times.size()) - 1);
  if (PetscAbsReal(times[static_cast<std::size_t>(k1)] - t) <= tol || k1 == 0) {
    PetscCall(PetscFNOGetState(fno, k1, state));
    PetscFunctionReturn(0);
  }
  // Linear in time between outputs k1 - 1 and k1.
  Vec earlier;
  PetscCall(VecDuplicate(state, &earlier));
  PetscCall(VecCopy(state, earlier));
  PetscCall(PetscFNOGetState(fno, k1 - 1, earlier));
  PetscCall(PetscFNOGetState(fno, k1, state));
  const PetscReal t0 = times[static_cast<std::size_t>(k1 - 1)], t1 = times[static_cast<std::size_t>(k1)];
  const PetscReal w = (t - t0) / (t1 - t0);
  PetscCall(VecAXPBY(state, 1 - w, w, earlier));  // state = w*state + (1-w)*earlier
  PetscCall(VecDestroy(&earlier));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOView(PetscFNO fno, PetscViewer viewer) {
  PetscFNOState& st = *fno->state;
  PetscBool ascii;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)fno), &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscObjectPrintClassNamePrefixType((PetscObject)fno, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (!st.loaded) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "no model loaded\n"));
    PetscCall(PetscViewerASCIIPopTab(viewer));
    PetscFunctionReturn(0);
  }
  const fno::FnoConfig& c = st.info.config;
  const fno::ProblemDescription& p = *st.info.problem;
  std::ostringstream grid, modes;
  for (std::size_t a = 0; a < c.grid.size(); ++a) {
    grid << (a ? " x " : "") << c.grid[a];
    modes << (a ? "," : "") << c.modes[a];
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "model: %s (stored %s)\n", st.model_path.c_str(), st.info.precision.c_str()));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "architecture: %dD space + time FNO, grid %s (space..., time), width %" PetscInt64_FMT
                                   ", modes %s, %d Fourier layers, projection %" PetscInt64_FMT ", time padding %" PetscInt64_FMT
                                   "\n",
                                   c.space_dims, grid.str().c_str(), (PetscInt64)c.width, modes.str().c_str(), c.layers,
                                   (PetscInt64)c.proj_width, (PetscInt64)c.padding));
  PetscCall(PetscViewerASCIIPrintf(viewer, "normalizers: input %s, output %s\n",
                                   st.info.has_input_normalizer ? "yes" : "no", st.info.has_output_normalizer ? "yes" : "no"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "inputs (model channel = transform(scale * host field)):\n"));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (const auto& in : p.inputs)
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s = %s(%s * %s%s [%s])\n", in.name.c_str(), in.transform.c_str(),
                                     Num(in.scale).c_str(), in.kind == "initial_state" ? "initial " : "",
                                     in.source.c_str(), in.units.c_str()));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "outputs:\n"));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (std::size_t k = 0; k < p.outputs.size(); ++k) {
    const auto& out = p.outputs[k];
    char component[64] = "not set up";
    if (fno->setupcalled)
      PetscCall(PetscSNPrintf(component, sizeof(component), "DM component %" PetscInt_FMT, st.output_components[k]));
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s [%s] -> %s, initial value %s, clipped to [%s, %s]\n", out.name.c_str(),
                                     out.units.c_str(), component, Num(out.initial_value).c_str(), Num(out.min).c_str(),
                                     Num(out.max).c_str()));
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "times: %zu outputs from %s to %s s (%s to %s days)\n", st.times.size(),
                                   Num(st.times.front()).c_str(), Num(st.times.back()).c_str(),
                                   Num(st.times.front() / 86400).c_str(), Num(st.times.back() / 86400).c_str()));
  PetscCall(PetscViewerASCIIPrintf(viewer, "compute: %s, %s precision, %" PetscInt_FMT " BLAS thread(s) per rank\n",
                                   st.device.c_str(), st.precision == fno::plugin::Precision::single ? "single" : "double",
                                   st.threads));
  if (!st.input_file.empty()) PetscCall(PetscViewerASCIIPrintf(viewer, "input file: %s\n", st.input_file.c_str()));
  if (fno->setupcalled) {
    std::ostringstream procs;
    for (std::size_t a = 0; a < st.block.procs.size(); ++a) procs << (a ? " x " : "") << st.block.procs[a];
    PetscCall(PetscViewerASCIIPrintf(viewer, "partition: the DMDA's, %s processes; model tensors %s\n",
                                     procs.str().c_str(), st.surrogate->describe_partition().c_str()));
    PetscCall(PetscViewerASCIIPrintf(viewer, "memory on rank 0: %.1f MB\n", st.surrogate->bytes() / 1e6));
    if (st.predictions)
      PetscCall(PetscViewerASCIIPrintf(viewer, "predictions: %" PetscInt_FMT ", last %.4f s\n", st.predictions,
                                       st.last_predict_seconds));
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode PetscFNOViewFromOptions(PetscFNO fno, PetscObject obj, const char name[]) {
  PetscFunctionBegin;
  PetscValidHeaderSpecific(fno, PETSCFNO_CLASSID, 1);
  PetscCall(PetscObjectViewFromOptions((PetscObject)fno, obj, name));
  PetscFunctionReturn(0);
}
