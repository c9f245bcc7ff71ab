#include "train_options.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.hpp"

namespace fno::training {

namespace {

std::vector<std::string> Items(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

long long ParseInteger(const std::string& name, const std::string& text, long long min) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw Error("option -" + name + " expects an integer, got '" + text + "'");
  if (v < min) throw Error("option -" + name + " must be >= " + std::to_string(min) + ", got " + text);
  return v;
}

double ParseReal(const std::string& name, const std::string& text, double min) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw Error("option -" + name + " expects a number, got '" + text + "'");
  if (v < min) throw Error("option -" + name + " must be >= " + std::to_string(min) + ", got " + text);
  return v;
}

std::string Exact(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

std::string IntegerList(const std::string& name, const std::string& text, long long min) {
  std::string out;
  const auto items = Items(text);
  if (items.empty()) throw Error("option -" + name + " expects comma-separated integers, got '" + text + "'");
  for (const auto& item : items) { out += out.empty() ? "" : ","; out += std::to_string(ParseInteger(name, item, min)); }
  return out;
}

std::vector<Index> ParseIntegerList(const std::string& name, const std::string& text, long long min) {
  std::vector<Index> values;
  for (const auto& item : Items(text)) values.push_back(ParseInteger(name, item, min));
  return values;
}

}  // namespace

const std::vector<OptionSpec>& TrainOptionTable() {
  static const std::vector<OptionSpec> table = {
      {"data", "", "dataset file: schema petsc-fno-dataset-v1 (fno-gen) or v2 (-ts_fno_record of any PETSc TS host)", false},
      {"model_out", "", "model file written at the end (float32, with /problem and /training)", false},
      {"checkpoint", "", "checkpoint file (default: -model_out with .h5 replaced by .checkpoint.h5)", false},
      {"history", "", "CSV of the loss history (default: -model_out with .h5 replaced by .history.csv)", false},
      {"best_model", "", "also write the model of the lowest validation rel L2 so far to this file (default: none)",
       false},
      {"epochs", "10", "epochs to train in all (a resumed run continues up to this count)", false},
      {"checkpoint_every", "1", "write the checkpoint every N epochs (and always after the last)", false},
      {"stop_after", "0",
       "stop this run once N epochs are done in all (checkpoint and model written; -resume continues to -epochs; "
       "0: run to -epochs)",
       false},
      {"groups", "1", "data-parallel groups (ranks / groups form each group's spatial partition)", false},
      {"pgrid", "", "process grid of a group over the space axes, e.g. 2,1 (default: MPI_Dims_create)", false},
      {"preload", "1", "1: read every case's block once at the start; 0: read each batch from the file", false},
      {"batch_size", "4", "cases per optimizer step, over all groups", true},
      {"lr", "0.001", "base learning rate", true},
      {"optimizer", "adam", "adam or adamw", true},
      {"weight_decay", "0", "weight decay (adam: L2 added to the gradient; adamw: decoupled)", true},
      {"schedule", "cosine", "learning-rate schedule: cosine (t_max = -epochs), step or constant", true},
      {"step_size", "10", "step schedule: epochs between decays", true},
      {"gamma", "0.5", "step schedule: decay factor", true},
      {"eta_min", "0", "cosine schedule: smallest learning rate", true},
      {"clip_grad_norm", "0", "clip gradients to this global L2 norm (0: no clipping)", true},
      {"width", "20", "channels inside the Fourier layers", true},
      {"modes", "8,8,8", "modes kept per axis: space axes..., time (or one value for all)", true},
      {"layers", "4", "Fourier layers", true},
      {"proj_width", "128", "hidden width of the projection", true},
      {"padding", "0", "zeros appended to the time axis inside the model", true},
      {"split_seed", "0", "seed of the train/validation/test split", true},
      {"split", "0.1,0.1", "validation,test: fractions (< 1) or counts of the usable cases", true},
      {"max_cases", "0", "use only the first N finished cases of the dataset (0: all)", true},
      {"subsample", "1", "keep every s-th cell and snapshot: s, or s_x,s_y[,s_z],s_t", true},
      {"seed", "0", "seed of the initial weights and of the epoch shuffles", true},
      {"precision", "float", "float or double", true},
  };
  return table;
}

std::string CanonicalOption(const std::string& name, const std::string& text) {
  if (name == "batch_size" || name == "layers" || name == "proj_width" || name == "width")
    return std::to_string(ParseInteger(name, text, 1));
  if (name == "padding" || name == "split_seed" || name == "max_cases" || name == "seed")
    return std::to_string(ParseInteger(name, text, 0));
  if (name == "step_size") return std::to_string(ParseInteger(name, text, 1));
  if (name == "lr" || name == "weight_decay" || name == "gamma" || name == "eta_min" || name == "clip_grad_norm")
    return Exact(ParseReal(name, text, 0));
  if (name == "optimizer") return to_string(optimizer_kind_from_string(text));
  if (name == "schedule") return to_string(schedule_kind_from_string(text));
  if (name == "modes" || name == "subsample") return IntegerList(name, text, 1);
  if (name == "split") {
    const SplitSpec spec = SplitSpec::Parse(text);
    return Exact(spec.val) + "," + Exact(spec.test);
  }
  if (name == "precision") {
    if (text != "float" && text != "double") throw Error("option -precision expects float or double, got '" + text + "'");
    return text;
  }
  return text;
}

TrainSettings ResolveTrainSettings(const OptionValues& given, bool resume, const TrainingRecord* record) {
  std::map<std::string, std::string> value;
  TrainSettings s;
  for (const OptionSpec& spec : TrainOptionTable()) {
    const auto it = given.find(spec.name);
    const bool set = it != given.end() && it->second.set;
    std::string text = it != given.end() ? it->second.text : spec.default_value;
    if (spec.recorded) {
      try {
        text = CanonicalOption(spec.name, text);
      } catch (const std::exception& e) {
        // optimizer_kind_from_string and friends name their function; say which option.
        throw Error(std::string(e.what()).find("option -") != std::string::npos
                        ? std::string(e.what())
                        : "option -" + std::string(spec.name) + ": " + e.what());
      }
      if (record) {
        const std::string stored = record->option(spec.name);
        if (!stored.empty()) {
          if (set && stored != text)
            throw Error("-resume: option -" + std::string(spec.name) + " " + text + " differs from the checkpoint's " +
                        stored + " (resume with the same value, or leave the option out)");
          text = stored;
        }
      }
      s.recorded.emplace_back(spec.name, text);
    }
    value[spec.name] = text;
  }
  s.resume = resume;
  s.data = value["data"];
  s.model_out = value["model_out"];
  if (s.data.empty()) throw Error("option -data FILE.h5 (the dataset) is required");
  if (s.model_out.empty()) throw Error("option -model_out FILE.h5 (the model to write) is required");
  s.checkpoint = value["checkpoint"].empty() ? DefaultCheckpointPath(s.model_out) : value["checkpoint"];
  s.history = value["history"].empty() ? DefaultHistoryPath(s.model_out) : value["history"];
  s.best_model = value["best_model"];
  if (s.checkpoint == s.model_out) throw Error("-checkpoint must differ from -model_out");
  if (!s.best_model.empty() && (s.best_model == s.model_out || s.best_model == s.checkpoint))
    throw Error("-best_model must differ from -model_out and -checkpoint");
  s.epochs = ParseInteger("epochs", value["epochs"], 0);
  s.checkpoint_every = ParseInteger("checkpoint_every", value["checkpoint_every"], 1);
  s.stop_after = ParseInteger("stop_after", value["stop_after"], 0);
  s.groups = static_cast<int>(ParseInteger("groups", value["groups"], 1));
  if (!value["pgrid"].empty())
    for (Index p : ParseIntegerList("pgrid", value["pgrid"], 1)) s.pgrid.push_back(static_cast<int>(p));
  s.preload = ParseInteger("preload", value["preload"], 0) != 0;
  s.batch_size = ParseInteger("batch_size", value["batch_size"], 1);
  s.lr = ParseReal("lr", value["lr"], 0);
  s.optimizer = optimizer_kind_from_string(value["optimizer"]);
  s.weight_decay = ParseReal("weight_decay", value["weight_decay"], 0);
  s.schedule = schedule_kind_from_string(value["schedule"]);
  s.step_size = ParseInteger("step_size", value["step_size"], 1);
  s.gamma = ParseReal("gamma", value["gamma"], 0);
  s.eta_min = ParseReal("eta_min", value["eta_min"], 0);
  s.clip_grad_norm = ParseReal("clip_grad_norm", value["clip_grad_norm"], 0);
  s.width = ParseInteger("width", value["width"], 1);
  s.modes = ParseIntegerList("modes", value["modes"], 1);
  s.layers = static_cast<int>(ParseInteger("layers", value["layers"], 1));
  s.proj_width = ParseInteger("proj_width", value["proj_width"], 1);
  s.padding = ParseInteger("padding", value["padding"], 0);
  s.split_seed = static_cast<std::uint64_t>(ParseInteger("split_seed", value["split_seed"], 0));
  s.split = SplitSpec::Parse(value["split"]);
  s.max_cases = ParseInteger("max_cases", value["max_cases"], 0);
  s.subsample = value["subsample"];
  s.seed = static_cast<std::uint64_t>(ParseInteger("seed", value["seed"], 0));
  s.precision = value["precision"];
  return s;
}

namespace {
std::string Stem(const std::string& path) {
  const std::string ext = ".h5";
  if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
    return path.substr(0, path.size() - ext.size());
  return path;
}
}  // namespace

std::string DefaultCheckpointPath(const std::string& model_out) { return Stem(model_out) + ".checkpoint.h5"; }
std::string DefaultHistoryPath(const std::string& model_out) { return Stem(model_out) + ".history.csv"; }

}  // namespace fno::training
