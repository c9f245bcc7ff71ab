// fno-bench model: forward and forward+backward of the distributed FNO on the model
// issue's configurations (batch 1, width 20, 4 layers, projection 128, 1 input channel +
// coordinates, 1 output), float32, one BLAS thread per rank.
#include <sys/resource.h>

#include <cstdio>
#include <map>
#include <memory>

#include "bench_options.hpp"
#include "error.hpp"
#include "fno_model.hpp"
#include "timing.hpp"
#ifdef PETSCFNO_HAVE_MODEL_FILE
#include "model_file.hpp"
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

double peak_rss_mb_total(MPI_Comm comm) {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  double mine = static_cast<double>(u.ru_maxrss) / 1024.0, total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, comm);
  return total;
}
}  // namespace

int run_model_bench(Options& opt, MPI_Comm comm) {
  int np = 1, rank = 0;
  MPI_Comm_size(comm, &np);
  MPI_Comm_rank(comm, &rank);
  const std::string name = opt.str("config", "2dt-64");
  const std::string mode = opt.str("mode", "both");
  const int reps = static_cast<int>(opt.integer("reps", 5));
  const std::string model_path = opt.str("model", "");
  auto it = kConfigs.find(name);
  FNO_CHECK(it != kConfigs.end(), "unknown -config ", name, " (2dt-64, 2dt-128, 3dt-32, 3dt-64)");
  FNO_CHECK(mode == "fwd" || mode == "train" || mode == "both", "-mode must be fwd, train or both");
  FnoConfig config;
  config.grid = it->second.grid;
  config.modes = it->second.modes;
  config.space_dims = static_cast<int>(config.grid.size()) - 1;
  config.width = 20;
  config.layers = 4;
  config.proj_width = 128;
  config.in_channels = 1;
  config.out_channels = 1;
  auto pl = opt.list("pgrid", {});
  std::vector<int> dims(pl.begin(), pl.end());
  if (dims.empty()) {
    dims.assign(config.space_dims, 0);
    MPI_Dims_create(np, config.space_dims, dims.data());
  }
  auto grid = std::make_shared<const ProcessGrid>(comm, dims);
  Fno<float> model(config, grid, 1, /*seed=*/0);
  if (!model_path.empty()) {
#ifdef PETSCFNO_HAVE_MODEL_FILE
    read_model(model_path, comm, config, model.parameters());
#else
    fail("fno-bench", "-model needs a build with HDF5 (model files)");
#endif
  }
  std::vector<float> x(model.input_layout().local_count()), y(model.output_layout().local_count());
  std::vector<float> dy(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919 % 1000) / 1000.0);
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = static_cast<float>((i * 104729 % 1000) / 1000.0);
  Stats fwd{}, train{};
  if (mode != "train") fwd = time_collective(comm, reps, [&] { model.forward(x.data(), y.data()); });
  if (mode != "fwd")
    train = time_collective(comm, reps, [&] {
      model.zero_grad();
      model.forward(x.data(), y.data());
      model.backward(dy.data(), nullptr);
    });
  const double rss = peak_rss_mb_total(comm);
  if (!rank) {
    std::printf("{\"bench\":\"model\",\"impl\":\"petsc-fno\",\"config\":\"%s\",\"np\":%d,\"pgrid\":[", name.c_str(), np);
    for (std::size_t i = 0; i < dims.size(); ++i) std::printf("%s%d", i ? "," : "", dims[i]);
    std::printf("]");
    if (mode != "train") std::printf(",\"fwd_ms_median\":%.3f,\"fwd_ms_min\":%.3f", fwd.median_ms, fwd.min_ms);
    if (mode != "fwd") std::printf(",\"train_ms_median\":%.3f,\"train_ms_min\":%.3f", train.median_ms, train.min_ms);
    std::printf(",\"peak_rss_mb\":%.1f}\n", rss);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace fno::bench
