// Training datasets written by fno-gen (schema "petsc-fno-dataset-v1"):
//
//   /inputs      [case][field][grid...] float64, fields (attribute input_fields):
//                  0 log10_permeability (log10 of mD), 1 porosity (-),
//                  2 injection_rate (reservoir m^3/day of CO2 per cell)
//   /outputs     [case][time][grid...] float64, CO2 saturation at /times
//   /times       [time] float64, days (time 0 included)
//   /seeds       [case] int64, the permeability seed of each case
//   /parameters  [case][parameter] float64, generator parameters (attribute parameter_names)
//   /done        [case] int8, 1 once the case's data is completely written
// [grid...] is the DMDA axes reversed (x fastest), as in solution.h5. Root attributes:
// schema, geometry, grid (cells per DMDA axis), cell_size (dx, dy, dz), report count.
//
// The file is opened collectively by all ranks (MPI-IO); datasets are created up front, so
// groups of ranks later write their own cases with independent I/O, and a killed run leaves
// a consistent file whose /done flags say which cases to redo.
//
// Written in HDF5's checksummed 1.10 format; the datasets stay contiguous without a data
// checksum because groups write them independently, which parallel HDF5 1.10 cannot filter.
// Every reader treats a dataset file as untrusted (README, "Files users hand us"):
// CheckDatasetFile() validates one completely before anything is allocated from it, and
// CheckInputValues()/CheckOutputValues() judge the values read.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hdf5_handle.hpp"
#include "simulator_config.hpp"

namespace fno::sim {

inline constexpr const char* kDatasetSchema = "petsc-fno-dataset-v1";
inline constexpr int kDatasetInputFields = 3;

// Fixed parameter record of a case (the generator draws a variable number of channels; the
// record keeps their count and means).
std::vector<std::string> DatasetParameterNames();
std::vector<double> SummarizeParameters(const std::vector<std::pair<std::string, double>>& drawn);

// What CheckDatasetFile() found (grid in file order: the DMDA axes reversed).
struct DatasetSummary {
  std::string geometry;                   // "slice", "map", "3d" (or empty: not stated)
  std::vector<std::string> input_fields;  // root attribute input_fields, in channel order
  std::string output_field;               // /outputs attribute field (or empty)
  std::vector<hsize_t> grid;              // 2 or 3 extents, file order ([nz][nx] for a slice)
  hsize_t cases = 0;
  std::vector<double> times;              // /times (days): finite, strictly increasing
  std::vector<std::int8_t> done;          // /done: 0 or 1 per case
};

// Opens the dataset at `path` alone (serial HDF5; call it on one rank and share the verdict)
// and checks everything a reader relies on before anything is allocated from it: the
// checksummed 1.10 format (older files are refused: their metadata carry no checksums), the
// schema, every dataset a hard link holding all its bytes inside the file (no external,
// virtual, compressed or unwritten storage), /inputs [case][field][grid...] with one field
// per input_fields name, /outputs [case][time][grid...], /times [time], /seeds and /done
// [case], /parameters [case][k], the types, the grid and cell_size attributes consistent,
// times finite and strictly increasing, done flags 0 or 1. Throws std::runtime_error
// ("dataset '<path>': ...").
DatasetSummary CheckDatasetFile(const std::string& path);
// Values of one case as read: every input finite, porosity (a field named "porosity") in
// (0, 1]; every output finite, saturation in [0, 1]. `values` is [field or time][points].
// Throws std::runtime_error naming the file, the case and the first bad value.
void CheckInputValues(const std::string& path, const DatasetSummary& summary, hsize_t c, const double* values,
                      std::size_t points);
void CheckOutputValues(const std::string& path, const DatasetSummary& summary, hsize_t c, const double* values,
                       std::size_t count);

class DatasetFile {
 public:
  // Creates (truncating) a file for `cases` cases of the configuration `config`. Collective.
  void Create(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases);
  // Opens an existing file for resuming; throws std::runtime_error if it is not a dataset of
  // this schema, grid and case count. Collective.
  void OpenForResume(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases);
  // Resumes `path` (OpenForResume) when it exists and `overwrite` is false, else creates it.
  // Returns whether it resumed. Collective; throws std::runtime_error on every rank when any
  // rank failed (its message, or "another rank could not open the dataset file").
  bool OpenOrCreate(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases, bool overwrite);
  std::vector<std::int8_t> ReadDoneFlags() const;  // collective read, every rank gets all
  // The cases whose done flag is 0, in order (ReadDoneFlags; collective).
  std::vector<int> UnfinishedCases() const;

  // Independent writes (any subset of ranks). `start`/`count` describe this rank's block of
  // the grid in file order ([z][y][x]); data are in the same order.
  void WriteInputs(int c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                   const std::vector<double>& fields) const;  // [field][block]
  void WriteOutputs(int c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                    const std::vector<double>& saturation) const;  // [time][block]
  void WriteRecord(int c, std::int64_t seed, const std::vector<double>& parameters) const;
  void MarkDone(int c) const;
  void Flush() const;  // collective
  void Close();        // collective

  int TimeCount() const { return time_count_; }

  // ---- reading (the file is untrusted) ----
  // Collective: rank 0 runs CheckDatasetFile(); every rank receives the summary or throws
  // the same std::runtime_error; then every rank opens the file read-only (MPI-IO).
  void OpenForReading(MPI_Comm comm, const std::string& path);
  const DatasetSummary& Summary() const { return summary_; }
  // Independent reads of this rank's block (file order over the grid) of a complete case,
  // checked with CheckInputValues()/CheckOutputValues(); data [field or time][block].
  void ReadInputs(hsize_t c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                  std::vector<double>& fields) const;
  void ReadOutputs(hsize_t c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                   std::vector<double>& saturation) const;

 private:
  void OpenDatasets();  // collective; the handles stay open so later writes are independent
  void ReadBlock(const H5Id& dataset, const char* what, hsize_t c, hsize_t layers, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, std::vector<double>& data) const;
  H5Id file_, inputs_, outputs_, parameters_, seeds_, done_;
  int cases_ = 0, time_count_ = 0;
  std::string path_;
  DatasetSummary summary_;
};

}  // namespace fno::sim
