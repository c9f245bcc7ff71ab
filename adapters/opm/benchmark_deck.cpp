#include "benchmark_deck.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace fno::opm {

namespace {
std::string Number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}
std::string Fixed(double v, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}
}  // namespace

std::string BenchmarkDeckText(const fno::sim::SimulatorConfig& config, const std::string& earth_include,
                              const std::string& extra_summary) {
  const auto& g = config.grid;
  if (g.geometry != fno::sim::Geometry::Slice) throw std::invalid_argument("the OPM benchmark deck needs -geometry slice");
  if (config.wells.size() != 1) throw std::invalid_argument("the OPM benchmark deck needs exactly one well (-well_count 1)");
  const fno::sim::Well& well = config.wells.front();
  if (well.lower[0] != well.upper[0]) throw std::invalid_argument("the OPM benchmark deck's well perforates one column");
  const auto& open = config.open_sides.open;
  if (!open[0][1] || open[0][0] || open[1][0] || open[1][1])
    throw std::invalid_argument("the OPM benchmark deck opens the right side only (-open_sides right)");
  const double interval = config.report_times.front();
  for (std::size_t r = 0; r < config.report_times.size(); ++r)
    if (std::abs(config.report_times[r] - (r + 1) * interval) > 1e-6 * interval)
      throw std::invalid_argument("the OPM benchmark deck needs uniform report times (-report_count, -report_interval)");
  const int nx = g.cells[0], nz = g.cells[1], cells = nx * nz;
  const double swr = config.fluid.brine_residual;
  const double ng = config.fluid.co2_corey_exponent, nw = config.fluid.brine_corey_exponent;
  const double sg_max = 1.0 - swr;
  std::ostringstream d;
  d << "-- OPM Flow benchmark slice of petsc-fno (written by fno-opm-gen)\n"
    << "RUNSPEC\nTITLE\n petsc-fno benchmark slice\nDIMENS\n " << nx << " 1 " << nz << " /\n"
    << "OIL\nGAS\nDISGAS\nCO2STORE\nMETRIC\nSTART\n 1 'JAN' 2025 /\nWELLDIMS\n 1 " << nz << " 1 1 /\n"
    << "TABDIMS\n 1 1 40 40 /\nEQLDIMS\n/\nUNIFOUT\n"
    << "GRID\nINIT\nDX\n " << cells << "*" << Number(g.dx) << " /\nDY\n " << cells << "*" << Number(g.dy) << " /\nDZ\n "
    << cells << "*" << Number(g.dz) << " /\nTOPS\n " << nx << "*" << Number(g.top_depth) << " /\n"
    << "INCLUDE\n '" << earth_include << "' /\n"
    << "EDIT\nBOX\n " << nx << " " << nx << " 1 1 1 " << nz << " /\nMULTPV\n " << nz << "*1e4 /\nENDBOX\n"
    << "PROPS\nROCK\n 100 1e-6 /\nSGOF\n";
  // Corey curves on 17 points up to S_g = 1 - S_wr, then the end row at S_g = 1.
  for (int i = 0; i <= 16; ++i) {
    const double sg = sg_max * i / 16;
    const double krg = std::pow(sg / sg_max, ng);
    const double krog = i < 16 ? std::pow((1.0 - sg - swr) / (1.0 - swr), nw) : 0.0;
    d << " " << Fixed(sg, 4) << " " << Fixed(krg, 6) << " " << Fixed(krog, 6) << " 0.0\n";
  }
  d << " 1.0000 1.000000 0.000000 0.0\n/\n"
    << "RTEMP\n 40 /\nSALINITY\n 1 /\nREGIONS\nFIPNUM\n";
  for (int k = 0; k < nz; ++k) {
    for (int i = 0; i < nx; ++i) d << (i ? " " : "") << (i == nx - 1 ? "2" : "1");
    d << "\n";
  }
  const double datum = g.top_depth;
  d << "/\nSOLUTION\nEQUIL\n " << Number(datum) << " 104.1 5000 0 " << Number(datum - 100) << " 0 1 /\n"
    << "RSVD\n " << Number(datum - 100) << " 0\n " << Number(datum + 1000) << " 0 /\n"
    << "SUMMARY\nFGIP\nFGIPG\nFGIPL\nFGIT\nFGIR\nFPR\nWGIR\n 'INJ' /\nWGIT\n 'INJ' /\nWBHP\n 'INJ' /\n" << extra_summary
    << "SCHEDULE\nRPTRST\n 'BASIC=2' 'DEN' /\n"
    << "WELSPECS\n 'INJ' 'G' " << well.lower[0] + 1 << " 1 1* 'GAS' /\n/\n"
    << "COMPDAT\n 'INJ' " << well.lower[0] + 1 << " 1 " << well.lower[1] + 1 << " " << well.upper[1] + 1
    << " 'OPEN' 1* 1* 0.2 /\n/\n"
    << "WCONINJE\n 'INJ' 'GAS' 'OPEN' 'RATE' " << Number(well.surface_rate) << " 1* 1000 /\n/\n"
    << "TSTEP\n " << config.report_times.size() << "*" << Number(interval / fno::sim::kSecondsPerDay) << " /\nEND\n";
  return d.str();
}

}  // namespace fno::opm
