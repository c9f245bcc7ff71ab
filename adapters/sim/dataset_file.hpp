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

class DatasetFile {
 public:
  // Creates (truncating) a file for `cases` cases of the configuration `config`. Collective.
  void Create(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases);
  // Opens an existing file for resuming; throws std::runtime_error if it is not a dataset of
  // this schema, grid and case count. Collective.
  void OpenForResume(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases);
  std::vector<std::int8_t> ReadDoneFlags() const;  // collective read, every rank gets all

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

 private:
  void OpenDatasets();  // collective; the handles stay open so later writes are independent
  H5Id file_, inputs_, outputs_, parameters_, seeds_, done_;
  int cases_ = 0, time_count_ = 0;
};

}  // namespace fno::sim
