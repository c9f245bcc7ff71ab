// reference_check MODEL.h5 SOLUTION.h5 [TOLERANCE]: runs the model file directly with the
// core on one rank (no PETSc, no plugin) on the static fields a run of fno-sim wrote to
// SOLUTION.h5 (permeability, porosity, injection_rate), applies the model's /problem
// transforms and normalizers, and compares the prediction with the saturation history that
// fno-sim wrote under -ts_type fno. Prints one JSON line; exits 1 when the largest
// difference relative to the largest predicted value exceeds TOLERANCE (default 1e-5).
#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "layers/fno_model.hpp"
#include "files/model_file.hpp"

namespace {

// Reads a whole float64 dataset of a serial HDF5 file; returns its dims.
std::vector<double> read_all(hid_t file, const std::string& name, std::vector<hsize_t>* dims) {
  const hid_t dataset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  FNO_CHECK_AS("reference_check", dataset >= 0, "no dataset '", name, "'");
  const hid_t space = H5Dget_space(dataset);
  dims->assign(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)), 0);
  H5Sget_simple_extent_dims(space, dims->data(), nullptr);
  hsize_t n = 1;
  for (hsize_t d : *dims) n *= d;
  std::vector<double> data(n);
  const herr_t rc = H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
  H5Sclose(space);
  H5Dclose(dataset);
  FNO_CHECK_AS("reference_check", rc >= 0, "reading '", name, "' failed");
  return data;
}

int run(int argc, char** argv) {
  FNO_CHECK_AS("reference_check", argc >= 3, "usage: reference_check MODEL.h5 SOLUTION.h5 [TOLERANCE]");
  const std::string model_path = argv[1], solution_path = argv[2];
  const double tolerance = argc > 3 ? std::atof(argv[3]) : 1e-5;
  const fno::ModelFileInfo info = fno::read_model_info(model_path, MPI_COMM_SELF);
  FNO_CHECK_AS("reference_check", info.problem.has_value(), "model has no /problem");
  const fno::FnoConfig& c = info.config;
  const fno::ProblemDescription& p = *info.problem;
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>(static_cast<std::size_t>(c.space_dims), 1));
  fno::Fno<float> model(c, grid, 1);
  fno::Normalizers<float> normalizers;
  fno::read_model(model_path, MPI_COMM_SELF, c, model.parameters(), &normalizers);

  const hid_t file = H5Fopen(solution_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  FNO_CHECK_AS("reference_check", file >= 0, "cannot open ", solution_path);
  const fno::Index nx = c.grid[0], ny = c.grid[1], nz = c.space_dims == 3 ? c.grid[2] : 1, nt = c.grid.back();
  const fno::Index points = nx * ny * nz;
  // Host files store [z][y][x] (x fastest); the model's tensors are [x][y][z][t].
  auto core_index = [&](fno::Index host) {
    const fno::Index i = host % nx, j = (host / nx) % ny, k = host / (nx * ny);
    return (i * ny + j) * nz + k;
  };
  std::vector<float> input(static_cast<std::size_t>(c.in_channels * points * nt));
  for (std::size_t k = 0; k < p.inputs.size(); ++k) {
    std::vector<hsize_t> dims;
    const std::vector<double> host = read_all(file, p.inputs[k].source, &dims);
    FNO_CHECK_AS("reference_check", static_cast<fno::Index>(host.size()) == points, "field ", p.inputs[k].source,
                 " has ", host.size(), " values for ", points, " cells");
    double scale = 1, shift = 0;
    if (normalizers.input) {
      scale = 1.0 / (normalizers.input->stddev()[k] + normalizers.input->epsilon());
      shift = -normalizers.input->mean()[k] * scale;
    }
    for (fno::Index h = 0; h < points; ++h) {
      const float v = static_cast<float>(fno::transform_input(p.inputs[k], host[static_cast<std::size_t>(h)]) * scale + shift);
      float* line = input.data() + (static_cast<fno::Index>(k) * points + core_index(h)) * nt;
      std::fill(line, line + nt, v);
    }
  }
  std::vector<float> output(static_cast<std::size_t>(c.out_channels * points * nt));
  model.forward(input.data(), output.data(), false);

  std::vector<hsize_t> tdims, sdims;
  const std::vector<double> days = read_all(file, "times", &tdims);
  const std::vector<double> saturation = read_all(file, p.outputs[0].name, &sdims);
  H5Fclose(file);
  FNO_CHECK_AS("reference_check", static_cast<fno::Index>(days.size()) == nt, "solution has ", days.size(),
               " snapshots, the model ", nt, " times");
  double worst_time = 0;
  for (fno::Index t = 0; t < nt; ++t)
    worst_time = std::max(worst_time, std::abs(days[static_cast<std::size_t>(t)] * 86400.0 - p.times[static_cast<std::size_t>(t)]));
  const fno::ProblemOutput& out = p.outputs[0];
  double scale = 1, shift = 0;
  if (normalizers.output) {
    scale = normalizers.output->stddev()[0] + normalizers.output->epsilon();
    shift = normalizers.output->mean()[0];
  }
  double worst = 0, largest = 0;
  for (fno::Index t = 1; t < nt; ++t)  // t = 0 is the host's initial state
    for (fno::Index h = 0; h < points; ++h) {
      double predicted = output[static_cast<std::size_t>(core_index(h) * nt + t)] * scale + shift;
      if (!std::isnan(out.min)) predicted = std::max(predicted, out.min);
      if (!std::isnan(out.max)) predicted = std::min(predicted, out.max);
      const double written = saturation[static_cast<std::size_t>(t * points + h)];
      worst = std::max(worst, std::abs(predicted - written));
      largest = std::max(largest, std::abs(predicted));
    }
  const double relative = worst / std::max(largest, 1e-30);
  std::printf("{\"max_abs_diff\": %.3e, \"max_predicted\": %.6e, \"rel_diff\": %.3e, \"time_diff_s\": %.3e}\n", worst,
              largest, relative, worst_time);
  const bool ok = relative <= tolerance && worst_time <= 1e-6 * std::max(1.0, p.times.back()) && largest > 0;
  if (!ok) std::printf("reference_check: FAILED (tolerance %.1e)\n", tolerance);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 1;
  try {
    rc = run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reference_check error: %s\n", e.what());
  }
  MPI_Finalize();
  return rc;
}
