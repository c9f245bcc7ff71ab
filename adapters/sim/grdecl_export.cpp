#include "grdecl_export.hpp"

#include <cstdio>
#include <fstream>
#include <iomanip>

#include "dmda_gather.hpp"

namespace fno::sim {

namespace {
void WriteKeyword(std::ostream& out, const char* keyword, const std::vector<double>& values, double scale) {
  out << keyword << "\n";
  for (std::size_t c = 0; c < values.size(); ++c) out << values[c] * scale << ((c + 1) % 6 == 0 ? "\n" : " ");
  out << "\n/\n\n";
}
}  // namespace

PetscErrorCode ExportGrdecl(const TwoPhaseSimulator& simulator, const std::string& path) {
  PetscFunctionBeginUser;
  std::vector<double> perm, phi;
  PetscCall(GatherNatural(simulator.Grid(), simulator.PermeabilityMilliDarcy(), &perm));
  PetscCall(GatherNatural(simulator.Grid(), simulator.Porosity(), &phi));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(simulator.Comm(), &rank));
  int failed = 0;
  if (rank == 0) {
    const std::string temp = path + ".tmp";
    {
      std::ofstream out(temp);
      out << std::setprecision(10);
      const auto& g = simulator.Config().grid;
      out << "-- earth model exported by fno-sim: " << GeometryName(g.geometry) << " " << g.cells[0] << "x" << g.cells[1]
          << "x" << g.cells[2] << ", seed " << simulator.Config().earth.seed << "\n\n";
      WriteKeyword(out, "PERMX", perm, 1.0);
      WriteKeyword(out, "PERMY", perm, 1.0);
      WriteKeyword(out, "PERMZ", perm, g.geometry == Geometry::Map ? 1.0 : simulator.Config().vertical_permeability_ratio);
      WriteKeyword(out, "PORO", phi, 1.0);
      failed = out.good() ? 0 : 1;
    }
    if (!failed) failed = std::rename(temp.c_str(), path.c_str()) != 0;
  }
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, simulator.Comm()));
  PetscCheck(!failed, simulator.Comm(), PETSC_ERR_FILE_WRITE, "cannot write %s", path.c_str());
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
