// fno-init: writes a model file with seeded random weights (PyTorch's initialisation, as
// Fno::initialize) and a /problem description, for trying the plumbing of a host
// (-ts_type fno) before a model is trained, and for tests. Collective on MPI_COMM_WORLD.
//
//   fno-init -grid 64,64,51 -modes 8,8,8 -width 20 -layers 4 -proj_width 128 -padding 0
//            -inputs log10_permeability:permeability:log10:1:mD,porosity:porosity:identity:1:1
//            -outputs saturation:1:0:0:1 -times_days 0,73,...  (or -time_span t0,t1 in seconds)
//            -seed 1 -precision float32 -output model.h5
#include <mpi.h>

#include <cstdio>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "layers/fno_model.hpp"
#include "files/model_file.hpp"
#include "tool_main.hpp"
#include "tool_options.hpp"

namespace {

const char usage_head[] =
    "fno-init: a petsc-fno model file with seeded random weights and a /problem description.\n"
    "Options (defaults in brackets):\n"
    "  -output FILE.h5          model file to write (required)\n"
    "  -grid n0,n1[,n2],nt      grid: space axes in DMDA order (x, y[, z]), then time  [64,64,51]\n"
    "  -modes m0,m1[,m2],mt     modes kept per axis  [8,8,8]\n"
    "  -width W  -layers L  -proj_width P  -padding T   [20, 4, 128, 0]\n";
const char usage_tail[] =
    "  -seed S                  initialisation seed  [1]\n"
    "  -input_mean a,b,..  -input_std a,b,..   unit-Gaussian input normalizer (one value per input)  [none]\n"
    "  -output_mean a,..   -output_std a,..    output normalizer (one value per output)  [none]\n"
    "  -precision float32|float64   stored precision  [float32]\n";

std::optional<fno::UnitGaussianNormalizer<double>> normalizer_from_options(fno::tools::ToolOptions& options,
                                                                           const std::string& which,
                                                                           fno::Index channels) {
  const std::string mean = options.take(which + "_mean", ""), stddev = options.take(which + "_std", "");
  if (mean.empty() && stddev.empty()) return std::nullopt;
  std::vector<double> m, sd;
  for (const auto& v : fno::tools::split(mean, ',')) m.push_back(options.number(v, "-" + which + "_mean"));
  for (const auto& v : fno::tools::split(stddev, ',')) sd.push_back(options.number(v, "-" + which + "_std"));
  FNO_CHECK_AS("fno-init", static_cast<fno::Index>(m.size()) == channels && static_cast<fno::Index>(sd.size()) == channels,
               "-", which, "_mean and -", which, "_std need ", channels, " value(s) each");
  return fno::UnitGaussianNormalizer<double>(m, sd);
}

int run(int argc, char** argv) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  fno::tools::ToolOptions options(argc, argv, 1, "fno-init");
  if (options.help()) {
    if (rank == 0) std::printf("%s%s%s", usage_head, fno::tools::problem_options_help, usage_tail);
    return 0;
  }
  const std::string output = options.take("output", "");
  FNO_CHECK_AS("fno-init", !output.empty(), "-output FILE.h5 is required (fno-init -help lists the options)");
  fno::FnoConfig config;
  config.grid = options.integers("grid", "64,64,51");
  config.space_dims = static_cast<int>(config.grid.size()) - 1;
  config.modes = options.integers("modes", "8,8,8");
  config.width = options.integers("width", "20").at(0);
  config.layers = static_cast<int>(options.integers("layers", "4").at(0));
  config.proj_width = options.integers("proj_width", "128").at(0);
  config.padding = options.integers("padding", "0").at(0);
  fno::ProblemDescription problem =
      *fno::tools::problem_from_options(options, config.grid.empty() ? 0 : config.grid.back(), /*required=*/true);
  problem.description = "seeded random weights written by fno-init (untrained)";
  config.in_channels = static_cast<fno::Index>(problem.inputs.size());
  config.out_channels = static_cast<fno::Index>(problem.outputs.size());
  const auto seed = static_cast<std::uint64_t>(options.integers("seed", "1").at(0));
  const std::string precision = options.take("precision", "float32");
  FNO_CHECK_AS("fno-init", precision == "float32" || precision == "float64", "-precision is float32 or float64, got '",
               precision, "'");
  fno::Normalizers<double> normalizers;
  normalizers.input = normalizer_from_options(options, "input", config.in_channels);
  normalizers.output = normalizer_from_options(options, "output", config.out_channels);
  options.require_all_read();
  fno::validate_problem(problem, config);

  std::vector<int> dims(static_cast<std::size_t>(std::max(config.space_dims, 1)), 0);
  MPI_Dims_create(size, static_cast<int>(dims.size()), dims.data());
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
  fno::Fno<double> model(config, grid, /*batch=*/1, seed);
  fno::ModelWriteOptions write;
  write.precision = precision == "float32" ? fno::StoredPrecision::float32 : fno::StoredPrecision::float64;
  write.problem = problem;
  fno::write_model(output, MPI_COMM_WORLD, config, model.parameters(), normalizers, write);
  if (rank == 0)
    std::printf("fno-init: wrote %s (%dD+t grid, %zu inputs, %zu outputs, %zu times, seed %llu)\n", output.c_str(),
                config.space_dims, problem.inputs.size(), problem.outputs.size(), problem.times.size(),
                static_cast<unsigned long long>(seed));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fno::tools::run_mpi_tool(argc, argv, "fno-init", run); }
