#include "vtk_series.hpp"

#include <vtkCellData.h>
#include <vtkDoubleArray.h>
#include <vtkMPI.h>
#include <vtkMPICommunicator.h>
#include <vtkMPIController.h>
#include <vtkPoints.h>
#include <vtkSmartPointer.h>
#include <vtkStructuredGrid.h>
#include <vtkTrivialProducer.h>
#include <vtkXMLPStructuredGridWriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "cell_block.hpp"

namespace fno::sim {

struct VtkSeries::VtkState {
  MPI_Comm comm = MPI_COMM_NULL;
  vtkSmartPointer<vtkMPIController> controller;
};

VtkSeries::VtkSeries() = default;

VtkSeries::~VtkSeries() {
  if (vtk_ && vtk_->comm != MPI_COMM_NULL) {
    vtk_->controller = nullptr;
    MPI_Comm_free(&vtk_->comm);
  }
}

PetscErrorCode VtkSeries::Create(DM da, const GridSpec& grid, const std::string& directory, const std::string& base) {
  PetscFunctionBeginUser;
  da_ = da;
  grid_ = grid;
  directory_ = directory;
  base_ = base;
  PetscCall(PetscObjectGetComm((PetscObject)da, &comm_));
  vtk_ = std::make_unique<VtkState>();
  // VTK gets its own duplicate of the communicator so its messages never mix with PETSc's.
  PetscCallMPI(MPI_Comm_dup(comm_, &vtk_->comm));
  vtkMPICommunicatorOpaqueComm opaque(&vtk_->comm);
  auto communicator = vtkSmartPointer<vtkMPICommunicator>::New();
  PetscCheck(communicator->InitializeExternal(&opaque), comm_, PETSC_ERR_LIB, "VTK cannot use the MPI communicator");
  vtk_->controller = vtkSmartPointer<vtkMPIController>::New();
  vtk_->controller->SetCommunicator(communicator);
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  int failed = 0;
  if (rank == 0) {
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    failed = error ? 1 : 0;
  }
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, comm_));
  PetscCheck(!failed, comm_, PETSC_ERR_FILE_OPEN, "cannot create output directory %s", directory_.c_str());
  PetscFunctionReturn(0);
}

PetscErrorCode VtkSeries::WriteSnapshot(int index, double time_days, const std::vector<std::pair<std::string, Vec>>& fields) {
  PetscFunctionBeginUser;
  PetscMPIInt rank, size;
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  PetscCallMPI(MPI_Comm_size(comm_, &size));
  CellBlock block;
  PetscCall(GetCellBlock(da_, &block));
  const int dim = grid_.Dimension();

  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetDataTypeToDouble();
  const PetscInt point_hi[3] = {block.start[0] + block.size[0], block.start[1] + block.size[1],
                                dim == 3 ? block.start[2] + block.size[2] : 0};
  for (PetscInt k = block.start[2]; k <= point_hi[2]; ++k)
    for (PetscInt j = block.start[1]; j <= point_hi[1]; ++j)
      for (PetscInt i = block.start[0]; i <= point_hi[0]; ++i) {
        double x = i * grid_.dx, y = 0, z = -grid_.top_depth;
        switch (grid_.geometry) {
          case Geometry::Slice: z = -(grid_.top_depth + j * grid_.dz); break;
          case Geometry::Map: y = j * grid_.dy; break;
          case Geometry::Volume: y = j * grid_.dy, z = -(grid_.top_depth + k * grid_.dz); break;
        }
        points->InsertNextPoint(x, y, z);
      }
  auto piece = vtkSmartPointer<vtkStructuredGrid>::New();
  const int extent[6] = {static_cast<int>(block.start[0]), static_cast<int>(point_hi[0]), static_cast<int>(block.start[1]),
                         static_cast<int>(point_hi[1]),  static_cast<int>(dim == 3 ? block.start[2] : 0),
                         static_cast<int>(point_hi[2])};
  piece->SetExtent(const_cast<int*>(extent));
  piece->SetPoints(points);
  for (const auto& [name, vec] : fields) {
    const PetscScalar* values;
    PetscCall(VecGetArrayRead(vec, &values));
    auto array = vtkSmartPointer<vtkDoubleArray>::New();
    array->SetName(name.c_str());
    array->SetNumberOfComponents(1);
    array->SetNumberOfTuples(block.OwnedCount());
    for (PetscInt c = 0; c < block.OwnedCount(); ++c) array->SetValue(c, values[c]);
    PetscCall(VecRestoreArrayRead(vec, &values));
    piece->GetCellData()->AddArray(array);
  }
  auto producer = vtkSmartPointer<vtkTrivialProducer>::New();
  producer->SetOutput(piece);
  producer->SetWholeExtent(0, static_cast<int>(block.global[0]), 0, static_cast<int>(block.global[1]), 0,
                           dim == 3 ? static_cast<int>(block.global[2]) : 0);

  std::ostringstream stem;
  stem << base_ << "-" << std::setw(3) << std::setfill('0') << index;
  const std::filesystem::path final_dir(directory_);
  std::string temp_name(".");
  temp_name.append(stem.str()).append(".tmp");
  const std::filesystem::path temp_dir = final_dir / temp_name;
  int failed = 0;
  if (rank == 0) {
    std::error_code error;
    std::filesystem::create_directories(temp_dir, error);
    failed = error ? 1 : 0;
  }
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, comm_));
  PetscCheck(!failed, comm_, PETSC_ERR_FILE_OPEN, "cannot create %s", temp_dir.c_str());

  auto writer = vtkSmartPointer<vtkXMLPStructuredGridWriter>::New();
  writer->SetController(vtk_->controller);
  writer->SetInputConnection(producer->GetOutputPort());
  writer->SetFileName((temp_dir / (stem.str() + ".pvts")).c_str());
  writer->SetNumberOfPieces(size);
  writer->SetStartPiece(rank);
  writer->SetEndPiece(rank);
  writer->SetDataModeToAppended();
  writer->EncodeAppendedDataOff();
  const int ok = writer->Write();
  int local_failed = ok ? 0 : 1, any_failed = 0;
  PetscCallMPI(MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, comm_));
  PetscCheck(!any_failed, comm_, PETSC_ERR_FILE_WRITE, "VTK could not write %s", (temp_dir / (stem.str() + ".pvts")).c_str());

  // Move this rank's piece, then (after everyone) the .pvts that refers to the pieces.
  const std::string piece_name = stem.str() + "_" + std::to_string(rank) + ".vts";
  std::error_code error;
  std::filesystem::rename(temp_dir / piece_name, final_dir / piece_name, error);
  local_failed = error ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, comm_));
  PetscCheck(!any_failed, comm_, PETSC_ERR_FILE_WRITE, "cannot move VTK piece %s into %s", piece_name.c_str(), directory_.c_str());
  if (rank == 0) {
    std::filesystem::rename(temp_dir / (stem.str() + ".pvts"), final_dir / (stem.str() + ".pvts"), error);
    failed = error ? 1 : 0;
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir, ignored);
  }
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, comm_));
  PetscCheck(!failed, comm_, PETSC_ERR_FILE_WRITE, "cannot move %s.pvts into %s", stem.str().c_str(), directory_.c_str());
  entries_.emplace_back(time_days, stem.str() + ".pvts");
  PetscCall(WriteCollection());
  PetscFunctionReturn(0);
}

PetscErrorCode VtkSeries::WriteCollection() {
  PetscFunctionBeginUser;
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm_, &rank));
  int failed = 0;
  if (rank == 0) {
    const std::filesystem::path path = std::filesystem::path(directory_) / (base_ + ".pvd");
    const std::filesystem::path temp = std::filesystem::path(directory_) / (base_ + ".pvd.tmp");
    {
      std::ofstream out(temp);
      out << "<?xml version=\"1.0\"?>\n"
          << "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n";
      out << std::setprecision(17);
      for (const auto& [time, file] : entries_)
        out << "    <DataSet timestep=\"" << time << "\" group=\"\" part=\"0\" file=\"" << file << "\"/>\n";
      out << "  </Collection>\n</VTKFile>\n";
      failed = out.good() ? 0 : 1;
    }
    std::error_code error;
    if (!failed) std::filesystem::rename(temp, path, error);
    if (error) failed = 1;
  }
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, comm_));
  PetscCheck(!failed, comm_, PETSC_ERR_FILE_WRITE, "cannot write %s/%s.pvd", directory_.c_str(), base_.c_str());
  PetscFunctionReturn(0);
}

}  // namespace fno::sim
