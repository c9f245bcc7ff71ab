// Earth-model generators: permeability (mD) per cell from a seed, and porosity from
// permeability. Generators work in cell-index space (lengths in cells), evaluate any cell
// independently, and therefore give the same field on any number of ranks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grid_spec.hpp"

namespace fno::sim {

enum class PermeabilityModel { Channels, Gaussian, Uniform, File };
const char* PermeabilityModelName(PermeabilityModel m);
PermeabilityModel ParsePermeabilityModel(const std::string& name);

// Ranges from which a seed draws one realization.
struct EarthModelSpec {
  PermeabilityModel model = PermeabilityModel::Channels;
  std::uint64_t seed = 0;
  // Channels: sand bodies in a shale background.
  int channel_count_min = 3, channel_count_max = 6;
  double channel_width_min = 3.0, channel_width_max = 7.0;   // cells, across the channel
  double channel_sinuosity_min = 0.05, channel_sinuosity_max = 0.25;  // amplitude / wavelength
  double channel_orientation_max_deg = 20.0;  // |angle| to DMDA axis 0 is drawn up to this
  double channel_thickness_min = 3.0, channel_thickness_max = 6.0;  // cells along depth (3D only)
  double sand_permeability = 1000.0;   // mD
  double shale_permeability = 10.0;    // mD
  double facies_log10_noise = 0.15;    // std of log10 k within a facies (uncorrelated)
  // Gaussian: log10 k is a Gaussian random field with Gaussian covariance.
  double log10_mean = 2.0, log10_std = 0.5;
  std::array<double, 3> correlation_length = {8.0, 4.0, 4.0};  // cells along DMDA axes
  int spectral_modes = 512;
  // Uniform.
  double uniform_permeability = 100.0;  // mD
  // Porosity = clamp(phi_ref + phi_slope log10(k / k_ref), phi_min, phi_max), or a constant
  // when constant_porosity > 0.
  double porosity_reference = 0.25, porosity_reference_perm = 1000.0, porosity_slope = 0.05;
  double porosity_min = 0.05, porosity_max = 0.35;
  double constant_porosity = 0.0;
};

// One realization, ready to evaluate cells.
class PermeabilityGenerator {
 public:
  PermeabilityGenerator(const GridSpec& grid, const EarthModelSpec& spec);
  double PermeabilityMilliDarcy(int i, int j, int k) const;
  double Porosity(double permeability_md) const;
  // The drawn parameters (name, value), e.g. for a dataset's per-case record.
  const std::vector<std::pair<std::string, double>>& Parameters() const { return parameters_; }

 private:
  struct Channel {
    std::array<double, 2> direction, normal;
    double offset, amplitude, wavenumber, phase, half_width;
    double depth_top, depth_bottom;  // 3D only, cells along axis 2
  };
  struct Mode {
    std::array<double, 3> wavevector;
    double phase;
  };
  double ChannelValue(int i, int j, int k) const;
  double GaussianValue(int i, int j, int k) const;

  GridSpec grid_;
  EarthModelSpec spec_;
  std::vector<Channel> channels_;
  std::vector<Mode> modes_;
  std::vector<std::pair<std::string, double>> parameters_;
};

void ValidateEarthModelSpec(const EarthModelSpec& spec);  // throws std::invalid_argument

}  // namespace fno::sim
