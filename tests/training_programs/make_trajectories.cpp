// A small recorded-trajectory dataset (schema v2) for the training programs' tests, written
// with the core's TrajectoryWriter on any number of ranks (blocks split along y):
//
//   fno-test-trajectories OUT.h5 CASES SEED
//
// Two components u, v on a 16x12 periodic grid of the unit square, each the exact solution of
// a linear advection-diffusion equation  d_t w + c_w . grad w = nu_w lap w  from a smooth
// random initial state (a constant plus a few random Fourier modes of wave numbers <= 2), at
// 9 times 0, 0.05, ..., 0.4; the diffusivity nu of the case (u: nu, v: nu / 2) is the static
// input field "nu". Every value is a function of (SEED, case, point) only, so any rank count
// writes the same dataset.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "fft/layout.hpp"
#include "files/trajectory_dataset.hpp"

namespace {

using fno::Index;

struct Mode {
  double kx, ky, amplitude, phase;
};

struct Component {
  double offset, cx, cy, nu;
  std::vector<Mode> modes;
  double at(double x, double y, double t) const {
    const double two_pi = 2 * std::numbers::pi;
    double w = offset;
    for (const Mode& m : modes) {
      const double k2 = two_pi * two_pi * (m.kx * m.kx + m.ky * m.ky);
      w += m.amplitude * std::exp(-nu * k2 * t) *
           std::cos(two_pi * (m.kx * (x - cx * t) + m.ky * (y - cy * t)) + m.phase);
    }
    return w;
  }
};

// The case's two components, drawn from (seed, case) alone.
std::vector<Component> draw(std::uint64_t seed, Index c, double& nu) {
  std::mt19937_64 rng(seed * 1000003u + static_cast<std::uint64_t>(c));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  nu = 0.002 + 0.008 * unit(rng);
  std::vector<Component> components(2);
  for (std::size_t k = 0; k < components.size(); ++k) {
    Component& w = components[k];
    w.offset = 1.0 + 0.5 * unit(rng);
    w.cx = k == 0 ? 0.5 : -0.25;
    w.cy = k == 0 ? 0.25 : 0.5;
    w.nu = k == 0 ? nu : nu / 2;
    for (int kx = -2; kx <= 2; ++kx)
      for (int ky = 0; ky <= 2; ++ky) {
        if ((ky == 0 && kx <= 0)) continue;  // one of each +-k pair, no constant mode
        const double decay = 1.0 / (1.0 + kx * kx + ky * ky);
        w.modes.push_back({static_cast<double>(kx), static_cast<double>(ky), 0.6 * decay * (2 * unit(rng) - 1),
                           2 * std::numbers::pi * unit(rng)});
      }
  }
  return components;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rc = 0;
  try {
    if (argc != 4) throw std::runtime_error("usage: fno-test-trajectories OUT.h5 CASES SEED");
    const std::string path = argv[1];
    const Index cases = std::atoll(argv[2]);
    const auto seed = static_cast<std::uint64_t>(std::atoll(argv[3]));
    fno::TrajectoryLayout layout;
    layout.grid = {16, 12};
    layout.boundary = {"periodic", "periodic"};
    layout.components = {"u", "v"};
    layout.input_fields = {"nu"};
    layout.initial_inputs = {"u", "v"};
    layout.output_fields = {"u", "v"};
    for (int k = 0; k < 9; ++k) layout.times.push_back(0.05 * k);
    layout.time_units = "s";
    layout.host = "fno-test-trajectories";
    layout.parameter_names = {"nu"};
    // This rank's block: all of x, a DMDA part of y.
    const std::vector<Index> parts = fno::dmda_parts(layout.grid[1], size);
    Index y0 = 0;
    for (int r = 0; r < rank; ++r) y0 += parts[static_cast<std::size_t>(r)];
    const fno::GridBlock block{{0, y0}, {layout.grid[0], parts[static_cast<std::size_t>(rank)]}};
    for (Index c = 0; c < cases; ++c) {
      double nu = 0;
      const std::vector<Component> components = draw(seed, c, nu);
      auto state = [&](double t) {
        std::vector<double> values;
        for (const Component& w : components)
          for (Index j = 0; j < block.extent[1]; ++j)
            for (Index i = 0; i < block.extent[0]; ++i)
              values.push_back(w.at(static_cast<double>(block.start[0] + i) / static_cast<double>(layout.grid[0]),
                                    static_cast<double>(block.start[1] + j) / static_cast<double>(layout.grid[1]), t));
        return values;
      };
      fno::TrajectoryWriter writer(MPI_COMM_WORLD, path, layout, block);
      writer.write_initial(state(0));
      writer.write_inputs(std::vector<double>(static_cast<std::size_t>(block.points()), nu));
      for (Index k = 0; k < static_cast<Index>(layout.times.size()); ++k)
        writer.write_snapshot(k, state(layout.times[static_cast<std::size_t>(k)]));
      const std::vector<double> parameters{nu};
      writer.write_record(static_cast<std::int64_t>(seed) * 1000 + c, parameters);
      writer.mark_done();
    }
    if (rank == 0) std::printf("fno-test-trajectories: wrote %lld cases to %s\n", static_cast<long long>(cases), path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[rank %d] fno-test-trajectories: %s\n", rank, e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
