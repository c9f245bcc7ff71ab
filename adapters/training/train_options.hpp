// fno-train's options: one table (name, default, help, whether a checkpoint records it),
// parsing into TrainSettings, and the rule for -resume: a recorded option given on the
// command line must equal the checkpoint's value; one not given is taken from the
// checkpoint. The program reads every option through PetscOptions (so -help lists them);
// this file is PETSc-free.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "training/optimizer.hpp"
#include "split.hpp"
#include "training_record.hpp"

namespace fno::training {

struct OptionSpec {
  const char* name;  // without the leading '-'
  const char* default_value;
  const char* help;
  bool recorded;     // stored in checkpoints; must match on -resume
};
const std::vector<OptionSpec>& TrainOptionTable();

struct OptionValue {
  std::string text;
  bool set = false;  // given on the command line
};
using OptionValues = std::map<std::string, OptionValue>;

struct TrainSettings {
  std::string data, model_out, checkpoint, history;
  std::string best_model;  // "" = none
  bool resume = false;
  Index epochs = 10;
  Index stop_after = 0;  // stop this run once this many epochs are done (0: run to epochs)
  Index batch_size = 4;
  double lr = 1e-3;
  OptimizerKind optimizer = OptimizerKind::adam;
  double weight_decay = 0;
  ScheduleKind schedule = ScheduleKind::cosine;
  Index step_size = 10;
  double gamma = 0.5;
  double eta_min = 0;
  double clip_grad_norm = 0;
  Index width = 20;
  std::vector<Index> modes;  // space axes..., time (may be one value for all)
  int layers = 4;
  Index proj_width = 128;
  Index padding = 0;
  int groups = 1;
  std::vector<int> pgrid;  // empty: MPI_Dims_create
  std::uint64_t split_seed = 0;
  SplitSpec split;
  Index checkpoint_every = 1;
  Index max_cases = 0;     // 0: all finished cases
  std::string subsample = "1";
  std::uint64_t seed = 0;
  std::string precision = "float";
  bool preload = true;
  // Canonical text of every recorded option (stored in /training/options).
  std::vector<std::pair<std::string, std::string>> recorded;
};

// Canonical text of option `name` (numbers re-printed exactly, lists comma-joined); throws
// fno::Error naming the option if the value does not parse.
std::string CanonicalOption(const std::string& name, const std::string& text);

// Applies the -resume rule against `record` (nullptr: a fresh run), then parses. Throws
// fno::Error naming the offending option.
TrainSettings ResolveTrainSettings(const OptionValues& values, bool resume, const TrainingRecord* record);

// The checkpoint path for a model path: "m.h5" -> "m.checkpoint.h5"; the history path:
// "m.h5" -> "m.history.csv".
std::string DefaultCheckpointPath(const std::string& model_out);
std::string DefaultHistoryPath(const std::string& model_out);

}  // namespace fno::training
