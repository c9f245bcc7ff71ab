// fno-bench model: forward and forward+backward of the distributed FNO, float32, one BLAS
// thread per rank. A named configuration of the model issue (batch 1, width 20, 4 layers,
// projection 128, 1 input channel + coordinates, 1 output) or any grid, modes, width and
// batch; -profile adds the per-stage accounting (time, bytes, flops, fraction of the
// measured memcpy bandwidth); -find-max-grid searches the largest 3D+t grid whose
// forward+backward fits a memory budget.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "bench_options.hpp"
#include "common/error.hpp"
#include "layers/fno_model.hpp"
#include "stage_costs.hpp"
#include "stage_timer.hpp"
#include "timing.hpp"
#include "fft/truncated_dft.hpp"
#ifdef PETSCFNO_HAVE_MODEL_FILE
#include "files/model_file.hpp"
#endif

namespace fno::bench {

namespace {
struct NamedConfig {
  std::vector<Index> grid, modes;
};
const std::map<std::string, NamedConfig> kConfigs = {
    {"2dt-64", {{64, 64, 52}, {8, 8, 8}}},
    {"2dt-128", {{128, 128, 52}, {8, 8, 8}}},
    {"3dt-32", {{32, 32, 32, 16}, {8, 8, 8, 6}}},
    {"3dt-64", {{64, 64, 64, 16}, {8, 8, 8, 6}}},
};

template <class V>
std::string json_list(const V& v) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << "]";
  return os.str();
}

std::string grid_name(const std::vector<Index>& grid) {
  std::ostringstream os;
  for (std::size_t i = 0; i < grid.size(); ++i) os << (i ? "x" : "") << grid[i];
  return os.str();
}

// Peak resident memory of this process (VmHWM, kB -> MB); reset_peak() restarts it.
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
double current_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}
bool reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}
double sum_over(MPI_Comm comm, double mine) {
  double total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, comm);
  return total;
}

// Bytes moved per second by memcpy on every rank at once (each copy counted as read +
// write), summed over the ranks: the bandwidth the per-stage fractions refer to.
double memcpy_bandwidth_gb_s(MPI_Comm comm) {
  const std::size_t bytes = std::size_t{128} << 20;
  std::vector<char> a(bytes, 1), b(bytes, 2);
  const int reps = 6;
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(comm);
    const double t0 = MPI_Wtime();
    std::memcpy(r % 2 ? a.data() : b.data(), r % 2 ? b.data() : a.data(), bytes);
    double dt = MPI_Wtime() - t0, worst = 0;
    MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, comm);
    t.push_back(worst);
  }
  std::sort(t.begin(), t.end());
  int np = 1;
  MPI_Comm_size(comm, &np);
  return 2.0 * static_cast<double>(bytes) * np / t[t.size() / 2] / 1e9;
}

struct Spec {
  std::string name;
  FnoConfig config;
  Index batch = 1;
  std::vector<int> pgrid;
  bool fused = true;
};

std::vector<int> process_grid_dims(MPI_Comm comm, int space_dims, const std::vector<long>& given) {
  std::vector<int> dims(given.begin(), given.end());
  if (dims.empty()) {
    int np = 1;
    MPI_Comm_size(comm, &np);
    dims.assign(static_cast<std::size_t>(space_dims), 0);
    MPI_Dims_create(np, space_dims, dims.data());
  }
  return dims;
}

void print_head(const Spec& s, int np) {
  std::printf("\"config\":\"%s\",\"grid\":%s,\"modes\":%s,\"width\":%ld,\"batch\":%ld,\"np\":%d,\"pgrid\":%s",
              s.name.c_str(), json_list(s.config.grid).c_str(), json_list(s.config.modes).c_str(),
              static_cast<long>(s.config.width), static_cast<long>(s.batch), np, json_list(s.pgrid).c_str());
}

// The per-stage table: exclusive time (mean over ranks), the bytes and flops the cost
// model gives (summed over ranks), and what fraction of the memcpy bandwidth that is.
void print_profile(MPI_Comm comm, const Spec& spec, const StageTimer& timer, int reps, const StageCosts& costs,
                   double bandwidth) {
  int np = 1, rank = 0;
  MPI_Comm_size(comm, &np);
  MPI_Comm_rank(comm, &rank);
  const char* phase_names[] = {"forward", "backward"};
  for (int ph = 0; ph < StageTimer::phase_count; ++ph) {
    double total_ms = 0, total_bytes = 0, total_flops = 0;
    for (int s = 0; s < StageTimer::stages; ++s) {
      const auto stage = static_cast<profile::Stage>(s);
      const auto phase = static_cast<StageTimer::Phase>(ph);
      const double ms = sum_over(comm, timer.seconds(phase, stage)) / np / reps * 1e3;
      const double bytes = sum_over(comm, costs.bytes[ph][s]);
      const double flops = sum_over(comm, costs.flops[ph][s]);
      const long calls = timer.calls(phase, stage) / reps;
      total_ms += ms;
      total_bytes += bytes;
      total_flops += flops;
      if (rank || (calls == 0 && bytes == 0)) continue;
      const double gb_s = ms > 0 ? bytes / (ms * 1e-3) / 1e9 : 0;
      std::printf("{\"bench\":\"model_profile\",");
      print_head(spec, np);
      std::printf(
          ",\"phase\":\"%s\",\"stage\":\"%s\",\"calls\":%ld,\"ms\":%.3f,\"mb\":%.2f,\"gflop\":%.4f,\"gb_s\":%.2f,"
          "\"bw_fraction\":%.3f,\"gflop_s\":%.2f,\"floor_ms\":%.3f}\n",
          phase_names[ph], profile::stage_name(stage), calls, ms, bytes / 1e6, flops / 1e9, gb_s, gb_s / bandwidth,
          ms > 0 ? flops / (ms * 1e-3) / 1e9 / np : 0, bytes / (bandwidth * 1e9) * 1e3);
    }
    const double compulsory = sum_over(comm, costs.compulsory_bytes[ph]);
    if (!rank) {
      std::printf("{\"bench\":\"model_profile\",");
      print_head(spec, np);
      std::printf(
          ",\"phase\":\"%s\",\"stage\":\"total\",\"ms\":%.3f,\"mb\":%.2f,\"gflop\":%.4f,\"bw_fraction\":%.3f,"
          "\"gflop_s_per_rank\":%.2f,\"floor_ms\":%.3f,\"compulsory_mb\":%.2f,\"compulsory_floor_ms\":%.3f,"
          "\"memcpy_gb_s\":%.2f}\n",
          phase_names[ph], total_ms, total_bytes / 1e6, total_flops / 1e9,
          total_bytes / (total_ms * 1e-3) / 1e9 / bandwidth, total_flops / (total_ms * 1e-3) / 1e9 / np,
          total_bytes / (bandwidth * 1e9) * 1e3, compulsory / 1e6, compulsory / (bandwidth * 1e9) * 1e3, bandwidth);
    }
  }
  if (!rank) std::fflush(stdout);
}

struct RunResult {
  Stats fwd{}, train{};
  double peak_mb = 0, base_mb = 0;
};

// Builds the model, times forward and forward+backward, optionally profiles.
RunResult run_one(MPI_Comm comm, const Spec& spec, const std::string& mode, int reps, const std::string& model_path,
                  bool profile, double bandwidth) {
  RunResult result;
  result.base_mb = sum_over(comm, current_rss_mb());
  auto grid = std::make_shared<const ProcessGrid>(comm, spec.pgrid);
  Fno<float> model(spec.config, grid, spec.batch, /*seed=*/0);
  model.set_fused(spec.fused);
  if (!model_path.empty()) {
#ifdef PETSCFNO_HAVE_MODEL_FILE
    read_model(model_path, comm, spec.config, model.parameters());
#else
    fail("fno-bench", "-model needs a build with HDF5 (model files)");
#endif
  }
  std::vector<float> x(static_cast<std::size_t>(model.input_layout().local_count()));
  std::vector<float> y(static_cast<std::size_t>(model.output_layout().local_count())), dy(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919 % 1000) / 1000.0);
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = static_cast<float>((i * 104729 % 1000) / 1000.0);
  auto train_step = [&] {
    model.zero_grad();
    model.forward(x.data(), y.data());
    model.backward(dy.data(), nullptr);
  };
  if (mode != "train") result.fwd = time_collective(comm, reps, [&] { model.forward(x.data(), y.data()); });
  if (mode != "fwd") result.train = time_collective(comm, reps, train_step);
  result.peak_mb = sum_over(comm, peak_rss_mb());
  if (profile) {
    StageTimer timer;
    timer.attach();
    for (int r = 0; r < reps; ++r) {
      MPI_Barrier(comm);
      train_step();
    }
    timer.detach();
    print_profile(comm, spec, timer, reps, model_stage_costs(model), bandwidth);
  }
  return result;
}

void print_result(MPI_Comm comm, const Spec& spec, const std::string& mode, const RunResult& r) {
  int np = 1, rank = 0;
  MPI_Comm_size(comm, &np);
  MPI_Comm_rank(comm, &rank);
  if (rank) return;
  const auto b = static_cast<double>(spec.batch);
  std::printf("{\"bench\":\"model\",\"impl\":\"petsc-fno\",");
  print_head(spec, np);
  if (mode != "train")
    std::printf(",\"fwd_ms_median\":%.3f,\"fwd_ms_min\":%.3f,\"fwd_ms_per_sample\":%.3f,\"fwd_cpu_ms_median\":%.3f",
                r.fwd.median_ms, r.fwd.min_ms, r.fwd.median_ms / b, r.fwd.cpu_median_ms);
  if (mode != "fwd")
    std::printf(",\"train_ms_median\":%.3f,\"train_ms_min\":%.3f,\"train_ms_per_sample\":%.3f,"
                "\"train_cpu_ms_median\":%.3f",
                r.train.median_ms, r.train.min_ms, r.train.median_ms / b, r.train.cpu_median_ms);
  std::printf(",\"peak_rss_mb\":%.1f}\n", r.peak_mb);
  std::fflush(stdout);
}

// Largest n such that forward+backward on n^3 x nt (modes as given, at most n/2 per space
// axis) keeps the peak resident memory summed over the ranks within the budget. The
// memory is linear in the grid points: two measured grids give the fixed part and the
// bytes per point, their prediction is then measured and stepped until the largest fitting
// n is bracketed by measurements.
int find_max_grid(MPI_Comm comm, Spec spec, double budget_mb, int reps) {
  int rank = 0, np = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &np);
  FNO_CHECK(spec.config.space_dims == 3, "-find-max-grid searches 3D+t grids (give a 3D+t -config or -grid)");
  mallopt(M_MMAP_THRESHOLD, 1 << 20);  // large buffers go back to the system when a model is destroyed
  const Index nt = spec.config.grid.back();
  std::map<Index, double> measured;  // n -> peak MB (summed over ranks) of forward+backward
  auto measure = [&](Index n) {
    auto it = measured.find(n);
    if (it != measured.end()) return it->second;
    Spec s = spec;
    s.config.grid = {n, n, n, nt};
    s.name = grid_name(s.config.grid);
    MPI_Barrier(comm);
    FNO_CHECK(reset_peak(), "cannot reset the peak memory (/proc/self/clear_refs)");
    const RunResult r = run_one(comm, s, "train", reps, "", false, 0);
    print_result(comm, s, "train", r);
    const double points = static_cast<double>(n * n * n * nt);
    if (!rank) {
      std::printf("{\"bench\":\"max_grid_probe\",\"grid\":%s,\"points\":%.0f,\"peak_rss_mb\":%.1f,"
                  "\"bytes_per_point\":%.1f,\"budget_mb\":%.0f,\"fits\":%s}\n",
                  json_list(s.config.grid).c_str(), points, r.peak_mb, r.peak_mb * 1048576.0 / points, budget_mb,
                  r.peak_mb <= budget_mb ? "true" : "false");
      std::fflush(stdout);
    }
    measured[n] = r.peak_mb;
    return r.peak_mb;
  };
  const Index n0 = std::max<Index>(2 * spec.config.modes[0], 32), n1 = n0 + 16;
  const double m0 = measure(n0), m1 = measure(n1);
  const double p0 = static_cast<double>(n0 * n0 * n0 * nt), p1 = static_cast<double>(n1 * n1 * n1 * nt);
  const double per_point = (m1 - m0) / (p1 - p0);  // MB per point
  const double fixed = m0 - per_point * p0;
  FNO_CHECK(per_point > 0, "memory did not grow with the grid (", m0, " MB at n=", n0, ", ", m1, " MB at n=", n1,
            ")");
  Index n = static_cast<Index>(std::cbrt(std::max(0.0, (budget_mb - fixed) / per_point) / static_cast<double>(nt)));
  n = std::max<Index>(n, n0);
  // Step down until n fits, then up until n + 1 does not (each step measured).
  while (n > n0 && measure(n) > budget_mb) --n;
  FNO_CHECK(measure(n) <= budget_mb, "not even n=", n, " fits in ", budget_mb, " MB");
  while (measure(n + 1) <= budget_mb) ++n;
  if (!rank) {
    const double points = static_cast<double>(n * n * n * nt);
    std::printf("{\"bench\":\"max_grid\",\"impl\":\"petsc-fno\",\"np\":%d,\"budget_mb\":%.0f,\"grid\":%s,\"points\":%.0f,"
                "\"peak_rss_mb\":%.1f,\"bytes_per_point\":%.1f,\"marginal_bytes_per_point\":%.1f,\"fixed_mb\":%.1f,"
                "\"width\":%ld,\"modes\":%s}\n",
                np, budget_mb, json_list(std::vector<Index>{n, n, n, nt}).c_str(), points, measured[n],
                measured[n] * 1048576.0 / points, per_point * 1048576.0, fixed,
                static_cast<long>(spec.config.width), json_list(spec.config.modes).c_str());
    std::fflush(stdout);
  }
  return 0;
}
}  // namespace

int run_model_bench(Options& opt, MPI_Comm comm) {
  Spec spec;
  spec.name = opt.str("config", "");
  const auto grid_opt = opt.list("grid", {});
  const auto modes_opt = opt.list("modes", {});
  if (spec.name.empty() && grid_opt.empty()) spec.name = "2dt-64";
  if (!spec.name.empty()) {
    auto it = kConfigs.find(spec.name);
    FNO_CHECK(it != kConfigs.end(), "unknown -config ", spec.name, " (2dt-64, 2dt-128, 3dt-32, 3dt-64)");
    spec.config.grid = it->second.grid;
    spec.config.modes = it->second.modes;
  }
  if (!grid_opt.empty()) spec.config.grid.assign(grid_opt.begin(), grid_opt.end());
  if (!modes_opt.empty()) spec.config.modes.assign(modes_opt.begin(), modes_opt.end());
  FNO_CHECK(spec.config.grid.size() == 3 || spec.config.grid.size() == 4,
            "-grid takes 3 (2D+t) or 4 (3D+t) extents, time last; got ", spec.config.grid.size());
  if (spec.config.modes.empty())
    for (std::size_t a = 0; a < spec.config.grid.size(); ++a)
      spec.config.modes.push_back(std::min<Index>(8, a + 1 < spec.config.grid.size() ? spec.config.grid[a] / 2
                                                                                      : spec.config.grid[a] / 2 + 1));
  FNO_CHECK(spec.config.modes.size() == spec.config.grid.size(), "-modes needs one entry per grid axis (",
            spec.config.grid.size(), "), got ", spec.config.modes.size());
  if (!grid_opt.empty() || !modes_opt.empty())
    spec.name = spec.name.empty() || !grid_opt.empty() ? grid_name(spec.config.grid) : spec.name;
  spec.config.space_dims = static_cast<int>(spec.config.grid.size()) - 1;
  spec.config.width = opt.integer("width", 20);
  spec.config.layers = static_cast<int>(opt.integer("layers", 4));
  spec.config.proj_width = opt.integer("proj", 128);
  spec.config.in_channels = opt.integer("in", 1);
  spec.config.out_channels = opt.integer("out", 1);
  spec.config.padding = opt.integer("padding", 0);
  spec.batch = opt.integer("batch", 1);
  FNO_CHECK(spec.batch >= 1, "-batch must be >= 1");
  const std::string mode = opt.str("mode", "both");
  const int reps = static_cast<int>(opt.integer("reps", 5));
  FNO_CHECK(reps >= 1, "-reps must be >= 1");
  const std::string model_path = opt.str("model", "");
  const bool profile = opt.has("profile") && opt.str("profile", "") != "no";
  const bool max_grid = opt.has("find-max-grid") && opt.str("find-max-grid", "") != "no";
  const double budget_mb = static_cast<double>(opt.integer("budget-mb", 8192));
  FNO_CHECK(mode == "fwd" || mode == "train" || mode == "both", "-mode must be fwd, train or both");
  spec.pgrid = process_grid_dims(comm, spec.config.space_dims, opt.list("pgrid", {}));
  set_dft_kernels_enabled(opt.str("kernels", "yes") != "no");
  spec.fused = opt.str("fused", "yes") != "no";
  if (max_grid) return find_max_grid(comm, spec, budget_mb, std::min(reps, 1));
  const double bandwidth = profile ? memcpy_bandwidth_gb_s(comm) : 0;
  const RunResult r = run_one(comm, spec, mode, reps, model_path, profile, bandwidth);
  print_result(comm, spec, mode, r);
  return 0;
}

}  // namespace fno::bench
