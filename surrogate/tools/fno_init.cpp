// fno-init: writes a model file with seeded random weights (PyTorch's initialisation, as
// Fno::initialize) and a /problem description, for trying the plumbing of a host
// (-ts_type fno) before a model is trained, and for tests. Collective on MPI_COMM_WORLD.
//
//   fno-init -grid 64,64,51 -modes 8,8,8 -width 20 -layers 4 -proj_width 128 -padding 0
//            -inputs log10_permeability:permeability:log10:1:mD,porosity:porosity:identity:1:1
//            -outputs saturation:1:0:0:1 -times_days 0,73,...  (or -time_span t0,t1 in seconds)
//            -seed 1 -precision float32 -output model.h5
#include <hdf5.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "error.hpp"
#include "fno_model.hpp"
#include "model_file.hpp"
#include "tool_main.hpp"

namespace {

const char usage[] =
    "fno-init: a petsc-fno model file with seeded random weights and a /problem description.\n"
    "Options (defaults in brackets):\n"
    "  -output FILE.h5          model file to write (required)\n"
    "  -grid n0,n1[,n2],nt      grid: space axes in DMDA order (x, y[, z]), then time  [64,64,51]\n"
    "  -modes m0,m1[,m2],mt     modes kept per axis  [8,8,8]\n"
    "  -width W  -layers L  -proj_width P  -padding T   [20, 4, 128, 0]\n"
    "  -inputs  LIST            input channels, comma separated, each name:source:transform:scale:units\n"
    "                           (transform identity|log10; channel = transform(scale * host field source))\n"
    "                           [the reference simulator's: log10_permeability:permeability:log10:1:mD,\n"
    "                            porosity:porosity:identity:1:1,injection_rate:injection_rate:identity:86400:m3/s]\n"
    "  -outputs LIST            output channels, each name:units:initial_value:min:max (nan: none)\n"
    "                           [saturation:1:0:0:1]\n"
    "  -times_days t0,t1,...    output times in days (one per time point), or\n"
    "  -time_span t0,t1         first and last time in seconds, evenly spaced  [0 to 3650 days]\n"
    "  -seed S                  initialisation seed  [1]\n"
    "  -input_mean a,b,..  -input_std a,b,..   unit-Gaussian input normalizer (one value per input)  [none]\n"
    "  -output_mean a,..   -output_std a,..    output normalizer (one value per output)  [none]\n"
    "  -precision float32|float64   stored precision  [float32]\n";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

double number(const std::string& s, const std::string& what) {
  if (s == "nan" || s == "NaN") return std::nan("");
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  FNO_CHECK_AS("fno-init", !s.empty() && *end == '\0', what, " expects a number, got '", s, "'");
  return v;
}

std::vector<fno::Index> integers(const std::string& s, const std::string& option) {
  std::vector<fno::Index> out;
  for (const auto& item : split(s, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    FNO_CHECK_AS("fno-init", !item.empty() && *end == '\0', "option ", option, " expects integers like 1,2,3; got '", s,
                 "'");
    out.push_back(v);
  }
  return out;
}

int run(int argc, char** argv) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::map<std::string, std::string> options;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "-help" || key == "--help" || key == "-h") {
      if (rank == 0) std::printf("%s", usage);
      return 0;
    }
    FNO_CHECK_AS("fno-init", key.size() > 1 && key[0] == '-' && i + 1 < argc, "expected '-option value', got '", key,
                 "' (fno-init -help lists the options)");
    options[key.substr(1)] = argv[++i];
  }
  auto take = [&](const std::string& key, const std::string& fallback) {
    auto it = options.find(key);
    if (it == options.end()) return fallback;
    std::string v = it->second;
    options.erase(it);
    return v;
  };
  const std::string output = take("output", "");
  FNO_CHECK_AS("fno-init", !output.empty(), "-output FILE.h5 is required (fno-init -help lists the options)");

  fno::FnoConfig config;
  config.grid = integers(take("grid", "64,64,51"), "-grid");
  config.space_dims = static_cast<int>(config.grid.size()) - 1;
  config.modes = integers(take("modes", "8,8,8"), "-modes");
  config.width = integers(take("width", "20"), "-width").at(0);
  config.layers = static_cast<int>(integers(take("layers", "4"), "-layers").at(0));
  config.proj_width = integers(take("proj_width", "128"), "-proj_width").at(0);
  config.padding = integers(take("padding", "0"), "-padding").at(0);

  fno::ProblemDescription problem;
  problem.description = "seeded random weights written by fno-init (untrained)";
  const std::string inputs = take("inputs",
                                  "log10_permeability:permeability:log10:1:mD,porosity:porosity:identity:1:1,"
                                  "injection_rate:injection_rate:identity:86400:m3/s");
  for (const auto& item : split(inputs, ',')) {
    const auto f = split(item, ':');
    FNO_CHECK_AS("fno-init", f.size() == 5, "-inputs entry '", item, "' is not name:source:transform:scale:units");
    problem.inputs.push_back({f[0], f[1], f[2], number(f[3], "an input's scale"), f[4]});
  }
  for (const auto& item : split(take("outputs", "saturation:1:0:0:1"), ',')) {
    const auto f = split(item, ':');
    FNO_CHECK_AS("fno-init", f.size() == 5, "-outputs entry '", item, "' is not name:units:initial_value:min:max");
    problem.outputs.push_back({f[0], f[1], number(f[2], "an output's initial value"), number(f[3], "an output's min"),
                               number(f[4], "an output's max")});
  }
  config.in_channels = static_cast<fno::Index>(problem.inputs.size());
  config.out_channels = static_cast<fno::Index>(problem.outputs.size());
  const fno::Index nt = config.grid.empty() ? 0 : config.grid.back();
  const std::string days = take("times_days", ""), span = take("time_span", "");
  FNO_CHECK_AS("fno-init", days.empty() || span.empty(), "give -times_days or -time_span, not both");
  if (!days.empty()) {
    for (const auto& t : split(days, ',')) problem.times.push_back(number(t, "-times_days") * 86400.0);
  } else {
    const auto ends = split(span.empty() ? "0,315360000" : span, ',');
    FNO_CHECK_AS("fno-init", ends.size() == 2, "-time_span expects t0,t1 (seconds)");
    const double t0 = number(ends[0], "-time_span"), t1 = number(ends[1], "-time_span");
    for (fno::Index k = 0; k < nt; ++k)
      problem.times.push_back(nt > 1 ? t0 + (t1 - t0) * static_cast<double>(k) / static_cast<double>(nt - 1) : t0);
  }
  const std::uint64_t seed = static_cast<std::uint64_t>(integers(take("seed", "1"), "-seed").at(0));
  const std::string precision = take("precision", "float32");
  FNO_CHECK_AS("fno-init", precision == "float32" || precision == "float64", "-precision is float32 or float64, got '",
               precision, "'");
  fno::Normalizers<double> normalizers;
  auto normalizer = [&](const std::string& which, fno::Index channels) -> std::optional<fno::UnitGaussianNormalizer<double>> {
    const std::string mean = take(which + "_mean", ""), stddev = take(which + "_std", "");
    if (mean.empty() && stddev.empty()) return std::nullopt;
    std::vector<double> m, sd;
    for (const auto& v : split(mean, ',')) m.push_back(number(v, "-" + which + "_mean"));
    for (const auto& v : split(stddev, ',')) sd.push_back(number(v, "-" + which + "_std"));
    FNO_CHECK_AS("fno-init", static_cast<fno::Index>(m.size()) == channels && static_cast<fno::Index>(sd.size()) == channels,
                 "-", which, "_mean and -", which, "_std need ", channels, " value(s) each");
    return fno::UnitGaussianNormalizer<double>(m, sd);
  };
  normalizers.input = normalizer("input", static_cast<fno::Index>(problem.inputs.size()));
  normalizers.output = normalizer("output", static_cast<fno::Index>(problem.outputs.size()));
  if (!options.empty()) FNO_CHECK_AS("fno-init", false, "unknown option -", options.begin()->first, " (fno-init -help)");
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
