// Small parallel-HDF5 helpers shared by the snapshot writer and the dataset file: opening
// files with MPI-IO, creating contiguous datasets, writing a DMDA block as a hyperslab,
// and string/number attributes.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "hdf5_handle.hpp"

namespace fno::sim {

H5Id CreateParallelFile(MPI_Comm comm, const std::string& path);            // truncates
H5Id OpenParallelFile(MPI_Comm comm, const std::string& path, bool writable);
// A contiguous double dataset, space allocated at creation (needed for parallel writes).
H5Id CreateDoubleDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims);
H5Id CreateCharDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims);
std::vector<hsize_t> DatasetDims(hid_t dataset);

// Writes `data` (C order over `count`) into the hyperslab starting at `start`. Collective
// transfer when collective is true (all ranks of the file's communicator must call), else
// independent. A rank with nothing to write passes a zero count.
void WriteDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                          const double* data, bool collective);
void ReadDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, double* data,
                         bool collective);

void WriteStringAttribute(hid_t object, const std::string& name, const std::string& value);
std::string ReadStringAttribute(hid_t object, const std::string& name);  // "" if absent
void WriteDoubleAttribute(hid_t object, const std::string& name, const std::vector<double>& values);
std::vector<double> ReadDoubleAttribute(hid_t object, const std::string& name);
bool HasLink(hid_t parent, const std::string& name);

}  // namespace fno::sim
