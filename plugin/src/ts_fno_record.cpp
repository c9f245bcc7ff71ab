#include "ts_fno_record.hpp"

#include <petsc/private/tsimpl.h>
#include <petscviewer.h>
#include <petscdmda.h>
#include <petscversion.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "perturbation.hpp"
#include "petscfno_impl.hpp"
#include "files/trajectory_dataset.hpp"

namespace fno::plugin {
namespace {

constexpr const char* kSessionName = "PetscFNOSession";
constexpr PetscInt kMaxListed = 4096;  // longest option list read (times, names)

// One TS's recording and perturbation, composed on the TS in a PetscContainer.
struct Session {
  // options
  std::string path, scheme;
  std::vector<PetscReal> times_option;
  PetscReal interval = 0;
  bool inputs_given = false;
  std::vector<std::string> inputs_option, initial_inputs_option, outputs_option;
  PerturbationSpec perturb;
  std::vector<std::string> perturb_components;  // empty: every component
  // the run
  bool started = false, finished = false;
  std::unique_ptr<TrajectoryWriter> writer;
  std::vector<PetscReal> times;  // the case's times: the start, then the requested ones
  std::size_t next = 1;          // next time index to record
  PetscReal tolerance = 0;
  PetscInt dof = 1;
  GridBlock block;
  Vec work = nullptr;
  MPI_Comm comm = MPI_COMM_NULL;
  bool recording() const { return !path.empty(); }
};

PetscErrorCode SessionDestroy(void* ctx) {
  std::unique_ptr<Session> s(static_cast<Session*>(ctx));
  PetscFunctionBegin;
  if (s->writer && !s->finished) {
    // The run ended (or the TS was destroyed) before the last output time: the case stays
    // not done, so readers skip it and the next recording reuses it.
    PetscCall(PetscPrintf(s->comm,
                          "petsc-fno: warning: the recording of case %" PetscInt64_FMT " in %s stopped at %zu of %zu "
                          "times; the case is not marked done\n",
                          static_cast<PetscInt64>(s->writer->case_index()), s->path.c_str(), s->next, s->times.size()));
  }
  PetscCall(VecDestroy(&s->work));
  s->writer.reset();
  PetscFunctionReturn(0);
}

PetscErrorCode MonitorContextDestroy(void** ctx) {
  PetscContainer container = static_cast<PetscContainer>(*ctx);
  PetscFunctionBegin;
  PetscCall(PetscContainerDestroy(&container));
  *ctx = nullptr;
  PetscFunctionReturn(0);
}

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s;
}

PetscErrorCode ComponentNames(DM dm, PetscInt dof, std::vector<std::string>* names) {
  PetscFunctionBegin;
  names->clear();
  for (PetscInt d = 0; d < dof; ++d) {
    const char* name = nullptr;
    PetscCall(DMDAGetFieldName(dm, d, &name));
    names->push_back(name && name[0] ? std::string(name) : "component_" + std::to_string(d));
  }
  PetscFunctionReturn(0);
}

// Index of each name in `components`, or an error naming the unknown one.
PetscErrorCode IndicesOf(MPI_Comm comm, const std::vector<std::string>& names, const std::vector<std::string>& components,
                         const char* option, std::vector<PetscInt>* indices) {
  PetscFunctionBegin;
  indices->clear();
  for (const auto& name : names) {
    const auto it = std::find(components.begin(), components.end(), name);
    PetscCheck(it != components.end(), comm, PETSC_ERR_ARG_WRONG,
               "TSFNO: %s names component '%s' but the host's DMDA components are %s", option, name.c_str(),
               Join(components).c_str());
    indices->push_back(static_cast<PetscInt>(it - components.begin()));
  }
  PetscFunctionReturn(0);
}

// [component][point] from the DMDA's interleaved local array.
std::vector<double> Deinterleave(const PetscScalar* u, PetscInt dof, Index points) {
  std::vector<double> out(static_cast<std::size_t>(dof * points));
  for (Index i = 0; i < points; ++i)
    for (PetscInt d = 0; d < dof; ++d)
      out[static_cast<std::size_t>(d * points + i)] = PetscRealPart(u[static_cast<std::size_t>(i * dof + d)]);
  return out;
}

#if PETSC_VERSION_LT(3, 22, 0)
// PETSc's composed-object list (src/sys/objects/olist.c, unchanged from 3.8 to 3.21).
struct ComposedNode {
  char name[256];
  PetscBool skipdereference;
  PetscObject obj;
  ComposedNode* next;
};
#endif

// The one-dof fields composed on the DM (all of them, or the ones named by
// -ts_fno_record_inputs), sorted by name.
PetscErrorCode ComposedInputs(Session& s, DM dm, PetscInt global_points, std::vector<std::string>* names,
                              std::vector<Vec>* vecs) {
  MPI_Comm comm = s.comm;
  PetscFunctionBegin;
  names->clear();
  vecs->clear();
  std::vector<std::string> wanted = s.inputs_option;
  if (!s.inputs_given) {
#if PETSC_VERSION_LT(3, 22, 0)
    std::set<std::string> found;
    for (auto* node = reinterpret_cast<ComposedNode*>(((PetscObject)dm)->olist); node; node = node->next) {
      PetscClassId id;
      PetscCall(PetscObjectGetClassId(node->obj, &id));
      if (id != VEC_CLASSID) continue;
      PetscInt N;
      PetscCall(VecGetSize((Vec)node->obj, &N));
      if (N == global_points) found.insert(node->name);
    }
    wanted.assign(found.begin(), found.end());
#endif
  }
  std::sort(wanted.begin(), wanted.end());
  for (const auto& name : wanted) {
    PetscObject obj = nullptr;
    PetscCall(PetscObjectQuery((PetscObject)dm, name.c_str(), &obj));
    PetscCheck(obj, comm, PETSC_ERR_ARG_WRONG,
               "TSFNO: -ts_fno_record_inputs names '%s' but no object of that name is composed on the TS's DM "
               "(PetscObjectCompose((PetscObject)dm, \"%s\", (PetscObject)vec))",
               name.c_str(), name.c_str());
    PetscClassId id;
    PetscCall(PetscObjectGetClassId(obj, &id));
    PetscCheck(id == VEC_CLASSID, comm, PETSC_ERR_ARG_WRONG, "TSFNO: the object composed on the DM as '%s' is not a Vec",
               name.c_str());
    PetscInt N, n;
    PetscCall(VecGetSize((Vec)obj, &N));
    PetscCall(VecGetLocalSize((Vec)obj, &n));
    PetscBool ok = n == s.block.points() ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &ok, 1, MPIU_BOOL, MPI_LAND, comm));
    PetscCheck(N == global_points && ok, comm, PETSC_ERR_ARG_SIZ,
               "TSFNO: input field '%s' composed on the DM is not a one-dof field laid out like the DMDA (%" PetscInt_FMT
               " entries, the grid has %" PetscInt_FMT " cells); create it from DMDACreateCompatibleDMDA(dm, 1, ...)",
               name.c_str(), N, global_points);
    names->push_back(name);
    vecs->push_back((Vec)obj);
  }
  PetscFunctionReturn(0);
}

// Adds the perturbation to the perturbed components of u (the initial state), then clips.
PetscErrorCode Perturb(Session& s, DM dm, const std::vector<std::string>& components, Vec u, bool locked) {
  PetscFunctionBegin;
  std::vector<PetscInt> perturbed;
  if (s.perturb_components.empty())
    for (PetscInt d = 0; d < s.dof; ++d) perturbed.push_back(d);
  else
    PetscCall(IndicesOf(s.comm, s.perturb_components, components, "-ts_fno_perturb_components", &perturbed));
  const std::size_t count = perturbed.size();
  PetscCheck(s.perturb.amplitude.size() == 1 || s.perturb.amplitude.size() == count, s.comm, PETSC_ERR_ARG_SIZ,
             "TSFNO: -ts_fno_perturb gives %zu amplitudes for %zu perturbed component(s) (give one, or one per component)",
             s.perturb.amplitude.size(), count);
  PetscCheck(s.perturb.bounds.empty() || s.perturb.bounds.size() == 2 || s.perturb.bounds.size() == 2 * count, s.comm,
             PETSC_ERR_ARG_SIZ,
             "TSFNO: -ts_fno_perturb_bounds gives %zu values for %zu perturbed component(s) (give lo,hi, or lo,hi per "
             "component)",
             s.perturb.bounds.size(), count);
  PetscCheck(s.perturb.correlation > 0, s.comm, PETSC_ERR_ARG_OUTOFRANGE,
             "TSFNO: -ts_fno_perturb_correlation must be > 0 cells, got %g", (double)s.perturb.correlation);
  PetscCall(PetscLogEventBegin(events.perturb, 0, 0, 0, 0));
  std::vector<std::int64_t> global, start, extent;
  for (std::size_t a = 0; a < s.block.start.size(); ++a) {
    start.push_back(s.block.start[a]);
    extent.push_back(s.block.extent[a]);
  }
  PetscInt M, N, P;
  PetscCall(DMDAGetInfo(dm, nullptr, &M, &N, &P, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                        nullptr));
  const PetscInt sizes[3] = {M, N, P};
  for (std::size_t a = 0; a < start.size(); ++a) global.push_back(sizes[a]);
  PerturbationSpec spec = s.perturb;
  if (spec.amplitude.size() != 1) spec.amplitude.assign(1, 0.0);  // per component below
  PetscScalar* x;
  if (locked) PetscCall(VecLockReadPop(u));  // TSMonitor() holds a read lock; this monitor runs first, before the first step
  PetscCall(VecGetArray(u, &x));
  const Index points = s.block.points();
  for (std::size_t c = 0; c < count; ++c) {
    const PetscInt d = perturbed[c];
    spec.amplitude[0] = s.perturb.amplitude.size() == 1 ? s.perturb.amplitude[0] : s.perturb.amplitude[c];
    // Draws per DMDA component index: perturbing only v gives the same v field as perturbing u and v.
    const std::vector<double> field = smooth_random_field(spec, static_cast<int>(d), global, start, extent);
    const bool clip = !s.perturb.bounds.empty();
    const double lo = clip ? s.perturb.bounds[s.perturb.bounds.size() == 2 ? 0 : 2 * c] : 0;
    const double hi = clip ? s.perturb.bounds[s.perturb.bounds.size() == 2 ? 1 : 2 * c + 1] : 0;
    for (Index i = 0; i < points; ++i) {
      double v = PetscRealPart(x[i * s.dof + d]) + field[static_cast<std::size_t>(i)];
      if (clip) v = std::clamp(v, lo, hi);
      x[i * s.dof + d] = v;
    }
  }
  PetscCall(VecRestoreArray(u, &x));
  if (locked) PetscCall(VecLockReadPush(u));
  PetscCall(PetscLogEventEnd(events.perturb, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode WriteSnapshot(Session& s, std::size_t k, Vec u) {
  const PetscScalar* x;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(events.record, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(u, &x));
  const std::vector<double> values = Deinterleave(x, s.dof, s.block.points());
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscFNOCallCore(s.comm, s.writer->write_snapshot(static_cast<Index>(k), values));
  PetscCall(PetscLogEventEnd(events.record, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

// The first call: perturb, then open the case and write what the start of the run holds.
PetscErrorCode Begin(TS ts, Session& s, PetscReal t0, Vec u, bool locked) {
  DM dm;
  PetscBool is_da;
  MPI_Comm comm = s.comm;
  PetscFunctionBegin;
  PetscCall(TSGetDM(ts, &dm));
  PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &is_da));
  if (!is_da) {
    DMType type;
    PetscCall(DMGetType(dm, &type));
    SETERRQ(comm, PETSC_ERR_SUP,
            "TSFNO: %s needs the TS's DM to be a DMDA (the surrogate lives on its grid); this TS's DM is a %s",
            s.recording() ? "-ts_fno_record" : "-ts_fno_perturb", type ? type : "(none)");
  }
  PetscInt dim, M, N, P, dof, xs, ys, zs, xm, ym, zm;
  DMBoundaryType bx, by, bz;
  PetscCall(DMDAGetInfo(dm, &dim, &M, &N, &P, nullptr, nullptr, nullptr, &dof, nullptr, &bx, &by, &bz, nullptr));
  PetscCall(DMDAGetCorners(dm, &xs, &ys, &zs, &xm, &ym, &zm));
  s.dof = dof;
  const PetscInt sizes[3] = {M, N, P}, starts[3] = {xs, ys, zs}, extents[3] = {xm, ym, zm};
  const DMBoundaryType bounds[3] = {bx, by, bz};
  TrajectoryLayout layout;
  s.block = {};
  for (PetscInt a = 0; a < dim; ++a) {
    layout.grid.push_back(sizes[a]);
    std::string boundary = DMBoundaryTypes[bounds[a]];  // "NONE", "PERIODIC", ...
    std::transform(boundary.begin(), boundary.end(), boundary.begin(), [](unsigned char ch) { return std::tolower(ch); });
    layout.boundary.push_back(boundary);
    s.block.start.push_back(starts[a]);
    s.block.extent.push_back(extents[a]);
  }
  PetscCall(ComponentNames(dm, dof, &layout.components));
  if (s.perturb.active()) PetscCall(Perturb(s, dm, layout.components, u, locked));
  if (!s.recording()) PetscFunctionReturn(0);

  // The case's times: the start, then the requested output times.
  const PetscReal max_time = ts->max_time;
  const bool bounded = max_time < PETSC_MAX_REAL / 2;
  std::vector<PetscReal> requested = s.times_option;
  PetscCheck(requested.empty() || s.interval == 0, comm, PETSC_ERR_ARG_INCOMP,
             "TSFNO: give -ts_fno_record_times or -ts_fno_record_interval, not both");
  if (s.interval > 0) {
    PetscCheck(bounded, comm, PETSC_ERR_ARG_WRONGSTATE,
               "TSFNO: -ts_fno_record_interval needs the run's max time (TSSetMaxTime or -ts_max_time)");
    const PetscReal span = max_time - t0;
    const auto count = static_cast<PetscInt64>(std::floor(span / s.interval * (1 + 1e-12)));
    for (PetscInt64 k = 1; k <= count; ++k) requested.push_back(t0 + static_cast<PetscReal>(k) * s.interval);
  }
  PetscCheck(!requested.empty(), comm, PETSC_ERR_ARG_WRONGSTATE,
             "TSFNO: -ts_fno_record needs output times: -ts_fno_record_times t1,t2,... or -ts_fno_record_interval dt");
  const PetscReal last = requested.back();
  s.tolerance = 1e-10 * std::max({std::abs(last - t0), std::abs(t0), std::abs(last)});
  for (std::size_t k = 0; k < requested.size(); ++k) {
    PetscCheck(requested[k] > t0 + s.tolerance, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TSFNO: output time %g is not after the start of the run (t = %g); the initial state is recorded anyway",
               (double)requested[k], (double)t0);
    PetscCheck(k == 0 || requested[k] > requested[k - 1], comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TSFNO: -ts_fno_record_times must increase (%g then %g)", (double)requested[k - 1], (double)requested[k]);
    PetscCheck(!bounded || requested[k] <= max_time + s.tolerance, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "TSFNO: output time %g is after the end of the run (max time %g); the run never reaches it",
               (double)requested[k], (double)max_time);
  }
  s.times.assign(1, t0);
  s.times.insert(s.times.end(), requested.begin(), requested.end());
  layout.times.assign(s.times.begin(), s.times.end());
  s.next = 1;

  std::vector<Vec> input_vecs;
  PetscCall(ComposedInputs(s, dm, M * (dim > 1 ? N : 1) * (dim > 2 ? P : 1), &layout.input_fields, &input_vecs));
  std::vector<PetscInt> check;
  layout.initial_inputs = s.initial_inputs_option.empty() ? layout.components : s.initial_inputs_option;
  layout.output_fields = s.outputs_option.empty() ? layout.components : s.outputs_option;
  PetscCall(IndicesOf(comm, layout.initial_inputs, layout.components, "-ts_fno_record_initial_inputs", &check));
  PetscCall(IndicesOf(comm, layout.output_fields, layout.components, "-ts_fno_record_outputs", &check));
  {
    char program[PETSC_MAX_PATH_LEN] = "";
    PetscCall(PetscGetProgramName(program, sizeof(program)));
    layout.host = program;
  }
  layout.time_units = "host";
  layout.parameter_names = {"perturb_amplitude", "perturb_correlation_cells", "perturb_seed"};

  PetscCall(PetscLogEventBegin(events.record, 0, 0, 0, 0));
  PetscFNOCallCore(comm, s.writer = std::make_unique<TrajectoryWriter>(comm, s.path, layout, s.block));
  const PetscScalar* x;
  PetscCall(VecGetArrayRead(u, &x));
  const std::vector<double> initial = Deinterleave(x, dof, s.block.points());
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscFNOCallCore(comm, s.writer->write_initial(initial));
  std::vector<double> inputs;
  for (Vec v : input_vecs) {
    PetscCall(VecGetArrayRead(v, &x));
    for (Index i = 0; i < s.block.points(); ++i) inputs.push_back(PetscRealPart(x[i]));
    PetscCall(VecRestoreArrayRead(v, &x));
  }
  PetscFNOCallCore(comm, s.writer->write_inputs(inputs));
  const double amplitude = s.perturb.active() ? s.perturb.amplitude[0] : 0.0;
  const std::vector<double> parameters = {amplitude, s.perturb.active() ? s.perturb.correlation : 0.0,
                                          s.perturb.active() ? static_cast<double>(s.perturb.seed) : -1.0};
  PetscFNOCallCore(comm, s.writer->write_record(s.perturb.active() ? s.perturb.seed : -1, parameters));
  PetscCall(PetscLogEventEnd(events.record, 0, 0, 0, 0));
  PetscCall(WriteSnapshot(s, 0, u));
  PetscCall(VecDuplicate(u, &s.work));
  PetscFunctionReturn(0);
}

// Records every output time up to t (the state u at t; output times inside the last step
// through the scheme's TSInterpolate), marks the case done after the last one, and fails when
// the run ended before it.
PetscErrorCode Advance(TS ts, Session* s, PetscReal t, Vec u) {
  PetscFunctionBegin;
  while (s->next < s->times.size() && s->times[s->next] <= t + s->tolerance) {
    const PetscReal want = s->times[s->next];
    if (PetscAbsReal(want - t) <= s->tolerance) {
      PetscCall(WriteSnapshot(*s, s->next, u));
    } else {
      TSType type;
      PetscCall(TSGetType(ts, &type));
      PetscCheck(ts->ops->interpolate, s->comm, PETSC_ERR_SUP,
                 "TSFNO: output time %g falls inside a step of TS type '%s', which cannot interpolate; choose output "
                 "times on its steps (e.g. a fixed -ts_dt that divides -ts_fno_record_interval) or a scheme with "
                 "TSInterpolate()",
                 (double)want, type);
      PetscCall(TSInterpolate(ts, want, s->work));
      PetscCall(WriteSnapshot(*s, s->next, s->work));
    }
    ++s->next;
  }
  if (s->next == s->times.size()) {
    PetscCall(PetscLogEventBegin(events.record, 0, 0, 0, 0));
    PetscFNOCallCore(s->comm, s->writer->mark_done());
    const auto index = static_cast<PetscInt64>(s->writer->case_index());
    s->writer.reset();
    PetscCall(PetscLogEventEnd(events.record, 0, 0, 0, 0));
    s->finished = true;
    PetscCall(PetscPrintf(s->comm, "petsc-fno: recorded case %" PetscInt64_FMT " in %s (%zu times, t = %g to %g)\n",
                          index, s->path.c_str(), s->times.size(), (double)s->times.front(), (double)s->times.back()));
  } else if (ts->reason != TS_CONVERGED_ITERATING) {
    // The step that ended the run: it ended before the last output time.
    SETERRQ(s->comm, PETSC_ERR_NOT_CONVERGED,
            "TSFNO: the run ended at t = %g (%s) before output time %g; the recorded case is not marked done",
            (double)t, TSConvergedReasons[ts->reason], (double)s->times[s->next]);
  }
  PetscFunctionReturn(0);
}

// Replay: the perturbation of the initial state, first of the TS's monitors.
PetscErrorCode PerturbMonitor(TS ts, PetscInt step, PetscReal t, Vec u, void* ctx) {
  Session* s;
  PetscFunctionBegin;
  (void)step;
  PetscCall(PetscContainerGetPointer(static_cast<PetscContainer>(ctx), reinterpret_cast<void**>(&s)));
  if (s->started) PetscFunctionReturn(0);
  s->started = s->finished = true;
  PetscCall(Begin(ts, *s, t, u, true));
  PetscFunctionReturn(0);
}

// ---- reading the options: through the TS's options block (shown by -help) or directly ----
struct OptionReader {
  PetscOptionItems* items;  // null: PetscOptionsGet*() with `prefix`
  const char* prefix;

  PetscErrorCode String(const char* name, const char* text, std::string* value) const {
    char buffer[PETSC_MAX_PATH_LEN] = "";
    PetscBool set = PETSC_FALSE;
    PetscFunctionBegin;
    if (items) {
      PetscOptionItems* PetscOptionsObject = items;
      PetscCall(PetscOptionsString(name, text, "TSFNO", value->c_str(), buffer, sizeof(buffer), &set));
    } else {
      PetscCall(PetscOptionsGetString(nullptr, prefix, name, buffer, sizeof(buffer), &set));
    }
    if (set) *value = buffer;
    PetscFunctionReturn(0);
  }
  PetscErrorCode Reals(const char* name, const char* text, std::vector<PetscReal>* values) const {
    std::vector<PetscReal> buffer(kMaxListed);
    PetscInt n = kMaxListed;
    PetscBool set = PETSC_FALSE;
    PetscFunctionBegin;
    if (items) {
      PetscOptionItems* PetscOptionsObject = items;
      PetscCall(PetscOptionsRealArray(name, text, "TSFNO", buffer.data(), &n, &set));
    } else {
      PetscCall(PetscOptionsGetRealArray(nullptr, prefix, name, buffer.data(), &n, &set));
    }
    if (set) values->assign(buffer.begin(), buffer.begin() + n);
    PetscFunctionReturn(0);
  }
  PetscErrorCode Real(const char* name, const char* text, PetscReal* value) const {
    PetscFunctionBegin;
    if (items) {
      PetscOptionItems* PetscOptionsObject = items;
      PetscCall(PetscOptionsReal(name, text, "TSFNO", *value, value, nullptr));
    } else {
      PetscCall(PetscOptionsGetReal(nullptr, prefix, name, value, nullptr));
    }
    PetscFunctionReturn(0);
  }
  PetscErrorCode Int(const char* name, const char* text, PetscInt* value) const {
    PetscFunctionBegin;
    if (items) {
      PetscOptionItems* PetscOptionsObject = items;
      PetscCall(PetscOptionsInt(name, text, "TSFNO", *value, value, nullptr));
    } else {
      PetscCall(PetscOptionsGetInt(nullptr, prefix, name, value, nullptr));
    }
    PetscFunctionReturn(0);
  }
  PetscErrorCode Names(const char* name, const char* text, std::vector<std::string>* names, bool* given) const {
    std::vector<char*> values(kMaxListed, nullptr);
    PetscInt n = kMaxListed;
    PetscBool set = PETSC_FALSE;
    PetscFunctionBegin;
    if (items) {
      PetscOptionItems* PetscOptionsObject = items;
      PetscCall(PetscOptionsStringArray(name, text, "TSFNO", values.data(), &n, &set));
    } else {
      PetscCall(PetscOptionsGetStringArray(nullptr, prefix, name, values.data(), &n, &set));
    }
    if (given) *given = set == PETSC_TRUE;
    if (set) {
      names->clear();
      for (PetscInt k = 0; k < n; ++k) {
        if (values[static_cast<std::size_t>(k)][0]) names->emplace_back(values[static_cast<std::size_t>(k)]);
        PetscCall(PetscFree(values[static_cast<std::size_t>(k)]));
      }
    }
    PetscFunctionReturn(0);
  }
};

PetscErrorCode ReadOptions(Session* s, const OptionReader& r) {
  PetscFunctionBegin;
  PetscCall(r.String("-ts_fno_record",
                     "record this run with the host's own scheme: append it as one case of a trajectory dataset (HDF5)",
                     &s->path));
  PetscCall(r.String("-ts_fno_record_ts_type",
                     "the host's own TS type (e.g. rk, cn, arkimex), which advances the solution while recording",
                     &s->scheme));
  PetscCall(r.Reals("-ts_fno_record_times", "output times to record (host time units), after the start",
                    &s->times_option));
  PetscCall(r.Real("-ts_fno_record_interval", "record every dt from the start to the max time", &s->interval));
  PetscCall(r.Names("-ts_fno_record_inputs",
                    "static fields to record, by the names they are composed on the DM with (default: every one-dof Vec "
                    "composed on the DM; none: no field)",
                    &s->inputs_option, &s->inputs_given));
  if (s->inputs_given && s->inputs_option.size() == 1 && s->inputs_option[0] == "none") s->inputs_option.clear();
  PetscCall(r.Names("-ts_fno_record_initial_inputs",
                    "components of the initial state the model takes as input (default: all)", &s->initial_inputs_option,
                    nullptr));
  PetscCall(r.Names("-ts_fno_record_outputs", "components the model predicts (default: all)", &s->outputs_option, nullptr));
  PetscCall(r.Reals("-ts_fno_perturb",
                    "add a smooth random field of this amplitude (one, or one per perturbed component) to the initial state",
                    &s->perturb.amplitude));
  PetscCall(r.Reals("-ts_fno_perturb_bounds", "clip perturbed components to lo,hi (or lo,hi per component)",
                    &s->perturb.bounds));
  PetscInt seed = static_cast<PetscInt>(s->perturb.seed);
  PetscCall(r.Int("-ts_fno_perturb_seed", "seed of the perturbation (stored with a recorded case)", &seed));
  s->perturb.seed = seed;
  PetscCall(r.Real("-ts_fno_perturb_correlation", "correlation length of the perturbation, in cells",
                   &s->perturb.correlation));
  PetscCall(r.Names("-ts_fno_perturb_components", "components to perturb (default: all)", &s->perturb_components, nullptr));
  PetscFunctionReturn(0);
}

PetscErrorCode CheckRecordOptions(MPI_Comm comm, const Session& s) {
  PetscFunctionBegin;
  PetscCheck(!s.scheme.empty(), comm, PETSC_ERR_ARG_WRONGSTATE,
             "TSFNO: -ts_fno_record needs -ts_fno_record_ts_type <type>: the TS type the host uses without the plugin "
             "(e.g. rk, cn, arkimex, beuler), which advances the solution while recording");
  PetscCheck(s.scheme != "fno", comm, PETSC_ERR_ARG_WRONG,
             "TSFNO: -ts_fno_record_ts_type fno: recording needs the host's own numerical scheme");
  PetscCheck(s.interval >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "TSFNO: -ts_fno_record_interval must be > 0");
  PetscFunctionReturn(0);
}

// ---- the TSTrajectory type "fno_record": called by TSSolve() at the start and after every step
PetscErrorCode TSTrajectorySetUp_FNORecord(TSTrajectory tj, TS ts) {
  auto* s = static_cast<Session*>(tj->data);
  const char* prefix = nullptr;
  PetscFunctionBegin;
  PetscCall(TSGetOptionsPrefix(ts, &prefix));
  s->comm = PetscObjectComm((PetscObject)ts);
  PetscCall(ReadOptions(s, OptionReader{nullptr, prefix}));
  PetscCheck(s->recording(), s->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TSFNO: the trajectory type fno_record needs -%sts_fno_record <file.h5>", prefix ? prefix : "");
  PetscFunctionReturn(0);
}

PetscErrorCode TSTrajectorySet_FNORecord(TSTrajectory tj, TS ts, PetscInt step, PetscReal t, Vec u) {
  auto* s = static_cast<Session*>(tj->data);
  PetscFunctionBegin;
  (void)step;
  if (s->finished) PetscFunctionReturn(0);
  if (!s->started) {  // the start of the run, before the first step and before any monitor
    s->started = true;
    PetscCall(Begin(ts, *s, t, u, false));
    PetscFunctionReturn(0);
  }
  PetscCall(Advance(ts, s, t, u));
  PetscFunctionReturn(0);
}

PetscErrorCode TSTrajectoryView_FNORecord(TSTrajectory tj, PetscViewer viewer) {
  auto* s = static_cast<Session*>(tj->data);
  PetscBool ascii;
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  petsc-fno recording: %s, %zu of %zu times written%s\n", s->path.c_str(),
                                   s->started ? s->next : 0, s->times.size(), s->finished ? ", case done" : ""));
  if (s->perturb.active())
    PetscCall(PetscViewerASCIIPrintf(viewer, "  initial state perturbed: seed %" PetscInt64_FMT ", correlation %g cells\n",
                                     static_cast<PetscInt64>(s->perturb.seed), (double)s->perturb.correlation));
  PetscFunctionReturn(0);
}

PetscErrorCode TSTrajectoryDestroy_FNORecord(TSTrajectory tj) {
  PetscFunctionBegin;
  PetscCall(SessionDestroy(tj->data));
  tj->data = nullptr;
  PetscFunctionReturn(0);
}

}  // namespace

PetscErrorCode TSFNOSessionSetFromOptions(TS ts, PetscOptionItems* PetscOptionsObject, std::string* record_scheme) {
  MPI_Comm comm = PetscObjectComm((PetscObject)ts);
  PetscContainer container = nullptr;
  const char* prefix = nullptr;
  PetscFunctionBegin;
  record_scheme->clear();
  PetscCall(TSGetOptionsPrefix(ts, &prefix));
  auto fresh = std::make_unique<Session>();
  fresh->comm = comm;
  PetscCall(ReadOptions(fresh.get(), OptionReader{PetscOptionsObject, prefix}));
  if (fresh->recording()) {
    PetscCall(CheckRecordOptions(comm, *fresh));
    *record_scheme = fresh->scheme;  // the fno_record trajectory reads the options again at set-up
    PetscFunctionReturn(0);
  }
  if (!fresh->perturb.active()) PetscFunctionReturn(0);
  PetscCall(PetscObjectQuery((PetscObject)ts, kSessionName, (PetscObject*)&container));
  if (container) {  // TSSetFromOptions() again: the registered monitor takes the new options
    Session* s;
    PetscCall(PetscContainerGetPointer(container, reinterpret_cast<void**>(&s)));
    s->perturb = fresh->perturb;
    s->perturb_components = fresh->perturb_components;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscContainerCreate(comm, &container));
  PetscCall(PetscContainerSetPointer(container, fresh.release()));
  PetscCall(PetscContainerSetUserDestroy(container, SessionDestroy));
  PetscCall(PetscObjectCompose((PetscObject)ts, kSessionName, (PetscObject)container));
  // The monitor holds its own reference; it goes first so every other monitor (and the first
  // step) sees the perturbed initial state.
  PetscCall(TSMonitorSet(ts, PerturbMonitor, container, MonitorContextDestroy));
  const PetscInt last = ts->numbermonitors - 1;
  auto* monitor = ts->monitor[last];
  auto* destroy = ts->monitordestroy[last];
  void* context = ts->monitorcontext[last];
  for (PetscInt i = last; i > 0; --i) {
    ts->monitor[i] = ts->monitor[i - 1];
    ts->monitordestroy[i] = ts->monitordestroy[i - 1];
    ts->monitorcontext[i] = ts->monitorcontext[i - 1];
  }
  ts->monitor[0] = monitor;
  ts->monitordestroy[0] = destroy;
  ts->monitorcontext[0] = context;
  PetscFunctionReturn(0);
}

PetscErrorCode TSFNOUseRecordTrajectory(TS ts) {
  PetscFunctionBegin;
  PetscCall(TSSetSaveTrajectory(ts));
  PetscCall(TSTrajectorySetType(ts->trajectory, ts, TSTRAJECTORYFNORECORD));
  PetscFunctionReturn(0);
}

PetscErrorCode TSFNORecordRewriteOptions(void) {
  char* all = nullptr;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(nullptr, &all));
  std::vector<std::string> prefixes;
  {
    // Every "-<prefix>ts_fno_record" option (not -..._ts_type, -..._times, ...).
    std::string text = all ? all : "";
    const std::string key = "ts_fno_record";
    std::size_t at = 0;
    while ((at = text.find(key, at)) != std::string::npos) {
      const std::size_t end = at + key.size();
      const std::size_t dash = text.rfind('-', at);
      const bool word_end = end == text.size() || text[end] == ' ';
      if (word_end && dash != std::string::npos && text.find(' ', dash) >= at) {
        const std::string prefix = text.substr(dash + 1, at - dash - 1);
        if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) prefixes.push_back(prefix);
      }
      at = end;
    }
  }
  PetscCall(PetscFree(all));
  for (const std::string& prefix : prefixes) {
    char scheme[256] = "", type[256] = "";
    PetscBool has_scheme = PETSC_FALSE, has_type = PETSC_FALSE;
    const char* p = prefix.empty() ? nullptr : prefix.c_str();
    PetscCall(PetscOptionsGetString(nullptr, p, "-ts_fno_record_ts_type", scheme, sizeof(scheme), &has_scheme));
    PetscCall(PetscOptionsGetString(nullptr, p, "-ts_type", type, sizeof(type), &has_type));
    // Without a scheme the TS type fno stops with the message saying what is missing.
    if (!has_scheme || !scheme[0] || std::string(scheme) == "fno") continue;
    if (has_type && std::string(type) == "fno") {
      // The host's TS keeps its own type and every setting its code made on it: TSSetFromOptions()
      // sees -ts_type <scheme>, which it already has.
      PetscCall(PetscOptionsSetValue(nullptr, ("-" + prefix + "ts_type").c_str(), scheme));
    }
    PetscCall(PetscOptionsSetValue(nullptr, ("-" + prefix + "ts_save_trajectory").c_str(), "1"));
    PetscCall(PetscOptionsSetValue(nullptr, ("-" + prefix + "ts_trajectory_type").c_str(), TSTRAJECTORYFNORECORD));
    if (!prefix.empty())  // a trajectory reads its options without the TS's prefix
      PetscCall(PetscOptionsSetValue(nullptr, "-ts_trajectory_type", TSTRAJECTORYFNORECORD));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TSTrajectoryCreate_FNORecord(TSTrajectory tj, TS ts) {
  PetscFunctionBegin;
  (void)ts;
  tj->data = std::make_unique<Session>().release();  // freed by TSTrajectoryDestroy_FNORecord
  tj->ops->setup = TSTrajectorySetUp_FNORecord;
  tj->ops->set = TSTrajectorySet_FNORecord;
  tj->ops->view = TSTrajectoryView_FNORecord;
  tj->ops->destroy = TSTrajectoryDestroy_FNORecord;
  tj->solution_only = PETSC_TRUE;
  PetscFunctionReturn(0);
}

}  // namespace fno::plugin
