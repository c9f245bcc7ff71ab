#include "simulator_options.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace fno::sim {

namespace {
PetscErrorCode ReadRange(PetscOptionItems* PetscOptionsObject, const char* name, const char* help, double* lo, double* hi) {
  PetscFunctionBeginUser;
  PetscReal values[2] = {*lo, *hi};
  PetscInt n = 2;
  PetscBool set = PETSC_FALSE;
  PetscCall(PetscOptionsRealArray(name, help, "", values, &n, &set));
  if (set) {
    *lo = values[0];
    *hi = n > 1 ? values[1] : values[0];
  }
  PetscFunctionReturn(0);
}
}  // namespace

PetscErrorCode ReadSimulatorConfig(MPI_Comm comm, SimulatorConfig* out) {
  PetscFunctionBeginUser;
  SimulatorConfig c = BenchmarkConfig();
  char text[PETSC_MAX_PATH_LEN];
  PetscBool set = PETSC_FALSE;
  PetscOptionsBegin(comm, nullptr, "fno-sim: CO2-brine two-phase flow (reference simulator)", "FNO");
  // ---- grid
  PetscCall(PetscStrncpy(text, "slice", sizeof(text)));
  PetscCall(PetscOptionsString("-geometry", "slice (x-z, depth = DMDA axis 1), map (x-y) or 3d (depth = axis 2)", "",
                               text, text, sizeof(text), &set));
  try {
    c.grid.geometry = ParseGeometry(text);
  } catch (const std::exception& e) {
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s", e.what());
  }
  if (c.grid.geometry == Geometry::Volume) c.grid.cells = {32, 32, 16};
  if (c.grid.geometry == Geometry::Map) c.grid.cells = {64, 64, 1};
  {
    PetscInt cells[3] = {c.grid.cells[0], c.grid.cells[1], c.grid.cells[2]};
    PetscInt n = 3;
    PetscCall(PetscOptionsIntArray("-grid", "cells along DMDA axes: nx,nz (slice), nx,ny (map), nx,ny,nz (3d)", "", cells,
                                   &n, &set));
    if (set) {
      PetscCheck(n == c.grid.Dimension(), comm, PETSC_ERR_ARG_OUTOFRANGE, "-grid needs %d values for geometry %s",
                 c.grid.Dimension(), GeometryName(c.grid.geometry));
      c.grid.cells = {static_cast<int>(cells[0]), static_cast<int>(cells[1]), n == 3 ? static_cast<int>(cells[2]) : 1};
    }
  }
  PetscCall(PetscOptionsReal("-dx", "cell size in x, m", "", c.grid.dx, &c.grid.dx, nullptr));
  PetscCall(PetscOptionsReal("-dy", "cell size in y, m (slice: out-of-plane thickness)", "", c.grid.dy, &c.grid.dy, nullptr));
  PetscCall(PetscOptionsReal("-dz", "cell size in depth, m (map: layer thickness)", "", c.grid.dz, &c.grid.dz, nullptr));
  PetscCall(PetscOptionsReal("-top_depth", "depth of the top of the grid, m", "", c.grid.top_depth, &c.grid.top_depth, nullptr));
  // ---- fluids (viscosities in mPa s)
  FluidProperties& f = c.fluid;
  PetscCall(PetscOptionsReal("-brine_density", "brine density, kg/m^3", "", f.brine_density, &f.brine_density, nullptr));
  PetscCall(PetscOptionsReal("-co2_density", "CO2 density, kg/m^3", "", f.co2_density, &f.co2_density, nullptr));
  double mu_w = f.brine_viscosity * 1e3, mu_n = f.co2_viscosity * 1e3;
  PetscCall(PetscOptionsReal("-brine_viscosity", "brine viscosity, mPa s", "", mu_w, &mu_w, nullptr));
  PetscCall(PetscOptionsReal("-co2_viscosity", "CO2 viscosity, mPa s", "", mu_n, &mu_n, nullptr));
  f.brine_viscosity = mu_w * 1e-3;
  f.co2_viscosity = mu_n * 1e-3;
  PetscCall(PetscOptionsReal("-swr", "residual brine saturation", "", f.brine_residual, &f.brine_residual, nullptr));
  PetscCall(PetscOptionsReal("-sgr", "residual CO2 saturation", "", f.co2_residual, &f.co2_residual, nullptr));
  PetscCall(PetscOptionsReal("-brine_corey_exponent", "Corey exponent of brine", "", f.brine_corey_exponent,
                             &f.brine_corey_exponent, nullptr));
  PetscCall(PetscOptionsReal("-co2_corey_exponent", "Corey exponent of CO2", "", f.co2_corey_exponent,
                             &f.co2_corey_exponent, nullptr));
  PetscCall(PetscOptionsReal("-krw_max", "brine end-point relative permeability", "", f.brine_endpoint_relperm,
                             &f.brine_endpoint_relperm, nullptr));
  PetscCall(PetscOptionsReal("-krg_max", "CO2 end-point relative permeability (at S = 1 - S_wr)", "", f.co2_endpoint_relperm,
                             &f.co2_endpoint_relperm, nullptr));
  PetscCall(PetscOptionsReal("-gravity", "gravitational acceleration, m/s^2 (0 switches gravity off)", "", f.gravity,
                             &f.gravity, nullptr));
  // ---- earth model
  EarthModelSpec& e = c.earth;
  PetscCall(PetscStrncpy(text, "channels", sizeof(text)));
  PetscCall(PetscOptionsString("-perm_model", "permeability: channels, gaussian, uniform or file", "", text, text,
                               sizeof(text), nullptr));
  try {
    e.model = ParsePermeabilityModel(text);
  } catch (const std::exception& ex) {
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s", ex.what());
  }
  PetscInt seed = 0;
  PetscCall(PetscOptionsInt("-perm_seed", "seed of the permeability realization", "", seed, &seed, nullptr));
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-perm_seed must be >= 0");
  e.seed = static_cast<std::uint64_t>(seed);
  {
    PetscInt count[2] = {e.channel_count_min, e.channel_count_max}, n = 2;
    PetscCall(PetscOptionsIntArray("-channel_count", "min,max number of channels", "", count, &n, &set));
    if (set) e.channel_count_min = count[0], e.channel_count_max = n > 1 ? count[1] : count[0];
  }
  PetscCall(ReadRange(PetscOptionsObject, "-channel_width", "min,max channel width, cells", &e.channel_width_min,
                      &e.channel_width_max));
  PetscCall(ReadRange(PetscOptionsObject, "-channel_sinuosity", "min,max channel amplitude/wavelength",
                      &e.channel_sinuosity_min, &e.channel_sinuosity_max));
  PetscCall(ReadRange(PetscOptionsObject, "-channel_thickness", "min,max channel thickness in cells (3d)",
                      &e.channel_thickness_min, &e.channel_thickness_max));
  PetscCall(PetscOptionsReal("-channel_orientation", "largest |angle| of channels to the x axis, degrees", "",
                             e.channel_orientation_max_deg, &e.channel_orientation_max_deg, nullptr));
  PetscCall(PetscOptionsReal("-sand_perm", "channel (sand) permeability, mD", "", e.sand_permeability, &e.sand_permeability, nullptr));
  PetscCall(PetscOptionsReal("-shale_perm", "background (shale) permeability, mD", "", e.shale_permeability,
                             &e.shale_permeability, nullptr));
  PetscCall(PetscOptionsReal("-facies_noise", "std of log10 k inside a facies", "", e.facies_log10_noise,
                             &e.facies_log10_noise, nullptr));
  PetscCall(PetscOptionsReal("-perm_log10_mean", "gaussian: mean of log10 k (mD)", "", e.log10_mean, &e.log10_mean, nullptr));
  PetscCall(PetscOptionsReal("-perm_log10_std", "gaussian: std of log10 k", "", e.log10_std, &e.log10_std, nullptr));
  {
    PetscReal lengths[3] = {e.correlation_length[0], e.correlation_length[1], e.correlation_length[2]};
    PetscInt n = 3;
    PetscCall(PetscOptionsRealArray("-perm_correlation", "gaussian: correlation lengths along DMDA axes, cells", "", lengths,
                                    &n, &set));
    if (set && n > 0)
      for (PetscInt a = 0; a < 3; ++a) e.correlation_length[a] = lengths[std::min(a, n - 1)];
  }
  PetscCall(PetscOptionsInt("-perm_modes", "gaussian: number of spectral modes", "", e.spectral_modes, &e.spectral_modes, nullptr));
  PetscCall(PetscOptionsReal("-perm_uniform", "uniform: permeability, mD", "", e.uniform_permeability,
                             &e.uniform_permeability, nullptr));
  PetscCall(PetscStrncpy(text, "", sizeof(text)));
  PetscCall(PetscOptionsString("-perm_file", "file: HDF5 file with permeability in mD", "", text, text, sizeof(text), &set));
  if (set) c.permeability_file = text;
  PetscCall(PetscStrncpy(text, "", sizeof(text)));
  PetscCall(PetscOptionsString("-grdecl", "earth model from an Eclipse include (PERMX mD, PORO; e.g. -export_grdecl's or an OPM deck's)",
                               "", text, text, sizeof(text), &set));
  if (set) c.grdecl_file = text, e.model = PermeabilityModel::File;
  PetscCall(PetscStrncpy(text, c.permeability_dataset.c_str(), sizeof(text)));
  PetscCall(PetscOptionsString("-perm_dataset", "file: dataset name ([nz][ny][nx] or [ny][nx])", "", text, text,
                               sizeof(text), nullptr));
  c.permeability_dataset = text;
  PetscCall(PetscStrncpy(text, "", sizeof(text)));
  PetscCall(PetscOptionsString("-porosity_dataset", "file: porosity dataset (default: from the relation)", "", text, text,
                               sizeof(text), nullptr));
  c.porosity_dataset = text;
  PetscCall(PetscOptionsReal("-porosity", "constant porosity (0: use the log-linear relation)", "", e.constant_porosity,
                             &e.constant_porosity, nullptr));
  PetscCall(PetscOptionsReal("-porosity_ref", "relation: porosity at the reference permeability", "", e.porosity_reference,
                             &e.porosity_reference, nullptr));
  PetscCall(PetscOptionsReal("-porosity_ref_perm", "relation: reference permeability, mD", "", e.porosity_reference_perm,
                             &e.porosity_reference_perm, nullptr));
  PetscCall(PetscOptionsReal("-porosity_slope", "relation: d porosity / d log10 k", "", e.porosity_slope, &e.porosity_slope, nullptr));
  PetscCall(ReadRange(PetscOptionsObject, "-porosity_bounds", "relation: min,max porosity", &e.porosity_min, &e.porosity_max));
  PetscCall(PetscOptionsReal("-kz_ratio", "vertical / horizontal permeability", "", c.vertical_permeability_ratio,
                             &c.vertical_permeability_ratio, nullptr));
  // ---- wells
  c.wells = {BenchmarkInjector(c.grid)};
  PetscInt well_count = 1;
  PetscCall(PetscOptionsInt("-well_count", "number of injection wells (options -well<n>_cells, -well<n>_rate)", "",
                            well_count, &well_count, nullptr));
  PetscCheck(well_count >= 0 && well_count <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE, "-well_count must lie in 0..64");
  c.wells.resize(well_count, c.wells.empty() ? Well{} : c.wells.front());
  for (PetscInt w = 0; w < well_count; ++w) {
    const std::string cells_name = "-well" + std::to_string(w) + "_cells";
    const std::string rate_name = "-well" + std::to_string(w) + "_rate";
    PetscInt range[6] = {c.wells[w].lower[0], c.wells[w].upper[0], c.wells[w].lower[1],
                         c.wells[w].upper[1], c.wells[w].lower[2], c.wells[w].upper[2]};
    PetscInt n = 6;
    PetscCall(PetscOptionsIntArray(cells_name.c_str(), "perforated cells i0,i1,j0,j1[,k0,k1] (0-based, inclusive)", "", range,
                                   &n, &set));
    if (set) {
      PetscCheck(n == 2 * c.grid.Dimension(), comm, PETSC_ERR_ARG_OUTOFRANGE, "%s needs %d values", cells_name.c_str(),
                 2 * c.grid.Dimension());
      if (n == 4) range[4] = range[5] = 0;
      for (int a = 0; a < 3; ++a) c.wells[w].lower[a] = static_cast<int>(range[2 * a]), c.wells[w].upper[a] = static_cast<int>(range[2 * a + 1]);
    }
    PetscCall(PetscOptionsReal(rate_name.c_str(), "CO2 injection rate, sm^3/day (surface)", "", c.wells[w].surface_rate,
                               &c.wells[w].surface_rate, nullptr));
  }
  PetscCall(PetscOptionsReal("-co2_surface_density", "CO2 density at surface conditions, kg/m^3 (rate conversion)", "",
                             c.co2_surface_density, &c.co2_surface_density, nullptr));
  // ---- boundaries
  PetscCall(PetscStrncpy(text, "right", sizeof(text)));
  PetscCall(PetscOptionsString("-open_sides", "open (constant-pressure) sides: comma list of left,right,top,bottom,front,back or none",
                               "", text, text, sizeof(text), nullptr));
  try {
    c.open_sides = ParseOpenSides(text, c.grid.geometry);
  } catch (const std::exception& ex) {
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s", ex.what());
  }
  // ---- initial state
  PetscCall(PetscOptionsReal("-initial_saturation", "initial CO2 saturation everywhere", "", c.initial_saturation,
                             &c.initial_saturation, nullptr));
  {
    PetscInt box[6] = {0, -1, 0, -1, 0, 0};
    PetscInt n = 6;
    PetscCall(PetscOptionsIntArray("-initial_box", "cells i0,i1,j0,j1[,k0,k1] that start at -initial_box_saturation", "",
                                   box, &n, &set));
    if (set) {
      PetscCheck(n == 2 * c.grid.Dimension(), comm, PETSC_ERR_ARG_OUTOFRANGE, "-initial_box needs %d values",
                 2 * c.grid.Dimension());
      if (n == 4) box[4] = box[5] = 0;
      for (int a = 0; a < 3; ++a) c.initial_box.lower[a] = static_cast<int>(box[2 * a]), c.initial_box.upper[a] = static_cast<int>(box[2 * a + 1]);
    }
    PetscCall(PetscOptionsReal("-initial_box_saturation", "CO2 saturation inside -initial_box", "", c.initial_box.value,
                               &c.initial_box.value, nullptr));
  }
  // ---- time
  {
    PetscInt report_count = 50;
    PetscReal interval = 73.0;
    PetscCall(PetscOptionsInt("-report_count", "number of report steps (after t = 0)", "", report_count, &report_count, nullptr));
    PetscCall(PetscOptionsReal("-report_interval", "days between reports", "", interval, &interval, nullptr));
    PetscCheck(report_count >= 1 && report_count <= 100000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-report_count must lie in 1..100000");
    c.report_times = UniformReportTimes(static_cast<int>(report_count), interval);
    std::vector<PetscReal> times(100000);
    PetscInt n = static_cast<PetscInt>(times.size());
    PetscCall(PetscOptionsRealArray("-report_times", "explicit report times in days (overrides -report_count/-report_interval)",
                                    "", times.data(), &n, &set));
    if (set) {
      c.report_times.clear();
      for (PetscInt r = 0; r < n; ++r) c.report_times.push_back(times[r] * kSecondsPerDay);
    }
  }
  PetscCall(PetscOptionsReal("-cfl", "time step as a fraction of the explicit stability limit", "", c.cfl, &c.cfl, nullptr));
  {
    PetscReal max_dt_days = c.max_time_step / kSecondsPerDay;
    PetscCall(PetscOptionsReal("-max_dt", "largest time step, days (0: CFL only)", "", max_dt_days, &max_dt_days, nullptr));
    c.max_time_step = max_dt_days * kSecondsPerDay;
  }
  PetscCall(PetscOptionsInt("-pressure_update_interval", "solve pressure every N right-hand-side evaluations", "",
                            c.pressure_update_interval, &c.pressure_update_interval, nullptr));
  PetscCall(PetscOptionsInt("-pressure_pc_refresh",
                            "rebuild the pressure preconditioner every N solves (0: 1 for preonly, 10 for iterative KSPs)", "",
                            c.pressure_pc_refresh, &c.pressure_pc_refresh, nullptr));
  PetscOptionsEnd();
  try {
    ValidateSimulatorConfig(c);
  } catch (const std::exception& ex) {
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "invalid simulation input: %s", ex.what());
  }
  *out = std::move(c);
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
