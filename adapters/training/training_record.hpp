// The /training group that fno-train adds to its checkpoints and final models: the options
// the run was started with, the dataset it read (path and fingerprint), the subsampling,
// the train/validation/test split (dataset case indices) and the loss history. The model
// file's version-1 readers ignore the group (README, "The model file"); fno-train -resume
// and fno-eval -cases test|val|train read it.
//
//   /training  @program "fno-train"  @dataset  @dataset_fingerprint  @dataset_cases int64
//              @sampling int64[space axes + 1]
//     /options  one string attribute per recorded option (canonical text)
//     /split    train, val, test: int64[n] dataset case indices (ascending)
//     /history  epoch int64[n]; train_loss, val_rel_l2, lr, seconds, data_seconds, cpu_seconds float64[n]
#pragma once
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fft/layout.hpp"

namespace fno::training {

struct HistoryRow {
  std::int64_t epoch = 0;   // 1-based: the row of the epoch that completed
  double train_loss = 0;    // mean relative L2 over the epoch's training samples (before each update)
  double val_rel_l2 = 0;    // mean relative L2 of the validation cases after the epoch (NaN: none)
  double lr = 0;            // learning rate used in the epoch
  double seconds = 0;       // wall time of the epoch (training, validation, checkpoint)
  double data_seconds = 0;  // of which reading/assembling batches
  double cpu_seconds = 0;   // CPU time of rank 0's process over the same span (the machine may be shared)
};

struct TrainingRecord {
  std::vector<std::pair<std::string, std::string>> options;  // name (without '-'), canonical value
  std::string dataset_path;
  std::string dataset_fingerprint;
  Index dataset_cases = 0;
  std::vector<Index> sampling;
  std::vector<Index> train, val, test;
  std::vector<HistoryRow> history;

  // The recorded value of option `name`, or "" if absent.
  std::string option(const std::string& name) const;
};

// Whether the model file at `path` carries a /training group, and the group itself: rank 0
// reads, every rank of comm receives (or throws the same fno::Error). Collective.
bool HasTrainingRecord(const std::string& path, MPI_Comm comm);
TrainingRecord ReadTrainingRecord(const std::string& path, MPI_Comm comm);

// Writes a model file atomically with its /training group: `write_model(stage_path)` is
// called by the ranks whose `writers` communicator is not MPI_COMM_NULL (they must include
// rank 0 of `world`) and writes a complete model file (e.g. fno::write_checkpoint); rank 0
// of world then adds /training to it and renames it over `path`. Until that rename, `path`
// keeps its previous contents; on any error the staging file is removed and every rank of
// world throws the same fno::Error. Collective over world.
void WriteModelWithRecord(MPI_Comm world, MPI_Comm writers, const std::string& path, const TrainingRecord& record,
                          const std::function<void(const std::string&)>& write_model);

}  // namespace fno::training
