// Fluid model of the reference simulator: two incompressible, immiscible phases, CO2
// (non-wetting, "n") and brine (wetting, "w"), with Corey relative permeabilities.
// The state variable everywhere is the CO2 saturation S; brine saturation is 1 - S.
#pragma once

namespace fno::sim {

struct FluidProperties {
  double brine_density = 1050.0;        // kg/m^3
  double co2_density = 700.0;           // kg/m^3
  double brine_viscosity = 0.6e-3;      // Pa s
  double co2_viscosity = 0.06e-3;       // Pa s
  double brine_residual = 0.2;          // S_wr
  double co2_residual = 0.0;            // S_gr
  double brine_corey_exponent = 2.0;    // n_w
  double co2_corey_exponent = 2.0;      // n_g
  double brine_endpoint_relperm = 1.0;  // k_rw at S_w = 1 - S_gr
  double co2_endpoint_relperm = 1.0;    // k_rg at S_g = 1 - S_wr
  double gravity = 9.80665;             // m/s^2

  // Relative permeabilities as functions of the CO2 saturation (clamped to the mobile range).
  double BrineRelperm(double co2_saturation) const;
  double Co2Relperm(double co2_saturation) const;
  double BrineMobility(double s) const { return BrineRelperm(s) / brine_viscosity; }
  double Co2Mobility(double s) const { return Co2Relperm(s) / co2_viscosity; }
  double MaxCo2Saturation() const { return 1.0 - brine_residual; }
  // (rho_w - rho_n) g: buoyancy of CO2 per unit depth, Pa/m.
  double BuoyancyGradient() const { return (brine_density - co2_density) * gravity; }
};

// Bounds on the derivatives of the fractional-flow function f = l_n/(l_n+l_w) and of the
// gravity function h = l_n l_w/(l_n+l_w) with respect to S, sampled densely; they bound the
// wave speeds of the explicit upwind scheme (CFL condition).
struct WaveSpeedBounds {
  double fractional_flow_slope = 0;  // max |df/dS|
  double gravity_flux_slope = 0;     // max |dh/dS|, units 1/(Pa s)
};
WaveSpeedBounds ComputeWaveSpeedBounds(const FluidProperties& fluid);

// Throws std::invalid_argument with a readable message for unphysical parameters.
void ValidateFluidProperties(const FluidProperties& fluid);

}  // namespace fno::sim
