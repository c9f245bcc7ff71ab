// Recorded trajectories of a host PETSc TS program (dataset schema "petsc-fno-dataset-v2",
// README "Datasets"): the plugin's record mode (-ts_fno_record FILE.h5) appends one case
// per host run; fno-train and fno-eval read them. Version 1 (fno-gen's CO2 datasets,
// adapters/sim/dataset_file.hpp) is still read by the training programs.
//
//   /initial     [case][component][grid...] float64  the state at times[0] (every dof, after
//                                                      any -ts_fno_perturb perturbation)
//   /inputs      [case][field][grid...]     float64  static fields the host composed on its DM
//                                                      (only present when input_fields is not empty)
//   /outputs     [case][time][component][grid...] float64  the state at every time
//                                                      (times[0]: the initial state again)
//   /times       [time] float64                     host time of each snapshot (attribute units)
//   /seeds       [case] int64                       perturbation seed of the case (-1: none)
//   /parameters  [case][parameter] float64          attribute parameter_names
//   /done        [case] int8                        1 once every array of the case is written
// [grid...] is the DMDA axes reversed (x fastest), as in v1 and solution.h5. Root
// attributes (strings are comma-separated lists): schema, grid (int64, cells per DMDA axis,
// x first), boundary (per DMDA axis: "none", "periodic", "ghosted", "mirror", "twist"), components,
// input_fields, initial_inputs (components the model takes from the initial state),
// output_fields (components the model predicts), time_units, host (informative).
//
// Every per-case array is chunked one case (and one time) per chunk with a fletcher32
// checksum (a chunk larger than 64 MiB is split further along components and the slowest
// grid axes), its chunks allocated when the case axis grows (early allocation, so every
// chunk of every case exists), extensible along the case axis; all writes are collective
// (parallel HDF5 1.10 checksums only collective writes). File format: checksummed HDF5 1.10
// like every file petsc-fno writes. The case count is /done's extent, and its growth is a
// recording's commit point: a writer grows the other per-case arrays and flushes them, then
// grows /done (its new row holds the fill value 0) and flushes, writes the case, flushes, sets
// done = 1 and flushes. A recording killed at any moment of an append leaves a file that
// check_trajectory_file() accepts: rows of the other arrays beyond the case count may be
// unallocated or half-made (not checked), and the last row of /done may be unallocated or
// unreadable (HDF5 had not finished flushing its growth: that case is not done); readers skip
// cases that are not done. The next recording reuses the first case that is not done; when
// that is the last case it drops its rows (/done first) and adds them again, and it always
// drops rows beyond the case count first (after raising the file's allocated size to cover
// whatever the killed run wrote). A new file is created as `path.tmp.PID` and renamed to
// `path` once its empty structure is flushed, so a recording killed while creating it leaves
// no dataset (at most that stray temporary file); a dataset that holds no finished case is
// made again by the next recording. One recording at a time per file (HDF5
// 1.10's MPI-IO driver takes no lock).
#pragma once
#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "files/hdf5_handles.hpp"
#include "fft/layout.hpp"

namespace fno {

inline constexpr const char* kTrajectorySchema = "petsc-fno-dataset-v2";

// What every case of one dataset shares.
struct TrajectoryLayout {
  std::vector<Index> grid;                  // cells per DMDA axis, x first (1 to 3 axes)
  std::vector<std::string> boundary;        // per DMDA axis (informative)
  std::vector<std::string> components;      // every state component (DMDA field names)
  std::vector<std::string> input_fields;    // static fields, may be empty
  std::vector<std::string> initial_inputs;  // subset of components, in component order
  std::vector<std::string> output_fields;   // subset of components, in component order
  std::vector<double> times;                // strictly increasing; times[0] = start of the run
  std::string time_units = "host";
  std::string host;                         // program that recorded the cases
  std::vector<std::string> parameter_names; // columns of /parameters

  // Throws fno::Error naming what is inconsistent (empty or duplicate names, subsets that
  // are not subsets of components, times not strictly increasing or not finite, grid).
  void validate() const;
  // Empty when `other` can be appended to a dataset of this layout, else a sentence naming
  // the first difference (grid, boundary, components, input fields, initial inputs,
  // outputs, times, parameter names), written to follow the dataset's name: "holds cases of
  // a 65x65 grid with components u,v; this run has a 33x33 grid with components u,v".
  std::string difference(const TrajectoryLayout& other) const;
  Index points() const;  // grid points (product of grid)
};

// A rank's block of the grid in DMDA order (x first): start and extent per axis.
struct GridBlock {
  std::vector<Index> start, extent;
  Index points() const;
};

// Appends one case to a dataset (created if `path` does not exist). Collective over comm
// for every member function; each rank passes its own block (the blocks tile the grid;
// a block may be empty). Throws fno::Error (the same on every rank) when the file is not a
// v2 dataset or its layout differs from `layout` (the message names both), when ranks pass
// different layouts, when a block leaves the grid, when values have the wrong count or are
// not finite, and from mark_done() when something of the case was not written (the
// initial state, the inputs if there are input fields, a snapshot, the record).
class TrajectoryWriter {
 public:
  TrajectoryWriter(MPI_Comm comm, const std::string& path, const TrajectoryLayout& layout, GridBlock block);
  TrajectoryWriter(const TrajectoryWriter&) = delete;
  TrajectoryWriter& operator=(const TrajectoryWriter&) = delete;
  ~TrajectoryWriter();  // closes; the case stays not done unless mark_done() ran

  Index case_index() const { return case_; }
  // values: [component][block points], block points x fastest (DMDA local order of one dof).
  void write_initial(std::span<const double> values);
  // values: [field][block points].
  void write_inputs(std::span<const double> values);
  // values: [component][block points], the state at layout.times[k].
  void write_snapshot(Index k, std::span<const double> values);
  // parameters: one per layout.parameter_names (the same on every rank; rank 0's are stored).
  void write_record(std::int64_t seed, std::span<const double> parameters);
  // Checks that the initial state, the inputs and every snapshot were written, flushes,
  // sets done = 1 and flushes again.
  void mark_done();

 private:
  MPI_Comm comm_;
  std::string path_;
  TrajectoryLayout layout_;
  GridBlock block_;
  Index case_ = 0;
  std::vector<bool> written_;  // initial, inputs, record, snapshots...
  h5::File file_;
};

// What check_trajectory_file() found.
struct TrajectoryInfo {
  TrajectoryLayout layout;
  Index cases = 0;
  std::vector<std::int8_t> done;
  std::vector<std::int64_t> seeds;
  std::vector<std::vector<double>> parameters;  // [case][parameter]
  std::vector<Index> done_cases() const;
};

// Opens `path` alone (serial HDF5; call on one rank and share the verdict, e.g. with
// agreed_error) and checks everything a reader relies on before anything is allocated from
// it: checksummed 1.10 format, schema, attributes, every dataset's type and shape
// consistent with the layout, storage inside the file. Throws fno::Error
// ("dataset '<path>': ...").
TrajectoryInfo check_trajectory_file(const std::string& path);
// Whether `path` names an HDF5 file whose root attribute schema is kTrajectorySchema
// (false for v1 datasets and anything else, never throws). Serial.
bool is_trajectory_file(const std::string& path);
// check_trajectory_file() on rank 0 of comm; its result or its error (the same fno::Error)
// reaches every rank. Collective.
TrajectoryInfo inspect_trajectory_file(MPI_Comm comm, const std::string& path);

// Reads blocks of done cases of a checked file. Opened collectively over comm (MPI-IO);
// reads are independent, so any rank may read any case (each rank its own block). A read
// is local: it throws fno::Error on the reading rank only ("dataset '<path>': case 3:
// /outputs at time index 2 (t = 0.5), component 'u' holds a non-finite value (nan) at grid
// point (4, 7)"), for a case that is not done, a block outside the grid, a failed read
// (a fletcher32 mismatch) or a value that is not finite; callers agree on it.
class TrajectoryReader {
 public:
  TrajectoryReader(MPI_Comm comm, const std::string& path, TrajectoryInfo info);
  const TrajectoryInfo& info() const { return info_; }
  // out: [component][block points] (x fastest) for the listed component indices.
  void read_initial(Index c, const GridBlock& block, std::span<const Index> components, std::span<double> out) const;
  // out: [field][block points], every input field.
  void read_inputs(Index c, const GridBlock& block, std::span<double> out) const;
  // out: [time][component][block points] for the listed time and component indices.
  void read_outputs(Index c, const GridBlock& block, std::span<const Index> times, std::span<const Index> components,
                    std::span<double> out) const;
  void close();  // collective

 private:
  void read_block(const h5::Dataset& dataset, const char* name, Index c, std::vector<Index> lead, Index count,
                  const GridBlock& block, double* out) const;
  TrajectoryInfo info_;
  std::string path_;
  h5::File file_;
  h5::Dataset initial_, inputs_, outputs_;
};

}  // namespace fno
