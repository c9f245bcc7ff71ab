#include "earth_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "random_stream.hpp"

namespace fno::sim {

const char* PermeabilityModelName(PermeabilityModel m) {
  switch (m) {
    case PermeabilityModel::Channels: return "channels";
    case PermeabilityModel::Gaussian: return "gaussian";
    case PermeabilityModel::Uniform: return "uniform";
    case PermeabilityModel::File: return "file";
  }
  return "?";
}

PermeabilityModel ParsePermeabilityModel(const std::string& name) {
  if (name == "channels") return PermeabilityModel::Channels;
  if (name == "gaussian") return PermeabilityModel::Gaussian;
  if (name == "uniform") return PermeabilityModel::Uniform;
  if (name == "file") return PermeabilityModel::File;
  throw std::invalid_argument("unknown permeability model '" + name + "' (use channels, gaussian, uniform or file)");
}

PermeabilityGenerator::PermeabilityGenerator(const GridSpec& grid, const EarthModelSpec& spec) : grid_(grid), spec_(spec) {
  ValidateEarthModelSpec(spec);
  RandomStream random(spec.seed);
  parameters_.emplace_back("seed", static_cast<double>(spec.seed));
  parameters_.emplace_back("model", static_cast<double>(static_cast<int>(spec.model)));
  const double extent0 = grid.cells[0], extent1 = grid.cells[1];
  if (spec.model == PermeabilityModel::Channels) {
    const int count = random.Integer(spec.channel_count_min, spec.channel_count_max);
    parameters_.emplace_back("channel_count", count);
    const double length = std::hypot(extent0, extent1);
    for (int c = 0; c < count; ++c) {
      Channel ch{};
      const double angle = random.Uniform(-1, 1) * spec.channel_orientation_max_deg * std::numbers::pi / 180.0;
      ch.direction = {std::cos(angle), std::sin(angle)};
      ch.normal = {-std::sin(angle), std::cos(angle)};
      ch.offset = random.Uniform(-0.5, 0.5) * (std::abs(ch.direction[0]) * extent1 + std::abs(ch.direction[1]) * extent0);
      const double wavelength = random.Uniform(0.3, 1.0) * length;
      const double sinuosity = random.Uniform(spec.channel_sinuosity_min, spec.channel_sinuosity_max);
      ch.amplitude = sinuosity * wavelength;
      ch.wavenumber = 2.0 * std::numbers::pi / wavelength;
      ch.phase = random.Uniform(0, 2.0 * std::numbers::pi);
      ch.half_width = 0.5 * random.Uniform(spec.channel_width_min, spec.channel_width_max);
      if (grid.Dimension() == 3) {
        const double thickness = random.Uniform(spec.channel_thickness_min, spec.channel_thickness_max);
        ch.depth_top = random.Uniform(0, std::max(0.0, grid.cells[2] - thickness));
        ch.depth_bottom = ch.depth_top + thickness;
      }
      const std::string prefix = "channel" + std::to_string(c) + "_";
      parameters_.emplace_back(prefix + "orientation_deg", angle * 180.0 / std::numbers::pi);
      parameters_.emplace_back(prefix + "width", 2 * ch.half_width);
      parameters_.emplace_back(prefix + "sinuosity", sinuosity);
      parameters_.emplace_back(prefix + "offset", ch.offset);
      channels_.push_back(ch);
    }
  } else if (spec.model == PermeabilityModel::Gaussian) {
    parameters_.emplace_back("log10_mean", spec.log10_mean);
    parameters_.emplace_back("log10_std", spec.log10_std);
    for (int d = 0; d < 3; ++d) parameters_.emplace_back("correlation_length_" + std::to_string(d), spec.correlation_length[d]);
    for (int m = 0; m < spec.spectral_modes; ++m) {
      Mode mode{};
      for (int d = 0; d < 3; ++d) mode.wavevector[d] = random.Normal() / spec.correlation_length[d];
      mode.phase = random.Uniform(0, 2.0 * std::numbers::pi);
      modes_.push_back(mode);
    }
  }
}

double PermeabilityGenerator::ChannelValue(int i, int j, int k) const {
  const double p0 = i + 0.5 - 0.5 * grid_.cells[0];
  const double p1 = j + 0.5 - 0.5 * grid_.cells[1];
  bool sand = false;
  for (const Channel& ch : channels_) {
    if (grid_.Dimension() == 3 && (k + 0.5 < ch.depth_top || k + 0.5 > ch.depth_bottom)) continue;
    const double along = p0 * ch.direction[0] + p1 * ch.direction[1];
    const double across = p0 * ch.normal[0] + p1 * ch.normal[1];
    const double centre = ch.offset + ch.amplitude * std::sin(ch.wavenumber * along + ch.phase);
    if (std::abs(across - centre) <= ch.half_width) {
      sand = true;
      break;
    }
  }
  const double base = sand ? spec_.sand_permeability : spec_.shale_permeability;
  const std::uint64_t cell = (static_cast<std::uint64_t>(k) * grid_.cells[1] + j) * grid_.cells[0] + i;
  return base * std::pow(10.0, spec_.facies_log10_noise * CellNormal(spec_.seed, cell));
}

double PermeabilityGenerator::GaussianValue(int i, int j, int k) const {
  const double x[3] = {i + 0.5, j + 0.5, k + 0.5};
  double sum = 0;
  for (const Mode& m : modes_) sum += std::cos(m.wavevector[0] * x[0] + m.wavevector[1] * x[1] + m.wavevector[2] * x[2] + m.phase);
  const double standard = sum * std::sqrt(2.0 / static_cast<double>(modes_.size()));
  return std::pow(10.0, spec_.log10_mean + spec_.log10_std * standard);
}

double PermeabilityGenerator::PermeabilityMilliDarcy(int i, int j, int k) const {
  switch (spec_.model) {
    case PermeabilityModel::Channels: return ChannelValue(i, j, k);
    case PermeabilityModel::Gaussian: return GaussianValue(i, j, k);
    case PermeabilityModel::Uniform: return spec_.uniform_permeability;
    case PermeabilityModel::File: break;
  }
  throw std::logic_error("permeability from a file is read by the simulator, not generated");
}

double PermeabilityGenerator::Porosity(double permeability_md) const {
  if (spec_.constant_porosity > 0) return spec_.constant_porosity;
  const double phi = spec_.porosity_reference +
                     spec_.porosity_slope * std::log10(permeability_md / spec_.porosity_reference_perm);
  return std::clamp(phi, spec_.porosity_min, spec_.porosity_max);
}

void ValidateEarthModelSpec(const EarthModelSpec& s) {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(what);
  };
  require(s.channel_count_min >= 0 && s.channel_count_max >= s.channel_count_min, "channel count range is empty");
  require(s.channel_width_min > 0 && s.channel_width_max >= s.channel_width_min, "channel width range must be positive");
  require(s.channel_sinuosity_min >= 0 && s.channel_sinuosity_max >= s.channel_sinuosity_min, "channel sinuosity range is invalid");
  require(s.sand_permeability > 0 && s.shale_permeability > 0 && s.uniform_permeability > 0,
          "generator permeabilities must be positive");
  require(s.log10_std >= 0, "log10 standard deviation must be >= 0");
  require(s.correlation_length[0] > 0 && s.correlation_length[1] > 0 && s.correlation_length[2] > 0,
          "correlation lengths must be positive");
  require(s.spectral_modes > 0, "spectral mode count must be positive");
  require(s.porosity_min > 0 && s.porosity_max <= 1 && s.porosity_min <= s.porosity_max, "porosity bounds must satisfy 0 < min <= max <= 1");
  require(s.constant_porosity >= 0 && s.constant_porosity <= 1, "constant porosity must lie in (0, 1]");
}

}  // namespace fno::sim
