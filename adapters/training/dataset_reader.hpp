// Reading training datasets into the model's tensors: schema "petsc-fno-dataset-v1" (fno-gen's
// CO2 datasets, adapters/sim/dataset_file.hpp) and "petsc-fno-dataset-v2" (trajectories any
// PETSc TS host recorded, surrogate/files/trajectory_dataset.hpp); README "Datasets".
//
// File order:  v1: inputs [case][field][grid...], outputs [case][time][grid...];
//              v2: inputs [case][field][grid...], initial [case][component][grid...],
//                  outputs [case][time][component][grid...];
//              grid... = the DMDA axes reversed (x fastest).
// Model channels: the static input fields, then (v2) the initial-state components
// (initial_inputs), each constant along time; model outputs: one channel per output field
// (v1: saturation only).
// Model order: [batch][channel][x][y]([z])[t], space axes in DMDA order, time last and fastest.
// Each rank reads only the hyperslab of its block of the model's Layout (parallel HDF5,
// independent transfers) and permutes it locally; optional subsampling keeps every s-th
// cell along each space axis and every s_t-th snapshot (index 0 always kept).
#pragma once
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include <memory>

#include "hdf5_handle.hpp"
#include "fft/layout.hpp"
#include "files/problem.hpp"
#include "files/trajectory_dataset.hpp"

namespace fno::training {

// What a dataset file holds, without its field data.
struct DatasetInfo {
  int schema = 1;                         // 1: fno-gen's CO2 datasets; 2: recorded trajectories
  std::string path;
  std::string geometry;                   // "slice", "map", "3d"
  std::vector<std::string> input_fields;  // root attribute input_fields, in channel order
  std::string output_field;               // /outputs attribute field
  std::string time_units;                 // /times attribute units
  int space_dims = 0;                     // 2 or 3
  std::vector<Index> grid;                // cells per DMDA axis (x first)
  std::vector<double> times;              // /times, as stored (days)
  std::vector<double> cell_size;          // root attribute cell_size (dx, dy, dz), may be empty
  Index cases = 0;
  std::vector<std::int8_t> done;          // /done
  std::vector<std::int64_t> seeds;        // /seeds
  std::vector<std::string> initial_inputs;  // v2: components taken from the initial state
  std::vector<std::string> output_fields;   // v1: {output_field}; v2: the predicted components
  fno::TrajectoryLayout layout;             // v2: the dataset's whole layout
  // Model input channels: input_fields, then initial_inputs; model outputs: output_fields.
  Index channels() const { return static_cast<Index>(input_fields.size() + initial_inputs.size()); }
  Index outputs() const { return static_cast<Index>(output_fields.size()); }
  std::vector<std::string> channel_names() const;
  // Identity of the data: a hash of grid, times, case count and seeds (hex), and for v2 of
  // the layout's components, inputs and outputs too. A model's recorded split refers to the
  // dataset with this fingerprint.
  std::string fingerprint() const;
  std::vector<Index> done_cases() const;  // indices of cases whose done flag is 1
};

// Rank 0 opens and checks the file alone (HDF5 signature, schema, datasets and their
// shapes, times); the description or the error (the same fno::Error) reaches every rank
// of comm. Collective.
DatasetInfo InspectDataset(const std::string& path, MPI_Comm comm);

// Subsampling strides: one per space axis (DMDA order) and one for time.
struct Sampling {
  std::vector<Index> stride;  // space axes..., time
  // "s" (every axis) or "s_x,s_y[,s_z],s_t"; every stride >= 1.
  static Sampling Parse(const std::string& text, int space_dims);
  static Sampling None(int space_dims) { return Sampling{std::vector<Index>(space_dims + 1, 1)}; }
  std::string ToString() const;
  // The model's grid: ceil(n / s) cells per space axis, ceil(nt / s_t) snapshots.
  std::vector<Index> ModelGrid(const DatasetInfo& info) const;
  // Dataset time index of model time index k: k * s_t.
  std::vector<double> ModelTimes(const DatasetInfo& info) const;  // as stored (days)
};

// The model file's /problem for a model trained on `info` with `sampling`.
// v1: each input field mapped to the host field it comes from (log10_permeability <-
// permeability in mD, log10; porosity <- porosity; injection_rate <- injection_rate in m^3/s
// per cell, scale 86400 because the dataset stores m^3/day), the output saturation (initial
// 0, clipped to [0, 1]) and the model times in seconds. Throws fno::Error naming an unknown
// field or unit.
// v2: each static field by its own name (identity, scale 1), each initial input as kind
// "initial_state" of its component, each output component unbounded, the times as stored
// (the host's time units, no conversion).
ProblemDescription DatasetProblem(const DatasetInfo& info, const Sampling& sampling);

// Reads cases into model order. Opens the file collectively over `comm`; reads are
// independent, so any rank may read any case at any time (each rank its own block).
class DatasetReader {
 public:
  // block_start/block_extent: this rank's block of the model grid (space axes..., time;
  // time must be whole).
  DatasetReader(const DatasetInfo& info, MPI_Comm comm, const Sampling& sampling, std::vector<Index> block_start,
                std::vector<Index> block_extent);
  DatasetReader(const DatasetReader&) = delete;
  DatasetReader& operator=(const DatasetReader&) = delete;

  Index space_points() const { return space_points_; }  // local space points of the block
  Index times() const { return times_; }                 // model time points
  Index fields() const { return fields_; }               // model input channels
  Index outputs() const { return outputs_count_; }       // model output channels
  // static_inputs [channels][local space points] (x, y, z in model order),
  // target [outputs][local space points][time] (= [outputs][x][y][t]); local, throws
  // fno::Error on a failed read or a bad value.
  template <class T>
  void ReadCase(Index c, T* static_inputs, T* target);
  void Close();  // collective

 private:
  DatasetInfo info_;
  Sampling sampling_;
  std::vector<Index> start_, extent_;
  template <class T>
  void ReadTrajectoryCase(Index c, T* static_inputs, T* target);
  Index space_points_ = 0, times_ = 0, fields_ = 0, outputs_count_ = 1;
  std::vector<double> box_;
  fno::sim::H5Id file_, inputs_, outputs_;
  std::unique_ptr<fno::TrajectoryReader> trajectory_;  // v2
};

}  // namespace fno::training
