#include "fluid_properties.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace fno::sim {

namespace {
double Clamp01(double x) { return std::clamp(x, 0.0, 1.0); }
// x^n with the common integer exponents done by multiplication (std::pow is the hot spot of
// the flux loops otherwise).
double Power(double x, double n) {
  if (n == 2.0) return x * x;
  if (n == 1.0) return x;
  if (n == 3.0) return x * x * x;
  if (n == 4.0) return (x * x) * (x * x);
  return std::pow(x, n);
}
}  // namespace

double FluidProperties::BrineRelperm(double s) const {
  const double mobile = 1.0 - brine_residual - co2_residual;
  const double brine_saturation = 1.0 - s;
  const double effective = Clamp01((brine_saturation - brine_residual) / mobile);
  return brine_endpoint_relperm * Power(effective, brine_corey_exponent);
}

double FluidProperties::Co2Relperm(double s) const {
  const double mobile = 1.0 - brine_residual - co2_residual;
  const double effective = Clamp01((s - co2_residual) / mobile);
  return co2_endpoint_relperm * Power(effective, co2_corey_exponent);
}

WaveSpeedBounds ComputeWaveSpeedBounds(const FluidProperties& fluid) {
  const int samples = 4000;
  const double s_max = 1.0;
  auto fractional = [&](double s) {
    const double ln = fluid.Co2Mobility(s), lw = fluid.BrineMobility(s);
    return ln + lw > 0 ? ln / (ln + lw) : 0.0;
  };
  auto gravity = [&](double s) {
    const double ln = fluid.Co2Mobility(s), lw = fluid.BrineMobility(s);
    return ln + lw > 0 ? ln * lw / (ln + lw) : 0.0;
  };
  WaveSpeedBounds bounds;
  const double ds = s_max / samples;
  for (int i = 0; i < samples; ++i) {
    const double s0 = i * ds, s1 = (i + 1) * ds;
    bounds.fractional_flow_slope = std::max(bounds.fractional_flow_slope, std::abs(fractional(s1) - fractional(s0)) / ds);
    bounds.gravity_flux_slope = std::max(bounds.gravity_flux_slope, std::abs(gravity(s1) - gravity(s0)) / ds);
  }
  // Secant slopes underestimate the tangent slightly; a margin keeps the bound a bound.
  bounds.fractional_flow_slope *= 1.05;
  bounds.gravity_flux_slope *= 1.05;
  return bounds;
}

void ValidateFluidProperties(const FluidProperties& f) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  require(f.brine_density > 0 && f.co2_density > 0, "densities must be positive");
  require(f.brine_viscosity > 0 && f.co2_viscosity > 0, "viscosities must be positive");
  require(f.brine_residual >= 0 && f.co2_residual >= 0 && f.brine_residual + f.co2_residual < 1,
          "residual saturations must be >= 0 with S_wr + S_gr < 1");
  require(f.brine_corey_exponent >= 1 && f.co2_corey_exponent >= 1, "Corey exponents must be >= 1");
  require(f.brine_endpoint_relperm > 0 && f.co2_endpoint_relperm > 0, "end-point relative permeabilities must be positive");
  require(f.gravity >= 0, "gravity must be >= 0");
}

}  // namespace fno::sim
