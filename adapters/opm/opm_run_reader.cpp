#include "opm_run_reader.hpp"

#include <opm/io/eclipse/EGrid.hpp>
#include <opm/io/eclipse/EInit.hpp>
#include <opm/io/eclipse/ERst.hpp>
#include <opm/io/eclipse/ESmry.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "opm_cell_order.hpp"

namespace fno::opm {

namespace {

namespace fs = std::filesystem;

// Eclipse restart header positions (INTEHEAD, IWEL, ICON) and the gas-injector well type.
constexpr std::size_t kNx = 8, kNy = 9, kNz = 10, kNactive = 11, kNwells = 16, kNcwmax = 17, kNiwelz = 24, kNiconz = 32;
constexpr std::size_t kWellType = 6, kConnI = 1, kConnJ = 2, kConnK = 3;
constexpr int kGasInjector = 4;

class RunError {
 public:
  explicit RunError(std::string base) : base_(std::move(base)) {}
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("OPM run '" + base_ + "': " + what);
  }

 private:
  std::string base_;
};

// INIT array -> per cell in file order (inactive NaN). INIT arrays hold active cells only,
// except PORV, which Eclipse writes for every cell (0 in inactive ones).
std::vector<double> ScatterInit(const RunError& err, Opm::EclIO::EInit& init, const char* name, const OpmRun& run,
                                const std::vector<std::size_t>& active_to_file) {
  if (!init.hasKey(name)) err.Fail(std::string("INIT has no ") + name);
  const std::vector<float>& values = init.getInitData<float>(name);
  std::vector<double> out(run.CellCount(), std::numeric_limits<double>::quiet_NaN());
  if (values.size() == active_to_file.size()) {
    for (std::size_t a = 0; a < values.size(); ++a) out[active_to_file[a]] = values[a];
  } else if (values.size() == run.CellCount()) {
    for (std::size_t g = 0; g < values.size(); ++g) {
      const std::size_t f = FileIndexOfGlobal(run.dims, g);
      if (run.active[f]) out[f] = values[g];
    }
  } else {
    err.Fail(std::string("INIT ") + name + " holds " + std::to_string(values.size()) + " values for " +
             std::to_string(active_to_file.size()) + " active cells of " + std::to_string(run.CellCount()));
  }
  return out;
}

}  // namespace

std::string FindRunBase(const std::string& where, const std::string& case_name) {
  std::error_code ec;
  if (!fs::is_directory(where, ec)) {
    if (fs::exists(where + ".EGRID", ec)) return where;
    throw std::runtime_error("OPM run '" + where + "': neither a directory nor a base path with a .EGRID file");
  }
  if (!case_name.empty()) return (fs::path(where) / case_name).string();
  std::string found;
  for (const auto& entry : fs::directory_iterator(where, ec)) {
    if (entry.path().extension() != ".EGRID") continue;
    if (!found.empty())
      throw std::runtime_error("OPM run directory '" + where + "' holds more than one .EGRID file; name the case");
    found = (entry.path().parent_path() / entry.path().stem()).string();
  }
  if (found.empty()) throw std::runtime_error("OPM run directory '" + where + "' holds no .EGRID file (not a flow --output-dir?)");
  return found;
}

OpmRun ReadOpmRun(const std::string& where, const std::string& case_name) {
  OpmRun run;
  run.base = FindRunBase(where, case_name);
  const RunError err(run.base);
  for (const char* ext : {".EGRID", ".INIT", ".UNRST", ".SMSPEC", ".UNSMRY"})
    if (!fs::is_regular_file(run.base + ext))
      err.Fail(std::string("missing ") + ext + " (flow needs UNIFOUT and INIT in the deck, and a SUMMARY section with FGIT)");
  try {
    // ---- grid
    Opm::EclIO::EGrid grid(run.base + ".EGRID");
    run.dims = grid.dimension();
    for (int d : run.dims)
      if (d < 1) err.Fail("EGRID has an empty dimension");
    const std::size_t cells = run.CellCount();
    run.active.assign(cells, true);
    if (grid.hasKey("ACTNUM")) {
      const std::vector<int>& actnum = grid.get<int>("ACTNUM");
      if (actnum.size() != cells) err.Fail("EGRID ACTNUM holds " + std::to_string(actnum.size()) + " values for " +
                                           std::to_string(cells) + " cells");
      for (std::size_t g = 0; g < cells; ++g) run.active[FileIndexOfGlobal(run.dims, g)] = actnum[g] > 0;
    }
    std::vector<std::size_t> active_to_file;  // OPM's active order is global order without inactive cells
    for (std::size_t g = 0; g < cells; ++g) {
      const std::size_t f = FileIndexOfGlobal(run.dims, g);
      if (run.active[f]) active_to_file.push_back(f);
    }
    if (active_to_file.empty()) err.Fail("every cell is inactive");
    if (static_cast<int>(active_to_file.size()) != grid.activeCells())
      err.Fail("EGRID's ACTNUM and its active cell count disagree");

    // ---- static properties
    Opm::EclIO::EInit init(run.base + ".INIT");
    if (init.grid_dimension() != run.dims) err.Fail("INIT and EGRID describe different grids");
    run.permx = ScatterInit(err, init, "PERMX", run, active_to_file);
    run.permz = ScatterInit(err, init, "PERMZ", run, active_to_file);
    run.porosity = ScatterInit(err, init, "PORO", run, active_to_file);
    run.pore_volume = ScatterInit(err, init, "PORV", run, active_to_file);
    const std::vector<double> dx = ScatterInit(err, init, "DX", run, active_to_file);
    const std::vector<double> dy = ScatterInit(err, init, "DY", run, active_to_file);
    const std::vector<double> dz = ScatterInit(err, init, "DZ", run, active_to_file);
    const std::vector<double> depth = ScatterInit(err, init, "DEPTH", run, active_to_file);
    const std::size_t first = active_to_file.front();
    run.cell_size = {dx[first], dy[first], dz[first]};
    run.top_depth = depth[first] - 0.5 * dz[first];
    for (std::size_t f : active_to_file) {
      if (!(run.permx[f] > 0) || !(run.permz[f] > 0) || !std::isfinite(run.permx[f]) || !std::isfinite(run.permz[f]))
        err.Fail("INIT PERMX/PERMZ not positive and finite in cell " + std::to_string(f));
      if (!(run.porosity[f] > 0 && run.porosity[f] <= 1)) err.Fail("INIT PORO outside (0, 1] in cell " + std::to_string(f));
    }

    // ---- restart: SGAS, PRESSURE, RS, time, wells
    Opm::EclIO::ERst rst(run.base + ".UNRST");
    const std::vector<int> steps = rst.listOfReportStepNumbers();
    if (steps.empty()) err.Fail("UNRST holds no report step");
    std::vector<std::array<int, 3>> connections;
    for (int step : steps) {
      for (const char* name : {"INTEHEAD", "DOUBHEAD", "SGAS", "PRESSURE", "RS"})
        if (!rst.hasArray(name, step))
          err.Fail("UNRST report step " + std::to_string(step) + " has no " + name +
                   (std::string(name) == "RS" ? " (the deck needs DISGAS)" : ""));
      const std::vector<int>& head = rst.getRestartData<int>("INTEHEAD", step);
      if (head.size() <= kNiconz || head[kNx] != run.dims[0] || head[kNy] != run.dims[1] || head[kNz] != run.dims[2] ||
          head[kNactive] != static_cast<int>(active_to_file.size()))
        err.Fail("UNRST report step " + std::to_string(step) + " describes another grid than EGRID");
      run.times.push_back(rst.getRestartData<double>("DOUBHEAD", step).at(0));
      for (const char* name : {"SGAS", "PRESSURE", "RS"}) {
        const std::vector<float>& values = rst.getRestartData<float>(name, step);
        if (values.size() != active_to_file.size())
          err.Fail("UNRST report step " + std::to_string(step) + ": " + name + " holds " + std::to_string(values.size()) +
                   " values for " + std::to_string(active_to_file.size()) + " active cells");
        std::vector<double> field(cells, 0.0);
        for (std::size_t a = 0; a < values.size(); ++a) {
          if (!std::isfinite(values[a])) err.Fail(std::string("UNRST ") + name + " is not finite at report step " + std::to_string(step));
          field[active_to_file[a]] = values[a];
        }
        (name[0] == 'S' ? run.sgas : name[0] == 'P' ? run.pressure : run.rs).push_back(std::move(field));
      }
      // Connections of gas injectors (the last report step's set is kept).
      connections.clear();
      const std::size_t wells = head[kNwells], ncwmax = head[kNcwmax], niwelz = head[kNiwelz], niconz = head[kNiconz];
      if (wells > 0 && rst.hasArray("IWEL", step) && rst.hasArray("ICON", step)) {
        const std::vector<int>& iwel = rst.getRestartData<int>("IWEL", step);
        const std::vector<int>& icon = rst.getRestartData<int>("ICON", step);
        if (iwel.size() < wells * niwelz || icon.size() < wells * ncwmax * niconz) err.Fail("UNRST IWEL/ICON too short");
        for (std::size_t w = 0; w < wells; ++w) {
          if (iwel[w * niwelz + kWellType] != kGasInjector) continue;
          for (std::size_t c = 0; c < ncwmax; ++c) {
            const int* con = &icon[(w * ncwmax + c) * niconz];
            if (con[0] <= 0) continue;  // unused slot
            const std::array<int, 3> ijk = {con[kConnI] - 1, con[kConnJ] - 1, con[kConnK] - 1};
            for (int a = 0; a < 3; ++a)
              if (ijk[a] < 0 || ijk[a] >= run.dims[a]) err.Fail("UNRST ICON names a cell outside the grid");
            connections.push_back(ijk);
          }
        }
      }
    }
    run.connections = connections;
    if (run.times.front() > 0) {
      // flow writes the initial state only with RPTSOL RESTART=2; without it, time 0 is the
      // all-brine state the benchmark deck's EQUIL/RSVD set (no free or dissolved CO2).
      run.initial_state_assumed = true;
      run.times.insert(run.times.begin(), 0.0);
      run.sgas.insert(run.sgas.begin(), std::vector<double>(cells, 0.0));
      run.rs.insert(run.rs.begin(), std::vector<double>(cells, 0.0));
      run.pressure.insert(run.pressure.begin(), run.pressure.front());
    }
    for (std::size_t t = 1; t < run.times.size(); ++t)
      if (!(run.times[t] > run.times[t - 1])) err.Fail("UNRST report times are not increasing");

    // ---- summary
    Opm::EclIO::ESmry smry(run.base + ".SMSPEC");
    if (!smry.hasKey("FGIT")) err.Fail("the summary has no FGIT (add FGIT to the deck's SUMMARY section)");
    const std::vector<float> fgit = smry.get_at_rstep("FGIT");
    const std::vector<float> time = smry.get_at_rstep("TIME");
    if (fgit.empty() || time.empty() || !(time.back() > 0)) err.Fail("the summary holds no report step");
    if (std::abs(time.back() - run.times.back()) > 1e-3 * run.times.back())
      err.Fail("the summary ends at " + std::to_string(time.back()) + " days but UNRST at " +
               std::to_string(run.times.back()) + " days (truncated output?)");
    run.injection_surface_rate = fgit.back() / time.back();
    for (const char* name : {"FGIPG", "FGIP"}) {
      if (!smry.hasKey(name)) continue;
      const std::vector<float> v = smry.get_at_rstep(name);
      (name[4] == 'G' ? run.fgipg : run.fgip).assign(v.begin(), v.end());
    }
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind("OPM run '", 0) == 0) throw;
    err.Fail("opm-common could not read it (" + what + "; truncated or corrupt file?)");
  } catch (const std::exception& e) {
    err.Fail(std::string("opm-common could not read it (") + e.what() + "; truncated or corrupt file?)");
  }
  return run;
}

}  // namespace fno::opm
