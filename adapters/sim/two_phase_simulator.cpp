#include "two_phase_simulator.hpp"

#include <petscviewerhdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "earth_model.hpp"
#include "grdecl_import.hpp"
#include "two_point_flux.hpp"

namespace fno::sim {

PetscErrorCode RegisterSimulatorLogEvents(SimulatorLogEvents* events) {
  static SimulatorLogEvents registered;
  static bool done = false;
  PetscFunctionBeginUser;
  if (!done) {
    PetscClassId class_id;
    PetscCall(PetscClassIdRegister("FNO reference simulator", &class_id));
    PetscCall(PetscLogEventRegister("SimPressureSolve", class_id, &registered.pressure_solve));
    PetscCall(PetscLogEventRegister("SimSatUpdate", class_id, &registered.saturation_update));
    PetscCall(PetscLogEventRegister("SimOutput", class_id, &registered.output));
    done = true;
  }
  *events = registered;
  PetscFunctionReturn(0);
}

TwoPhaseSimulator::TwoPhaseSimulator(MPI_Comm comm, SimulatorConfig config) : comm_(comm), config_(std::move(config)) {}

TwoPhaseSimulator::~TwoPhaseSimulator() {
  // Destructors cannot propagate PETSc errors; destroy calls on valid objects do not fail.
  if (da_)  // the composed fields hold references to vectors that hold the DM
    for (const char* name : {"permeability", "porosity", "injection_rate"})
      (void)PetscObjectCompose((PetscObject)da_, name, nullptr);
  (void)TSDestroy(&ts_);
  (void)KSPDestroy(&ksp_);
  (void)MatDestroy(&pressure_matrix_);
  for (Vec* v : {&saturation_, &saturation_ghosted_, &overpressure_, &overpressure_ghosted_, &lagged_overpressure_ghosted_,
                 &permeability_md_, &permeability_ghosted_, &porosity_, &source_, &pressure_rhs_})
    (void)VecDestroy(v);
  (void)DMDestroy(&field_da_);
  (void)DMDestroy(&da_);
}

PetscErrorCode TwoPhaseSimulator::SetUp(bool options_from_command_line) {
  PetscFunctionBeginUser;
  try {
    ValidateSimulatorConfig(config_);
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_ARG_OUTOFRANGE, "invalid simulation input: %s", e.what());
  }
  PetscCall(RegisterSimulatorLogEvents(&events_));
  wave_speeds_ = ComputeWaveSpeedBounds(config_.fluid);
  PetscCall(CreateGrid());
  if (config_.earth.model == PermeabilityModel::File) {
    PetscCall(LoadEarthModelFromFile());
  } else {
    PetscCall(CreateEarthModel());
  }
  PetscCall(CheckEarthModel());
  PetscCall(CreateSources());
  PetscCall(ComposeInputFields());
  PetscCall(CreateInitialSaturation());
  PetscCall(CreatePressureSolver(options_from_command_line));
  PetscCall(CreateTimeStepper(options_from_command_line));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreateGrid() {
  PetscFunctionBeginUser;
  const GridSpec& g = config_.grid;
  if (g.Dimension() == 2) {
    PetscCall(DMDACreate2d(comm_, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, g.cells[0], g.cells[1],
                           PETSC_DECIDE, PETSC_DECIDE, 1, 1, nullptr, nullptr, &da_));
  } else {
    PetscCall(DMDACreate3d(comm_, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, g.cells[0],
                           g.cells[1], g.cells[2], PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, 1, 1, nullptr, nullptr,
                           nullptr, &da_));
  }
  PetscCall(DMSetUp(da_));
  PetscCall(DMDASetFieldName(da_, 0, "saturation"));
  PetscCall(DMDASetUniformCoordinates(da_, 0.5 * g.AxisSpacing(0), (g.cells[0] - 0.5) * g.AxisSpacing(0),
                                      0.5 * g.AxisSpacing(1), (g.cells[1] - 0.5) * g.AxisSpacing(1),
                                      0.5 * g.AxisSpacing(2), (g.cells[2] - 0.5) * g.AxisSpacing(2)));
  PetscCall(GetCellBlock(da_, &block_));
  PetscCall(DMCreateGlobalVector(da_, &saturation_));
  PetscCall(PetscObjectSetName((PetscObject)saturation_, "saturation"));
  for (Vec* v : {&overpressure_, &pressure_rhs_}) PetscCall(VecDuplicate(saturation_, v));
  // The static fields live on a twin of the grid (same layout), so that they can be composed
  // on the grid itself (ComposeInputFields) without a grid <-> vector composition cycle.
  PetscCall(DMDACreateCompatibleDMDA(da_, 1, &field_da_));
  for (Vec* v : {&permeability_md_, &porosity_, &source_}) PetscCall(DMCreateGlobalVector(field_da_, v));
  PetscCall(PetscObjectSetName((PetscObject)permeability_md_, "permeability"));
  PetscCall(PetscObjectSetName((PetscObject)porosity_, "porosity"));
  PetscCall(PetscObjectSetName((PetscObject)overpressure_, "overpressure"));
  for (Vec* v : {&saturation_ghosted_, &overpressure_ghosted_, &lagged_overpressure_ghosted_, &permeability_ghosted_})
    PetscCall(DMCreateLocalVector(da_, v));
  PetscCall(VecSet(overpressure_, 0.0));
  PetscCall(VecSet(lagged_overpressure_ghosted_, 0.0));
  face_total_flux_.assign(static_cast<std::size_t>(block_.OwnedCount()) * 2 * g.Dimension(), 0.0);
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreateEarthModel() {
  PetscFunctionBeginUser;
  std::unique_ptr<PermeabilityGenerator> generator;
  try {
    generator = std::make_unique<PermeabilityGenerator>(config_.grid, config_.earth);
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_ARG_OUTOFRANGE, "invalid earth model: %s", e.what());
  }
  earth_parameters_ = generator->Parameters();
  PetscScalar *perm, *phi;
  PetscCall(VecGetArray(permeability_md_, &perm));
  PetscCall(VecGetArray(porosity_, &phi));
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt c = block_.Owned(i, j, k);
        perm[c] = generator->PermeabilityMilliDarcy(static_cast<int>(i), static_cast<int>(j), static_cast<int>(k));
        phi[c] = generator->Porosity(perm[c]);
      }
  PetscCall(VecRestoreArray(permeability_md_, &perm));
  PetscCall(VecRestoreArray(porosity_, &phi));
  PetscFunctionReturn(0);
}

// PERMX and PORO of an Eclipse include, cells in OPM's order = the DMDA natural order; PERMZ,
// when present, must be -kz_ratio times PERMX (fno-sim has one ratio for all cells).
PetscErrorCode TwoPhaseSimulator::LoadEarthModelFromGrdecl() {
  PetscFunctionBeginUser;
  std::map<std::string, std::vector<double>> fields;
  try {
    fields = ReadGrdecl(config_.grdecl_file, config_.grid.CellCount());
  } catch (const std::exception& e) {
    SETERRQ(comm_, PETSC_ERR_FILE_UNEXPECTED, "%s", e.what());
  }
  const std::vector<double>& permx = fields["PERMX"];
  const std::vector<double>& poro = fields["PORO"];
  const auto permz = fields.find("PERMZ");
  if (permz != fields.end() && config_.grid.geometry != Geometry::Map) {
    PetscCheck(permz->second.size() == permx.size(), comm_, PETSC_ERR_FILE_UNEXPECTED, "GRDECL file '%s': PERMZ and PERMX sizes differ",
               config_.grdecl_file.c_str());
    for (std::size_t c = 0; c < permx.size(); ++c) {
      const double ratio = permz->second[c] / permx[c];
      PetscCheck(std::abs(ratio - config_.vertical_permeability_ratio) <= 1e-6 * config_.vertical_permeability_ratio, comm_,
                 PETSC_ERR_ARG_INCOMP,
                 "GRDECL file '%s': PERMZ/PERMX = %g in cell %zu, but fno-sim uses one ratio everywhere (-kz_ratio %g)",
                 config_.grdecl_file.c_str(), ratio, c, config_.vertical_permeability_ratio);
    }
  }
  PetscScalar *perm, *phi;
  PetscCall(VecGetArray(permeability_md_, &perm));
  PetscCall(VecGetArray(porosity_, &phi));
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const std::size_t natural = static_cast<std::size_t>((1LL * k * block_.global[1] + j) * block_.global[0] + i);
        perm[block_.Owned(i, j, k)] = permx[natural];
        phi[block_.Owned(i, j, k)] = poro[natural];
      }
  PetscCall(VecRestoreArray(permeability_md_, &perm));
  PetscCall(VecRestoreArray(porosity_, &phi));
  earth_parameters_ = {{"model", static_cast<double>(static_cast<int>(PermeabilityModel::File))}};
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::LoadEarthModelFromFile() {
  PetscFunctionBeginUser;
  if (!config_.grdecl_file.empty()) {
    PetscCall(LoadEarthModelFromGrdecl());
    PetscFunctionReturn(0);
  }
  PetscBool exists = PETSC_FALSE;
  PetscCall(PetscTestFile(config_.permeability_file.c_str(), 'r', &exists));
  PetscCheck(exists, comm_, PETSC_ERR_FILE_OPEN, "permeability file '%s' cannot be read", config_.permeability_file.c_str());
  PetscViewer viewer;
  PetscCall(PetscViewerHDF5Open(comm_, config_.permeability_file.c_str(), FILE_MODE_READ, &viewer));
  PetscBool has = PETSC_FALSE;
  PetscCall(PetscViewerHDF5HasDataset(viewer, config_.permeability_dataset.c_str(), &has));
  PetscCheck(has, comm_, PETSC_ERR_FILE_UNEXPECTED, "permeability file '%s' has no dataset '%s'",
             config_.permeability_file.c_str(), config_.permeability_dataset.c_str());
  PetscCall(PetscObjectSetName((PetscObject)permeability_md_, config_.permeability_dataset.c_str()));
  PetscCall(VecLoad(permeability_md_, viewer));
  PetscCall(PetscObjectSetName((PetscObject)permeability_md_, "permeability"));
  bool porosity_loaded = false;
  if (!config_.porosity_dataset.empty()) {
    PetscCall(PetscViewerHDF5HasDataset(viewer, config_.porosity_dataset.c_str(), &has));
    PetscCheck(has, comm_, PETSC_ERR_FILE_UNEXPECTED, "permeability file '%s' has no porosity dataset '%s'",
               config_.permeability_file.c_str(), config_.porosity_dataset.c_str());
    PetscCall(PetscObjectSetName((PetscObject)porosity_, config_.porosity_dataset.c_str()));
    PetscCall(VecLoad(porosity_, viewer));
    PetscCall(PetscObjectSetName((PetscObject)porosity_, "porosity"));
    porosity_loaded = true;
  }
  PetscCall(PetscViewerDestroy(&viewer));
  if (!porosity_loaded) {
    EarthModelSpec porosity_only = config_.earth;
    porosity_only.model = PermeabilityModel::Uniform;
    const PermeabilityGenerator relation(config_.grid, porosity_only);
    const PetscScalar* perm;
    PetscScalar* phi;
    PetscCall(VecGetArrayRead(permeability_md_, &perm));
    PetscCall(VecGetArray(porosity_, &phi));
    for (PetscInt c = 0; c < block_.OwnedCount(); ++c) phi[c] = perm[c] > 0 ? relation.Porosity(perm[c]) : 0.0;
    PetscCall(VecRestoreArrayRead(permeability_md_, &perm));
    PetscCall(VecRestoreArray(porosity_, &phi));
  }
  earth_parameters_ = {{"model", static_cast<double>(static_cast<int>(PermeabilityModel::File))}};
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CheckEarthModel() {
  PetscFunctionBeginUser;
  // Every rank checks its own cells; the verdict is shared so all ranks stop together.
  const PetscScalar *perm, *phi;
  PetscCall(VecGetArrayRead(permeability_md_, &perm));
  PetscCall(VecGetArrayRead(porosity_, &phi));
  long long bad_perm_cell = std::numeric_limits<long long>::max(), bad_phi_cell = bad_perm_cell;
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt c = block_.Owned(i, j, k);
        const long long global = (1LL * k * block_.global[1] + j) * block_.global[0] + i;
        if (!(std::isfinite(perm[c]) && perm[c] > 0)) bad_perm_cell = std::min(bad_perm_cell, global);
        if (!(std::isfinite(phi[c]) && phi[c] > 0 && phi[c] <= 1)) bad_phi_cell = std::min(bad_phi_cell, global);
      }
  PetscCall(VecRestoreArrayRead(permeability_md_, &perm));
  PetscCall(VecRestoreArrayRead(porosity_, &phi));
  long long local[2] = {bad_perm_cell, bad_phi_cell}, first[2];
  PetscCallMPI(MPI_Allreduce(local, first, 2, MPI_LONG_LONG, MPI_MIN, comm_));
  const long long nx = block_.global[0], ny = block_.global[1];
  PetscCheck(first[0] == std::numeric_limits<long long>::max(), comm_, PETSC_ERR_ARG_OUTOFRANGE,
             "permeability must be positive and finite; first bad cell (i,j,k) = (%lld,%lld,%lld)", first[0] % nx,
             (first[0] / nx) % ny, first[0] / (nx * ny));
  PetscCheck(first[1] == std::numeric_limits<long long>::max(), comm_, PETSC_ERR_ARG_OUTOFRANGE,
             "porosity must lie in (0, 1]; first bad cell (i,j,k) = (%lld,%lld,%lld)", first[1] % nx, (first[1] / nx) % ny,
             first[1] / (nx * ny));
  // Ghosted permeability in m^2 for the transmissibilities.
  Vec perm_si;
  PetscCall(VecDuplicate(permeability_md_, &perm_si));
  PetscCall(VecCopy(permeability_md_, perm_si));
  PetscCall(VecScale(perm_si, kMilliDarcy));
  PetscCall(DMGlobalToLocalBegin(da_, perm_si, INSERT_VALUES, permeability_ghosted_));
  PetscCall(DMGlobalToLocalEnd(da_, perm_si, INSERT_VALUES, permeability_ghosted_));
  PetscCall(VecDestroy(&perm_si));
  PetscFunctionReturn(0);
}

// The earth model and the wells as named fields on the DM, where any component working on
// the grid can find them (PetscObjectQuery); a surrogate time stepper (-ts_type fno) reads
// its inputs this way: permeability in mD, porosity, injection_rate in m^3/s per cell.
PetscErrorCode TwoPhaseSimulator::ComposeInputFields() {
  PetscFunctionBeginUser;
  PetscCall(PetscObjectSetName((PetscObject)source_, "injection_rate"));
  PetscCall(PetscObjectCompose((PetscObject)da_, "permeability", (PetscObject)permeability_md_));
  PetscCall(PetscObjectCompose((PetscObject)da_, "porosity", (PetscObject)porosity_));
  PetscCall(PetscObjectCompose((PetscObject)da_, "injection_rate", (PetscObject)source_));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreateSources() {
  PetscFunctionBeginUser;
  PetscCall(VecSet(source_, 0.0));
  const PetscScalar* perm;
  PetscScalar* q;
  PetscCall(VecGetArrayRead(permeability_md_, &perm));
  PetscCall(VecGetArray(source_, &q));
  total_injection_rate_ = 0;
  for (const Well& well : config_.wells) {
    // Share of each perforated cell: k / sum(k) over the well's cells (equal cell sizes).
    double local_sum = 0, global_sum = 0;
    for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
      for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
        for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i)
          if (well.Contains(i, j, k)) local_sum += perm[block_.Owned(i, j, k)];
    PetscCallMPI(MPI_Allreduce(&local_sum, &global_sum, 1, MPI_DOUBLE, MPI_SUM, comm_));
    const double reservoir_rate =
        well.surface_rate * config_.co2_surface_density / config_.fluid.co2_density / kSecondsPerDay;
    total_injection_rate_ += reservoir_rate;
    for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
      for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
        for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i)
          if (well.Contains(i, j, k)) q[block_.Owned(i, j, k)] += reservoir_rate * perm[block_.Owned(i, j, k)] / global_sum;
  }
  PetscCall(VecRestoreArrayRead(permeability_md_, &perm));
  PetscCall(VecRestoreArray(source_, &q));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreateInitialSaturation() {
  PetscFunctionBeginUser;
  PetscScalar* s;
  PetscCall(VecGetArray(saturation_, &s));
  const SaturationBox& box = config_.initial_box;
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const bool inside = i >= box.lower[0] && i <= box.upper[0] && j >= box.lower[1] && j <= box.upper[1] &&
                            k >= box.lower[2] && k <= box.upper[2];
        s[block_.Owned(i, j, k)] = inside ? box.value : config_.initial_saturation;
      }
  PetscCall(VecRestoreArray(saturation_, &s));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreatePressureSolver(bool options_from_command_line) {
  PetscFunctionBeginUser;
  PetscCall(DMCreateMatrix(da_, &pressure_matrix_));
  PetscCall(MatSetOption(pressure_matrix_, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(pressure_matrix_, MAT_SPD, PETSC_TRUE));
  if (!config_.open_sides.Any()) {
    // Closed domain (no wells allowed): pressure is defined up to a constant.
    MatNullSpace constants;
    PetscCall(MatNullSpaceCreate(comm_, PETSC_TRUE, 0, nullptr, &constants));
    PetscCall(MatSetNullSpace(pressure_matrix_, constants));
    PetscCall(MatSetTransposeNullSpace(pressure_matrix_, constants));
    PetscCall(MatNullSpaceDestroy(&constants));
  }
  PetscCall(KSPCreate(comm_, &ksp_));
  PetscCall(KSPSetOptionsPrefix(ksp_, "pressure_"));
  // Defaults measured on the 64x64 benchmark slice (README, "Performance" of the reference simulator): one rank and 2D, CG
  // preconditioned by a sparse Cholesky factorization (nested dissection) that is rebuilt
  // every 10 solves (3-4 CG iterations in between; 1.5 ms per step, vs 2 ms for a fresh
  // factorization per step, 9 ms for CG+GAMG, 10 ms for CG+ICC(0) at ~120 iterations);
  // several ranks, 3D grids (Cholesky fill grows too fast) or a closed (singular,
  // pure-Neumann) system, CG + GAMG, also rebuilt every 10 solves. Both warm-start from the
  // previous pressure.
  PetscMPIInt ranks;
  PetscCallMPI(MPI_Comm_size(comm_, &ranks));
  PC pc;
  PetscCall(KSPGetPC(ksp_, &pc));
  PetscCall(KSPSetType(ksp_, KSPCG));
  if (ranks == 1 && config_.open_sides.Any() && config_.grid.Dimension() == 2) {
    PetscCall(PCSetType(pc, PCCHOLESKY));
    PetscCall(PCFactorSetMatOrderingType(pc, MATORDERINGND));
  } else {
    PetscCall(PCSetType(pc, PCGAMG));
  }
  PetscCall(KSPSetTolerances(ksp_, 1e-10, 1e-30, PETSC_DEFAULT, 10000));
  PetscCall(KSPSetInitialGuessNonzero(ksp_, PETSC_TRUE));
  if (options_from_command_line) PetscCall(KSPSetFromOptions(ksp_));
  PetscBool direct = PETSC_FALSE;
  PetscCall(PetscObjectTypeCompare((PetscObject)ksp_, KSPPREONLY, &direct));
  if (direct) PetscCall(KSPSetInitialGuessNonzero(ksp_, PETSC_FALSE));  // warm start is for iterative solvers
  PetscCheck(!(direct && config_.pressure_pc_refresh > 1), comm_, PETSC_ERR_ARG_INCOMP,
             "-pressure_pc_refresh %d reuses a stale preconditioner, which needs an iterative -pressure_ksp_type (e.g. cg), "
             "not preonly", config_.pressure_pc_refresh);
  preconditioner_refresh_ = config_.pressure_pc_refresh > 0 ? config_.pressure_pc_refresh : (direct ? 1 : 10);
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::CreateTimeStepper(bool options_from_command_line) {
  PetscFunctionBeginUser;
  PetscCall(TSCreate(comm_, &ts_));
  PetscCall(TSSetDM(ts_, da_));
  PetscCall(TSSetProblemType(ts_, TS_NONLINEAR));
  PetscCall(TSSetType(ts_, TSEULER));
  PetscCall(TSSetRHSFunction(ts_, nullptr, TsRightHandSide, this));
  PetscCall(TSSetApplicationContext(ts_, this));
  PetscCall(TSSetPreStep(ts_, TsPreStep));
  PetscCall(TSSetPostStep(ts_, TsPostStep));
  PetscCall(TSSetTime(ts_, 0.0));
  PetscCall(TSSetMaxSteps(ts_, PETSC_MAX_INT));
  PetscCall(TSSetMaxTime(ts_, config_.report_times.back()));
  PetscCall(TSSetExactFinalTime(ts_, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetTimeStep(ts_, config_.report_times.front()));
  if (options_from_command_line) PetscCall(TSSetFromOptions(ts_));
  // Implicit integrators: Jacobian-free Newton-Krylov (the pressure coupling makes the exact
  // Jacobian dense). -snes_* / -ksp_* options still override.
  PetscBool implicit = PETSC_FALSE;
  PetscCall(PetscObjectTypeCompareAny((PetscObject)ts_, &implicit, TSBEULER, TSTHETA, TSCN, TSBDF, ""));
  if (implicit) {
    SNES snes;
    KSP newton_ksp;
    PC newton_pc;
    PetscCall(TSGetSNES(ts_, &snes));
    PetscCall(SNESSetUseMatrixFree(snes, PETSC_FALSE, PETSC_TRUE));
    PetscCall(SNESGetKSP(snes, &newton_ksp));
    PetscCall(KSPGetPC(newton_ksp, &newton_pc));
    PetscCall(PCSetType(newton_pc, PCNONE));
    if (options_from_command_line) PetscCall(SNESSetFromOptions(snes));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::AssemblePressureSystem() {
  PetscFunctionBeginUser;
  const FluidProperties& fluid = config_.fluid;
  const double buoyancy = fluid.BuoyancyGradient();
  const PetscScalar *p_lag, *k_si, *q;
  PetscScalar* b;
  const CellMobility boundary = MobilityAt(fluid, 0.0);
  PetscCall(VecGetArrayRead(lagged_overpressure_ghosted_, &p_lag));
  PetscCall(VecGetArrayRead(permeability_ghosted_, &k_si));
  PetscCall(VecGetArrayRead(source_, &q));
  PetscCall(VecGetArray(pressure_rhs_, &b));
  PetscCall(MatZeroEntries(pressure_matrix_));
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt cell = block_.Ghosted(i, j, k);
        MatStencil row{}, cols[7]{};
        row.i = i, row.j = j, row.k = k;
        PetscScalar values[7] = {0};
        PetscInt count = 1;
        cols[0] = row;
        double rhs = q[block_.Owned(i, j, k)];
        ForEachFace(config_.grid, config_.open_sides, config_.vertical_permeability_ratio, block_, k_si, i, j, k,
                    [&](const Face& face) {
                      const CellMobility& nb = face.boundary ? boundary : mobility_[face.neighbour];
                      const double p_nb = face.boundary ? 0.0 : p_lag[face.neighbour];
                      const double drop = p_lag[cell] - p_nb;
                      const double gravity = buoyancy * face.depth_drop;
                      const FaceMobility m = PressureFaceMobility(mobility_[cell], nb, drop, drop + gravity);
                      const double coupling = face.transmissibility * m.Total();
                      values[0] += coupling;
                      rhs -= face.transmissibility * m.co2 * gravity;
                      if (!face.boundary) {
                        // Neighbour's (i, j, k) from its ghosted index.
                        PetscInt g = face.neighbour;
                        MatStencil col{};
                        col.i = block_.ghost_start[0] + g % block_.ghost_size[0];
                        g /= block_.ghost_size[0];
                        col.j = block_.ghost_start[1] + g % block_.ghost_size[1];
                        col.k = block_.ghost_start[2] + g / block_.ghost_size[1];
                        cols[count] = col;
                        values[count++] = -coupling;
                      }
                    });
        PetscCall(MatSetValuesStencil(pressure_matrix_, 1, &row, count, cols, values, INSERT_VALUES));
        b[block_.Owned(i, j, k)] = rhs;
      }
  PetscCall(VecRestoreArrayRead(lagged_overpressure_ghosted_, &p_lag));
  PetscCall(VecRestoreArrayRead(permeability_ghosted_, &k_si));
  PetscCall(VecRestoreArrayRead(source_, &q));
  PetscCall(VecRestoreArray(pressure_rhs_, &b));
  PetscCall(MatAssemblyBegin(pressure_matrix_, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(pressure_matrix_, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::UpdateMobilities(Vec saturation) {
  PetscFunctionBeginUser;
  PetscCall(DMGlobalToLocalBegin(da_, saturation, INSERT_VALUES, saturation_ghosted_));
  PetscCall(DMGlobalToLocalEnd(da_, saturation, INSERT_VALUES, saturation_ghosted_));
  PetscInt n;
  PetscCall(VecGetLocalSize(saturation_ghosted_, &n));
  mobility_.resize(n);
  const PetscScalar* s;
  PetscCall(VecGetArrayRead(saturation_ghosted_, &s));
  for (PetscInt c = 0; c < n; ++c) mobility_[c] = MobilityAt(config_.fluid, s[c]);
  PetscCall(VecRestoreArrayRead(saturation_ghosted_, &s));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::ComputePressure(Vec saturation) {
  PetscFunctionBeginUser;
  PetscCall(UpdateMobilities(saturation));
  PetscCall(SolvePressure());
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::SolvePressure() {
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(events_.pressure_solve, 0, 0, 0, 0));
  PetscCall(DMGlobalToLocalBegin(da_, overpressure_, INSERT_VALUES, lagged_overpressure_ghosted_));
  PetscCall(DMGlobalToLocalEnd(da_, overpressure_, INSERT_VALUES, lagged_overpressure_ghosted_));
  PetscCall(AssemblePressureSystem());
  PetscCall(KSPSetOperators(ksp_, pressure_matrix_, pressure_matrix_));
  PetscCall(KSPSetReusePreconditioner(ksp_, pressure_solves_ % preconditioner_refresh_ != 0 ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(KSPSolve(ksp_, pressure_rhs_, overpressure_));
  KSPConvergedReason reason;
  PetscCall(KSPGetConvergedReason(ksp_, &reason));
  PetscCheck(reason > 0, comm_, PETSC_ERR_NOT_CONVERGED, "pressure solve did not converge (KSP reason %s)",
             KSPConvergedReasons[reason]);
  PetscInt iterations;
  PetscCall(KSPGetIterationNumber(ksp_, &iterations));
  pressure_iterations_ += iterations;
  ++pressure_solves_;
  PetscCall(DMGlobalToLocalBegin(da_, overpressure_, INSERT_VALUES, overpressure_ghosted_));
  PetscCall(DMGlobalToLocalEnd(da_, overpressure_, INSERT_VALUES, overpressure_ghosted_));
  // Total face fluxes with the face mobilities of the system just solved.
  const FluidProperties& fluid = config_.fluid;
  const double buoyancy = fluid.BuoyancyGradient();
  const PetscScalar *p, *p_lag, *k_si;
  const CellMobility boundary = MobilityAt(fluid, 0.0);
  PetscCall(VecGetArrayRead(overpressure_ghosted_, &p));
  PetscCall(VecGetArrayRead(lagged_overpressure_ghosted_, &p_lag));
  PetscCall(VecGetArrayRead(permeability_ghosted_, &k_si));
  std::size_t f = 0;
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt cell = block_.Ghosted(i, j, k);
        std::size_t slot = f;
        for (int a = 0; a < 2 * config_.grid.Dimension(); ++a) face_total_flux_[f + a] = 0.0;
        ForEachFace(config_.grid, config_.open_sides, config_.vertical_permeability_ratio, block_, k_si, i, j, k,
                    [&](const Face& face) {
                      const CellMobility& nb = face.boundary ? boundary : mobility_[face.neighbour];
                      const double lag_drop = p_lag[cell] - (face.boundary ? 0.0 : p_lag[face.neighbour]);
                      const double drop = p[cell] - (face.boundary ? 0.0 : p[face.neighbour]);
                      const double gravity = buoyancy * face.depth_drop;
                      const FaceMobility m = PressureFaceMobility(mobility_[cell], nb, lag_drop, lag_drop + gravity);
                      face_total_flux_[slot++] = face.transmissibility * (m.Total() * drop + m.co2 * gravity);
                    });
        f += 2 * config_.grid.Dimension();
      }
  PetscCall(VecRestoreArrayRead(overpressure_ghosted_, &p));
  PetscCall(VecRestoreArrayRead(lagged_overpressure_ghosted_, &p_lag));
  PetscCall(VecRestoreArrayRead(permeability_ghosted_, &k_si));
  rhs_calls_since_pressure_ = 0;
  PetscCall(PetscLogEventEnd(events_.pressure_solve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::EvaluateSaturationRate(Vec rate) {
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(events_.saturation_update, 0, 0, 0, 0));
  const FluidProperties& fluid = config_.fluid;
  const double buoyancy = fluid.BuoyancyGradient();
  const double volume = config_.grid.CellVolume();
  const PetscScalar *k_si, *q, *phi;
  PetscScalar* dsdt;
  const CellMobility boundary = MobilityAt(fluid, 0.0);
  PetscCall(VecGetArrayRead(permeability_ghosted_, &k_si));
  PetscCall(VecGetArrayRead(source_, &q));
  PetscCall(VecGetArrayRead(porosity_, &phi));
  PetscCall(VecGetArray(rate, &dsdt));
  double min_step = std::numeric_limits<double>::infinity();
  double outflow = 0;
  std::size_t f = 0;
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt cell = block_.Ghosted(i, j, k);
        const PetscInt owned = block_.Owned(i, j, k);
        double net_out = 0, wave_rate = 0;
        std::size_t slot = f;
        ForEachFace(config_.grid, config_.open_sides, config_.vertical_permeability_ratio, block_, k_si, i, j, k,
                    [&](const Face& face) {
                      const CellMobility& nb = face.boundary ? boundary : mobility_[face.neighbour];
                      const double v = face_total_flux_[slot++];
                      const double g = face.transmissibility * buoyancy * face.depth_drop;
                      const double fn = Co2Flux(mobility_[cell], nb, v, g);
                      net_out += fn;
                      if (face.boundary) outflow += fn;
                      // Only faces through which CO2 can leave this cell make its outflow depend
                      // on its own saturation: total flux outward, or buoyancy upward.
                      if (v > 0 || g > 0) wave_rate += std::abs(v) * wave_speeds_.fractional_flow_slope;
                      wave_rate += std::abs(g) * wave_speeds_.gravity_flux_slope;
                    });
        f += 2 * config_.grid.Dimension();
        const double pore_volume = phi[owned] * volume;
        dsdt[owned] = (q[owned] - net_out) / pore_volume;
        if (wave_rate > 0) min_step = std::min(min_step, pore_volume / wave_rate);
      }
  PetscCall(VecRestoreArrayRead(permeability_ghosted_, &k_si));
  PetscCall(VecRestoreArrayRead(source_, &q));
  PetscCall(VecRestoreArrayRead(porosity_, &phi));
  PetscCall(VecRestoreArray(rate, &dsdt));
  double local[2] = {min_step, -outflow}, global[2];
  // One reduction for both: min of the step and min of -outflow would be wrong for the sum.
  PetscCallMPI(MPI_Allreduce(&local[0], &global[0], 1, MPI_DOUBLE, MPI_MIN, comm_));
  PetscCallMPI(MPI_Allreduce(&outflow, &global[1], 1, MPI_DOUBLE, MPI_SUM, comm_));
  cfl_time_step_ = config_.cfl * global[0];
  last_outflow_rate_ = global[1];
  PetscCall(PetscLogEventEnd(events_.saturation_update, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::RightHandSide(PetscReal time, Vec saturation, Vec rate) {
  PetscFunctionBeginUser;
  PetscCall(UpdateMobilities(saturation));
  if (rhs_calls_since_pressure_ + 1 >= config_.pressure_update_interval || pressure_solves_ == 0) {
    PetscCall(SolvePressure());
  } else {
    ++rhs_calls_since_pressure_;
  }
  PetscCall(EvaluateSaturationRate(rate));
  ++rhs_calls_in_step_;
  if (!step_start_rate_known_ && time == step_start_time_) {
    step_start_outflow_rate_ = last_outflow_rate_;
    step_start_rate_known_ = true;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::TsRightHandSide(TS, PetscReal time, Vec saturation, Vec rate, void* context) {
  PetscFunctionBeginUser;
  PetscCall(static_cast<TwoPhaseSimulator*>(context)->RightHandSide(time, saturation, rate));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::TsPreStep(TS ts) {
  PetscFunctionBeginUser;
  void* context;
  PetscCall(TSGetApplicationContext(ts, &context));
  auto* self = static_cast<TwoPhaseSimulator*>(context);
  PetscCall(TSGetTime(ts, &self->step_start_time_));
  self->step_start_rate_known_ = false;
  self->rhs_calls_in_step_ = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::TsPostStep(TS ts) {
  PetscFunctionBeginUser;
  void* context;
  PetscCall(TSGetApplicationContext(ts, &context));
  auto* self = static_cast<TwoPhaseSimulator*>(context);
  PetscReal now;
  PetscCall(TSGetTime(ts, &now));
  // Outflow through open sides over the step: exact for forward Euler (one RHS evaluation,
  // at the step start); a first-order estimate for multi-stage integrators.
  if (self->step_start_rate_known_) self->cumulative_outflow_ += self->step_start_outflow_rate_ * (now - self->step_start_time_);
  ++self->step_count_;
  // A TS that never evaluated the right-hand side (a surrogate such as -ts_type fno) chooses
  // its own steps; only integrators of our RHS get the CFL step.
  if (self->rhs_calls_in_step_ == 0) PetscFunctionReturn(0);
  double next = self->cfl_time_step_;
  if (self->config_.max_time_step > 0) next = std::min(next, self->config_.max_time_step);
  // Land exactly on the next report time (and avoid a sliver step just before it).
  PetscReal max_time;
  PetscCall(TSGetMaxTime(ts, &max_time));
  const double remaining = max_time - now;
  if (remaining > 0 && std::isfinite(next) && next > 0) {
    if (remaining <= next) next = remaining;
    else if (remaining < 2 * next) next = 0.5 * remaining;
  }
  if (std::isfinite(next) && next > 0) PetscCall(TSSetTimeStep(ts, next));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::Run(const ReportCallback& on_report) {
  PetscFunctionBeginUser;
  PetscCall(TSSetTime(ts_, 0.0));
  PetscCall(TSSetStepNumber(ts_, 0));
  cumulative_outflow_ = 0;
  ts_solve_seconds_ = 0;
  // A first evaluation provides the pressure at t = 0 and the first CFL step.
  Vec scratch;
  PetscCall(VecDuplicate(saturation_, &scratch));
  PetscCall(RightHandSide(-1.0, saturation_, scratch));
  PetscCall(VecDestroy(&scratch));
  double first = cfl_time_step_;
  if (config_.max_time_step > 0) first = std::min(first, config_.max_time_step);
  if (!std::isfinite(first) || first <= 0) first = config_.report_times.front();
  PetscCall(TSSetTimeStep(ts_, std::min(first, config_.report_times.front())));
  if (on_report) PetscCall(on_report(0, 0.0, saturation_));
  for (std::size_t r = 0; r < config_.report_times.size(); ++r) {
    PetscCall(TSSetMaxTime(ts_, config_.report_times[r]));
    const double solve_start = MPI_Wtime();
    PetscCall(TSSolve(ts_, saturation_));
    ts_solve_seconds_ += MPI_Wtime() - solve_start;
    PetscReal reached;
    PetscCall(TSGetTime(ts_, &reached));
    PetscCheck(std::abs(reached - config_.report_times[r]) <= 1e-9 * config_.report_times[r], comm_, PETSC_ERR_PLIB,
               "time stepper stopped at %g s instead of the report time %g s", (double)reached, config_.report_times[r]);
    TSConvergedReason reason;
    PetscCall(TSGetConvergedReason(ts_, &reason));
    PetscCheck(reason >= 0, comm_, PETSC_ERR_NOT_CONVERGED, "time stepping failed before report %d (TS reason %s)",
               static_cast<int>(r + 1), TSConvergedReasons[reason]);
    if (on_report) PetscCall(on_report(static_cast<int>(r + 1), config_.report_times[r], saturation_));
    // After a step clipped to the report time, continue with the CFL step.
    double next = cfl_time_step_;
    if (config_.max_time_step > 0) next = std::min(next, config_.max_time_step);
    if (r + 1 < config_.report_times.size()) next = std::min(next, config_.report_times[r + 1] - config_.report_times[r]);
    if (std::isfinite(next) && next > 0) PetscCall(TSSetTimeStep(ts_, next));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::AbsolutePressure(Vec pressure_pa) const {
  PetscFunctionBeginUser;
  const double p_top = 1.01325e5 + config_.fluid.brine_density * config_.fluid.gravity * config_.grid.top_depth;
  const PetscScalar* p;
  PetscScalar* out;
  PetscCall(VecGetArrayRead(overpressure_, &p));
  PetscCall(VecGetArray(pressure_pa, &out));
  for (PetscInt k = block_.start[2]; k < block_.start[2] + block_.size[2]; ++k)
    for (PetscInt j = block_.start[1]; j < block_.start[1] + block_.size[1]; ++j)
      for (PetscInt i = block_.start[0]; i < block_.start[0] + block_.size[0]; ++i) {
        const PetscInt c = block_.Owned(i, j, k);
        const double depth = config_.grid.CellDepth(static_cast<int>(i), static_cast<int>(j), static_cast<int>(k));
        out[c] = p[c] + p_top + config_.fluid.brine_density * config_.fluid.gravity * (depth - config_.grid.top_depth);
      }
  PetscCall(VecRestoreArrayRead(overpressure_, &p));
  PetscCall(VecRestoreArray(pressure_pa, &out));
  PetscFunctionReturn(0);
}

PetscErrorCode TwoPhaseSimulator::Co2InPlace(Vec saturation, double* volume) const {
  PetscFunctionBeginUser;
  PetscScalar dot;
  PetscCall(VecDot(saturation, porosity_, &dot));
  *volume = PetscRealPart(dot) * config_.grid.CellVolume();
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
