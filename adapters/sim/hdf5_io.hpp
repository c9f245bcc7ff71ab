// Small parallel-HDF5 helpers shared by the snapshot writer and the dataset file: opening
// files with MPI-IO, creating datasets, writing a DMDA block as a hyperslab, and
// string/number attributes. Files are created in HDF5's checksummed 1.10 format (README,
// "Files users hand us"); the readers bound what they allocate and throw on a corrupt file.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "hdf5_handle.hpp"

namespace fno::sim {

H5Id CreateParallelFile(MPI_Comm comm, const std::string& path);            // truncates; 1.10 format
H5Id OpenParallelFile(MPI_Comm comm, const std::string& path, bool writable);

// How a dataset will be written. Parallel HDF5 1.10 applies filters (the fletcher32 checksum)
// only in collective writes, so datasets written independently stay contiguous and unchecked.
enum class Writes {
  collective,            // chunked with a fletcher32 checksum per chunk
  collective_per_slice,  // the same, one chunk per index of the first axis (a series written step by step)
  independent,           // contiguous, space allocated at creation
};
H5Id CreateDoubleDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                         Writes writes = Writes::collective);
H5Id CreateCharDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                       Writes writes = Writes::collective);
std::vector<hsize_t> DatasetDims(hid_t dataset);  // throws on an unreadable dataspace

// Writes `data` (C order over `count`) into the hyperslab starting at `start`. Collective
// transfer when collective is true (all ranks of the file's communicator must call), else
// independent. A rank with nothing to write passes a zero count.
void WriteDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                          const double* data, bool collective);
void ReadDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, double* data,
                         bool collective);

void WriteStringAttribute(hid_t object, const std::string& name, const std::string& value);
// "" if absent or not a string; throws if the string is longer than max_bytes or the file is corrupt.
std::string ReadStringAttribute(hid_t object, const std::string& name, std::size_t max_bytes = 4096);
void WriteDoubleAttribute(hid_t object, const std::string& name, const std::vector<double>& values);
// {} if absent; throws if it is not numeric, holds more than max_values or the file is corrupt.
std::vector<double> ReadDoubleAttribute(hid_t object, const std::string& name, std::size_t max_values = 64);
// True for a hard link; throws for a soft or external link (which could lead out of the file)
// or when the file is corrupt.
bool HasLink(hid_t parent, const std::string& name);

}  // namespace fno::sim
