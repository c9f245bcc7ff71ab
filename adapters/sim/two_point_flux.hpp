// Two-point flux approximation between a cell and one neighbour (or an open-boundary
// ghost), shared by the pressure assembly and the saturation transport so that both see the
// very same face mobilities and total fluxes.
//
// Unknown pressure: the overpressure p' = p - p_h(d) above brine hydrostatics
// p_h(d) = p_top + rho_w g (d - d_top). Phase potential differences across a face c -> nb are
//   dPhi_w = dp',   dPhi_n = dp' + (rho_w - rho_n) g dd,     dd = d_c - d_nb (depth, down +).
// Phase fluxes F_a = T lambda_a dPhi_a, total flux v = F_w + F_n.
#pragma once

#include <array>

#include "cell_block.hpp"
#include "fluid_properties.hpp"
#include "grid_spec.hpp"
#include "simulator_config.hpp"

namespace fno::sim {

struct FaceMobility {
  double brine = 0, co2 = 0;
  double Total() const { return brine + co2; }
};

// Mobilities (1/(Pa s)) of both phases in one cell.
struct CellMobility {
  double brine = 0, co2 = 0;
};
inline CellMobility MobilityAt(const FluidProperties& fluid, double co2_saturation) {
  return {fluid.BrineMobility(co2_saturation), fluid.Co2Mobility(co2_saturation)};
}

// Face mobilities for the pressure equation: each phase upstream by its potential difference
// evaluated with the previous pressure (lagged upwinding keeps the system linear and SPD).
inline FaceMobility PressureFaceMobility(const CellMobility& cell, const CellMobility& neighbour,
                                         double brine_potential_drop, double co2_potential_drop) {
  // A zero drop (e.g. the first solve) averages both sides, so the face sees the same
  // mobility from either cell and the matrix stays symmetric.
  auto upstream = [](double drop, double a, double b) { return drop > 0 ? a : drop < 0 ? b : 0.5 * (a + b); };
  FaceMobility m;
  m.brine = upstream(brine_potential_drop, cell.brine, neighbour.brine);
  m.co2 = upstream(co2_potential_drop, cell.co2, neighbour.co2);
  return m;
}

// Split of a known total flux v (c -> nb) into the CO2 flux with phase-potential upwinding
// (Brenier & Jaffre 1991): F_n = l_n (v + l_w G) / (l_n + l_w), F_w = l_w (v - l_n G) / (...),
// G = T (rho_w - rho_n) g dd, each mobility taken from the side its own phase flows from.
// The sign of F_n depends only on l_w and that of F_w only on l_n, and one of the two signs
// is fixed by the signs of v and G, which resolves the upstream choice in closed form.
// F_n + F_w = v for every choice, so the split never breaks the total-flux balance.
inline double Co2Flux(const CellMobility& cell, const CellMobility& neighbour, double total_flux, double gravity_flux) {
  const double v = total_flux, g = gravity_flux;
  double ln, lw;
  if (g >= 0) {
    if (v >= 0) {  // CO2 certainly flows c -> nb
      ln = cell.co2;
      lw = v - ln * g >= 0 ? cell.brine : neighbour.brine;
    } else {  // brine certainly flows nb -> c
      lw = neighbour.brine;
      ln = v + lw * g >= 0 ? cell.co2 : neighbour.co2;
    }
  } else {
    if (v > 0) {  // brine certainly flows c -> nb
      lw = cell.brine;
      ln = v + lw * g > 0 ? cell.co2 : neighbour.co2;
    } else {  // CO2 certainly flows nb -> c
      ln = neighbour.co2;
      lw = v - ln * g > 0 ? cell.brine : neighbour.brine;
    }
  }
  const double lt = ln + lw;
  return lt > 0 ? ln * (v + lw * g) / lt : 0.0;
}

// Geometry of one face of an owned cell.
struct Face {
  bool exists = false;      // false: closed boundary (no flow)
  bool boundary = false;    // true: open boundary, neighbour is a brine-filled ghost at p' = 0
  PetscInt neighbour = -1;  // ghosted index of the neighbour (interior faces)
  double transmissibility = 0;  // m^3 (k A / distance)
  double depth_drop = 0;        // d_c - d_nb, m
};

// Visits the 2 * dim faces of owned cell (i, j, k). permeability_ghosted is horizontal k in m^2.
template <class Visitor>
inline void ForEachFace(const GridSpec& grid, const OpenSides& open, double kz_ratio, const CellBlock& block,
                        const double* permeability_ghosted, PetscInt i, PetscInt j, PetscInt k, Visitor&& visit) {
  const PetscInt cell = block.Ghosted(i, j, k);
  const int vertical = grid.VerticalAxis();
  const PetscInt index[3] = {i, j, k};
  for (int axis = 0; axis < grid.Dimension(); ++axis) {
    const double h = grid.AxisSpacing(axis);
    const double area = grid.FaceArea(axis);
    const double factor = axis == vertical ? kz_ratio : 1.0;
    const double k_cell = factor * permeability_ghosted[cell];
    for (int dir = 0; dir < 2; ++dir) {
      PetscInt n[3] = {index[0], index[1], index[2]};
      n[axis] += dir == 0 ? -1 : 1;
      Face face;
      if (n[axis] < 0 || n[axis] >= block.global[axis]) {
        if (open.open[axis][dir]) {
          face.exists = true;
          face.boundary = true;
          face.transmissibility = k_cell * area / (0.5 * h);
          face.depth_drop = axis == vertical ? (dir == 0 ? 0.5 * h : -0.5 * h) : 0.0;
        }
      } else {
        face.exists = true;
        face.neighbour = block.Ghosted(n[0], n[1], n[2]);
        const double k_nb = factor * permeability_ghosted[face.neighbour];
        face.transmissibility = area * 2.0 * k_cell * k_nb / (h * (k_cell + k_nb));
        face.depth_drop = axis == vertical ? (dir == 0 ? h : -h) : 0.0;
      }
      if (face.exists) visit(face);
    }
  }
}

}  // namespace fno::sim
