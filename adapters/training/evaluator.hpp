// fno-eval's work: a model file's predictions on dataset cases, their metrics (metrics.hpp)
// as one JSON object, and optionally a PNG strip and the predictions themselves.
//
// The model runs as the plugin runs it: inputs encoded with the stored input normalizer,
// forward (inference), decoded with the output normalizer, clipped to the /problem bounds.
// The dataset is read at the model's grid: the /training record's subsampling, if any.
#pragma once
#include <mpi.h>

#include <string>
#include <vector>

#include "fft/layout.hpp"

namespace fno::training {

struct EvalSettings {
  std::string model, data;
  std::string cases = "all";   // all | test | val | train | list "0,3,7-9"
  std::string png;             // strip of the first png_cases cases ("" = none)
  Index png_cases = 3;
  Index batch_size = 4;
  std::string prediction = "model";  // model | truth | zero (known answers for tests)
  std::string save_predictions;      // HDF5 file of the predictions ("" = none)
  std::vector<int> pgrid;            // process grid over the space axes (empty: MPI_Dims_create)
};

// Collective over world; returns the JSON object (the same on every rank) or throws the same
// fno::Error on every rank.
std::string RunEvaluation(const EvalSettings& settings, MPI_Comm world);

// Dataset case indices named by `text` ("all": every finished case; a list such as
// "0,3,7-9"); throws fno::Error for malformed text, cases out of range or unfinished.
std::vector<Index> ParseCaseList(const std::string& text, Index cases, const std::vector<std::int8_t>& done);

}  // namespace fno::training
