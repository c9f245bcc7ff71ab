#include "trainer.hpp"

#include <petsclog.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>

#include "case_store.hpp"
#include "collective.hpp"
#include "dataset_reader.hpp"
#include "layers/fno_model.hpp"
#include "training/loss.hpp"
#include "metrics.hpp"
#include "files/model_file.hpp"
#include "common/mpi_handles.hpp"
#include "split.hpp"
#include "training_record.hpp"

namespace fno::training {

namespace {

// ---- PETSc log events (-log_view) -------------------------------------------------------

struct TrainEvents {
  PetscLogEvent data = 0, step = 0, validate = 0, checkpoint = 0;
};

const TrainEvents& Events() {
  static TrainEvents events = [] {
    TrainEvents e;
    PetscClassId id = 0;
    if (PetscClassIdRegister("FNO training", &id) == 0) {
      (void)PetscLogEventRegister("FnoTrainData", id, &e.data);
      (void)PetscLogEventRegister("FnoTrainStep", id, &e.step);
      (void)PetscLogEventRegister("FnoTrainValid", id, &e.validate);
      (void)PetscLogEventRegister("FnoTrainCkpt", id, &e.checkpoint);
    }
    return e;
  }();
  return events;
}

class EventScope {
 public:
  explicit EventScope(PetscLogEvent event) : event_(event) { (void)PetscLogEventBegin(event_, 0, 0, 0, 0); }
  ~EventScope() { (void)PetscLogEventEnd(event_, 0, 0, 0, 0); }
  EventScope(const EventScope&) = delete;
  EventScope& operator=(const EventScope&) = delete;

 private:
  PetscLogEvent event_;
};

// ---- small helpers ------------------------------------------------------------------------

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// CPU time of this process (the machine may be shared: wall time alone misleads).
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::string Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buffer[64];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  return buffer;
}

std::string GridText(const std::vector<Index>& grid) {
  std::string text;
  for (Index n : grid) { text += text.empty() ? "" : "x"; text += std::to_string(n); }
  return text;
}

// Process grid of a group over the space axes.
std::vector<int> GroupGridDims(const std::vector<int>& requested, int ranks, int space_dims) {
  std::vector<int> dims(static_cast<std::size_t>(space_dims), 0);
  if (requested.empty()) {
    FNO_MPI(MPI_Dims_create(ranks, space_dims, dims.data()));
    return dims;
  }
  long product = 1;
  for (int d : requested) product *= d;
  if (static_cast<int>(requested.size()) != space_dims || product != ranks)
    throw Error("-pgrid needs " + std::to_string(space_dims) + " values whose product is the " + std::to_string(ranks) +
                " rank(s) of a group");
  return requested;
}

FnoConfig MakeConfig(const TrainSettings& s, const DatasetInfo& info, const std::vector<Index>& grid) {
  FnoConfig c;
  c.space_dims = info.space_dims;
  c.grid = grid;
  c.width = s.width;
  c.modes = s.modes;
  if (c.modes.size() == 1) c.modes.assign(grid.size(), s.modes[0]);
  if (c.modes.size() != grid.size())
    throw Error("-modes needs 1 or " + std::to_string(grid.size()) + " values (space axes, then time), got " +
                std::to_string(s.modes.size()));
  c.layers = s.layers;
  c.proj_width = s.proj_width;
  c.in_channels = info.channels();
  c.out_channels = info.outputs();
  c.padding = s.padding;
  return c;
}

// Unit-Gaussian statistics of the training cases: each input channel over every training case
// and grid point (the model sees it broadcast along time, which changes neither mean nor
// standard deviation), each output (v1: the saturation) over every case, point and time. Two
// passes with global double sums over the grid communicator (the formula of
// UnitGaussianNormalizer::fit).
template <class T>
Normalizers<T> FitNormalizers(CaseStore<T>& store, const std::vector<Index>& train, bool streaming, MPI_Comm grid,
                              MPI_Comm world) {
  const DatasetReader& r = store.reader();
  const Index F = r.fields(), K = r.outputs(), P = r.space_points(), nt = r.times();
  std::vector<double> mean(F + K, 0.0), deviation(F + K, 0.0);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> sums(F + K + 1, 0.0);  // channels..., outputs..., local point count
    OnEveryRank(world, [&] {
      for (Index c : train) {
        if (streaming) store.Load({c}, true);
        const T* s = store.Static(c);
        const T* y = store.Target(c);
        for (Index k = 0; k < F + K; ++k) {
          const T* v = k < F ? s + k * P : y + (k - F) * P * nt;
          const Index n = k < F ? P : P * nt;
          double acc = 0;
          for (Index i = 0; i < n; ++i) {
            const double x = static_cast<double>(v[i]);
            acc += pass == 0 ? x : (x - mean[k]) * (x - mean[k]);
          }
          sums[k] += acc;
        }
      }
    });
    sums[F + K] = static_cast<double>(P) * static_cast<double>(train.size());
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM, grid));
    const double count = sums[F + K];
    for (Index k = 0; k < F + K; ++k) {
      const double n = k < F ? count : count * static_cast<double>(nt);
      if (pass == 0)
        mean[k] = sums[k] / n;
      else
        deviation[k] = std::sqrt(sums[k] / n);
    }
  }
  std::vector<T> in_mean(F), in_std(F);
  for (Index k = 0; k < F; ++k) {
    in_mean[k] = static_cast<T>(mean[k]);
    in_std[k] = static_cast<T>(deviation[k]);
  }
  std::vector<T> out_mean(K), out_std(K);
  for (Index k = 0; k < K; ++k) {
    out_mean[k] = static_cast<T>(mean[F + k]);
    out_std[k] = static_cast<T>(deviation[F + k]);
  }
  Normalizers<T> n;
  n.input = UnitGaussianNormalizer<T>(in_mean, in_std);
  n.output = UnitGaussianNormalizer<T>(out_mean, out_std);
  return n;
}

// Every case must have some CO2 somewhere (v2: some non-zero output; its relative L2 error is
// undefined otherwise): one pass over `cases`, sums over the grid communicator. Collective
// over world.
template <class T>
void CheckTargets(CaseStore<T>& store, const std::vector<Index>& cases, bool streaming, MPI_Comm grid, MPI_Comm world,
                  const std::string& path, int schema) {
  const Index n = store.reader().outputs() * store.reader().space_points() * store.reader().times();
  std::vector<double> squares(cases.size(), 0.0);
  OnEveryRank(world, [&] {
    for (std::size_t k = 0; k < cases.size(); ++k) {
      if (streaming) store.Load({cases[k]}, true);
      const T* y = store.Target(cases[k]);
      double s = 0;
      for (Index i = 0; i < n; ++i) s += static_cast<double>(y[i]) * static_cast<double>(y[i]);
      squares[k] = s;
    }
  });
  if (!squares.empty())
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, squares.data(), static_cast<int>(squares.size()), MPI_DOUBLE, MPI_SUM, grid));
  for (std::size_t k = 0; k < cases.size(); ++k)
    if (!(squares[k] > 0) || !std::isfinite(squares[k])) {
      if (schema == 2)
        throw Error("dataset '" + path + "': case " + std::to_string(cases[k]) +
                    (std::isfinite(squares[k]) ? "'s outputs are zero at every point and time (its relative L2 error is "
                                                 "undefined)"
                                               : " holds non-finite outputs") +
                    "; leave it out with -max_cases or record it again");
      throw Error("dataset '" + path + "': case " + std::to_string(cases[k]) +
                  (std::isfinite(squares[k]) ? " has no CO2 at any cell and time (its relative L2 error is undefined)"
                                             : " holds non-finite saturations") +
                  "; leave it out with -max_cases or regenerate it");
    }
}

void WriteHistoryCsv(const std::string& path, const std::vector<HistoryRow>& history) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    if (!out) throw Error("history '" + path + "': cannot write " + temporary);
    out << "epoch,train_loss,val_rel_l2,lr,seconds,data_seconds,cpu_seconds\n";
    char line[256];
    for (const HistoryRow& h : history) {
      std::snprintf(line, sizeof line, "%lld,%.17g,%.17g,%.17g,%.4f,%.4f,%.4f\n", static_cast<long long>(h.epoch),
                    h.train_loss, h.val_rel_l2, h.lr, h.seconds, h.data_seconds, h.cpu_seconds);
      out << line;
    }
    out.flush();
    if (!out) throw Error("history '" + path + "': writing " + temporary + " failed");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw Error("history '" + path + "': renaming " + temporary + " failed (" + ec.message() + ")");
}

// ---- the run ------------------------------------------------------------------------------

template <class T>
void Train(const TrainSettings& s, const TrainingRecord* record, const ModelFileInfo* checkpoint_info, MPI_Comm world,
           const Printer& print) {
  const TrainEvents& events = Events();
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(world, &rank));
  FNO_MPI(MPI_Comm_size(world, &size));
  auto say = [&](const std::string& line) {
    if (rank == 0) print(line);
  };

  // Dataset, sampling, model configuration: the same on every rank (checks throw everywhere).
  const DatasetInfo info = InspectDataset(s.data, world);
  const Sampling sampling = Sampling::Parse(s.subsample, info.space_dims);
  const std::vector<Index> grid = sampling.ModelGrid(info);
  const FnoConfig config = MakeConfig(s, info, grid);
  const ProblemDescription problem = DatasetProblem(info, sampling);
  if (s.groups > size || size % s.groups != 0)
    throw Error("-groups " + std::to_string(s.groups) + " must divide the number of ranks " + std::to_string(size));
  if (checkpoint_info) {
    const FnoConfig& stored = checkpoint_info->config;
    if (stored.grid != config.grid)
      throw Error("-resume: the dataset's grid " + GridText(config.grid) + " (space..., time, after -subsample " +
                  sampling.ToString() + ") does not match the checkpoint's model grid " + GridText(stored.grid));
    if (stored.space_dims != config.space_dims || stored.width != config.width || stored.modes != config.modes ||
        stored.layers != config.layers || stored.proj_width != config.proj_width ||
        stored.in_channels != config.in_channels || stored.out_channels != config.out_channels ||
        stored.padding != config.padding)
      throw Error("-resume: the checkpoint's model configuration differs from the one these options describe");
    if (record->dataset_fingerprint != info.fingerprint())
      throw Error("-resume: dataset '" + s.data + "' is not the one the checkpoint was trained on (fingerprint " +
                  info.fingerprint() + ", the checkpoint's " + record->dataset_fingerprint +
                  "): other cases, seeds, grid or times");
  }

  // The split.
  std::vector<Index> usable = info.done_cases();
  if (usable.empty()) throw Error("dataset '" + s.data + "': no finished case (every /done flag is 0)");
  if (s.max_cases > 0 && static_cast<Index>(usable.size()) > s.max_cases) usable.resize(static_cast<std::size_t>(s.max_cases));
  DataSplit split;
  if (record) {
    split.train = record->train;
    split.val = record->val;
    split.test = record->test;
    if (split.train.empty()) throw Error("-resume: the checkpoint's training split is empty");
  } else {
    split = MakeSplit(usable, s.split, s.split_seed);
  }
  const Index n_train = static_cast<Index>(split.train.size());
  const Index n_val = static_cast<Index>(split.val.size());

  // Ranks: groups × a spatial partition.
  const int ranks_per_group = size / s.groups;
  const int group = rank / ranks_per_group, group_rank = rank % ranks_per_group;
  MPI_Comm split_comm = MPI_COMM_NULL;
  FNO_MPI(MPI_Comm_split(world, group, rank, &split_comm));
  const Comm group_comm = Comm::own(split_comm);
  FNO_MPI(MPI_Comm_split(world, group_rank, group, &split_comm));
  const Comm dp_comm = Comm::own(split_comm);
  const std::vector<int> dims = GroupGridDims(s.pgrid, ranks_per_group, info.space_dims);
  auto process_grid = std::make_shared<const ProcessGrid>(group_comm.get(), dims);
  const Index slots = (s.batch_size + s.groups - 1) / s.groups;  // per group and step
  Fno<T> model(config, process_grid, slots, s.seed);
  if (s.groups > 1) model.set_data_parallel_comm(dp_comm.get());
  const Layout& layout = model.input_layout();
  std::vector<Index> block_start, block_extent;
  for (int a = 0; a < layout.ndim(); ++a) {
    block_start.push_back(layout.start(a));
    block_extent.push_back(layout.local(a));
  }

  // Data: this rank's block of every training and validation case.
  DatasetReader reader(info, world, sampling, block_start, block_extent);
  CaseStore<T> store(reader);
  const Index P = reader.space_points(), nt = reader.times(), F = reader.fields(), K = reader.outputs();
  std::vector<Index> needed = split.train;
  needed.insert(needed.end(), split.val.begin(), split.val.end());
  const double bytes_per_case = static_cast<double>((F * P + K * P * nt) * static_cast<Index>(sizeof(T)));
  double preload_seconds = 0;
  if (s.preload) {
    const double t0 = MPI_Wtime();
    EventScope scope(events.data);
    OnEveryRank(world, [&] { store.Load(needed, false); });
    preload_seconds = MPI_Wtime() - t0;
  }
  CheckTargets(store, needed, !s.preload, group_comm.get(), world, s.data, info.schema);

  // Normalizers, optimizer, schedule, shuffle engine: fresh or from the checkpoint.
  std::vector<Parameter<T>>& params = model.parameters();
  model.zero_grad();
  AdamSettings adam;
  adam.kind = s.optimizer;
  adam.lr = s.lr;
  adam.weight_decay = s.weight_decay;
  AdamOptimizer<T> optimizer(adam, params);
  LrSchedule schedule = s.schedule == ScheduleKind::cosine ? LrSchedule::cosine(std::max<Index>(s.epochs, 1), s.eta_min)
                        : s.schedule == ScheduleKind::step ? LrSchedule::step(s.step_size, s.gamma)
                                                           : LrSchedule::constant();
  Normalizers<T> normalizers;
  std::mt19937_64 rng(s.seed + 1);
  std::int64_t start_epoch = 0;
  std::vector<HistoryRow> history;
  if (record) {
    std::string error;
    try {
      TrainingProgress progress = read_checkpoint(s.checkpoint, group_comm.get(), config, params, &normalizers, optimizer);
      start_epoch = progress.epoch;
      rng = progress.rng;
    } catch (const std::exception& e) {
      error = e.what();
    }
    error = AgreedError(world, error);
    if (!error.empty()) throw Error(error);
    if (!normalizers.input || !normalizers.output) throw Error("-resume: checkpoint '" + s.checkpoint + "' lacks normalizers");
    history = record->history;
    if (static_cast<std::int64_t>(history.size()) > start_epoch) history.resize(static_cast<std::size_t>(start_epoch));
  } else {
    normalizers = FitNormalizers(store, split.train, !s.preload, group_comm.get(), world);
  }
  const UnitGaussianNormalizer<T>& in_norm = *normalizers.input;
  const UnitGaussianNormalizer<T>& out_norm = *normalizers.output;

  TrainingRecord out_record;
  out_record.options = s.recorded;
  out_record.dataset_path = s.data;
  out_record.dataset_fingerprint = info.fingerprint();
  out_record.dataset_cases = info.cases;
  out_record.sampling = sampling.stride;
  out_record.train = split.train;
  out_record.val = split.val;
  out_record.test = split.test;

  Index parameter_count = 0;
  for (const auto& p : params) {
    Index n = 1;
    for (Index e : p.global_shape) n *= e;
    parameter_count += n;
  }
  {
    std::ostringstream os;
    os << "fno-train: " << (record ? "resuming" : "training") << " on '" << s.data << "': " << info.cases << " cases ("
       << usable.size() << " used: " << n_train << " train, " << n_val << " validation, " << split.test.size()
       << " test; split seed " << s.split_seed << ")\n"
       << "fno-train: model grid " << GridText(grid) << " (dataset " << GridText(info.grid) << "x" << info.times.size()
       << ", subsample " << sampling.ToString() << "), width " << config.width << ", modes " << GridText(config.modes)
       << ", " << config.layers << " layers, projection " << config.proj_width << ", padding " << config.padding << ", "
       << parameter_count << " parameters, " << s.precision << "\n"
       << "fno-train: " << size << " rank(s) = " << s.groups << " group(s) x " << ranks_per_group
       << " (process grid " << [&] {
            std::string t;
            for (int d : dims) { t += t.empty() ? "" : "x"; t += std::to_string(d); }
            return t;
          }() << "), batch " << s.batch_size << " (" << slots << " per group), "
       << to_string(s.optimizer) << " lr " << s.lr << " " << to_string(s.schedule) << ", epochs " << start_epoch << " -> "
       << s.epochs << "\n"
       << "fno-train: data " << (s.preload ? "preloaded" : "streamed per batch") << ": "
       << Format("%.1f", bytes_per_case * static_cast<double>(s.preload ? needed.size() : slots) / 1048576.0)
       << " MB on rank 0";
    if (s.preload) os << ", read in " << Format("%.2f", preload_seconds) << " s";
    if (info.schema == 2) {
      // What the dataset (schema v2) says the model maps.
      os << "\nfno-train: inputs ";
      std::string list;
      for (const std::string& f : info.input_fields) list += (list.empty() ? "" : ", ") + f;
      for (const std::string& c : info.initial_inputs) list += (list.empty() ? "" : ", ") + c + " (initial state)";
      os << list << " -> outputs ";
      list.clear();
      for (const std::string& c : info.output_fields) list += (list.empty() ? "" : ", ") + c;
      os << list << " at " << problem.times.size() << " times (" << info.time_units << ")";
    }
    say(os.str());
  }

  // Buffers of one step: [slots][channels][points] input, [slots][outputs][points]
  // target/prediction; the loss is the relative L2 over every output of a case.
  const Index points = P * nt;
  std::vector<T> x, y, out(static_cast<std::size_t>(slots * K * points)), pred(out.size()), grad(out.size());
  RelativeL2Loss<T> loss(FieldBlock{slots, K, points}, group_comm.get());
  // Predictions are clipped to the /problem bounds of each output where finite (v1: [0, 1]).
  auto clip = [&](std::vector<T>& values) {
    for (Index k = 0; k < K; ++k) {
      const ProblemOutput& o = problem.outputs[static_cast<std::size_t>(k)];
      const T lo = std::isfinite(o.min) ? static_cast<T>(o.min) : -std::numeric_limits<T>::infinity();
      const T hi = std::isfinite(o.max) ? static_cast<T>(o.max) : std::numeric_limits<T>::infinity();
      for (Index j = 0; j < slots; ++j) {
        T* v = values.data() + (j * K + k) * points;
        for (Index i = 0; i < points; ++i) v[i] = std::clamp(v[i], lo, hi);
      }
    }
  };
  const Index global_batch = s.batch_size;
  // The cases of this group's slots in global batch [first, first + count) of `order`.
  auto slot_cases = [&](const std::vector<Index>& order, Index first, Index count) {
    std::vector<Index> cases(static_cast<std::size_t>(slots), -1);
    for (Index j = 0; j < slots; ++j) {
      const Index g = group * slots + j;
      if (g < count) cases[static_cast<std::size_t>(j)] = order[static_cast<std::size_t>(first + g)];
    }
    return cases;
  };
  auto fetch = [&](const std::vector<Index>& cases, double& data_seconds) {
    const double t0 = MPI_Wtime();
    EventScope scope(events.data);
    if (!s.preload) OnEveryRank(world, [&] { store.Load(cases, true); });
    AssembleBatch(store, cases, in_norm, x, y);
    data_seconds += MPI_Wtime() - t0;
  };

  // Mean relative L2 of decoded, clipped predictions over `cases` (all groups). Collective.
  auto evaluate = [&](const std::vector<Index>& cases, double& data_seconds) {
    EventScope scope(events.validate);
    double sum = 0;
    const auto n = static_cast<Index>(cases.size());
    for (Index first = 0; first < n; first += global_batch) {
      const Index count = std::min(global_batch, n - first);
      const std::vector<Index> mine = slot_cases(cases, first, count);
      fetch(mine, data_seconds);
      model.forward(x.data(), out.data(), false);
      out_norm.decode(out, pred, slots, points);
      clip(pred);
      const std::vector<CaseMetrics> m =
          ComputeMetrics(pred.data(), y.data(), slots, K * P, nt, kPlumeThreshold, group_comm.get());
      for (Index j = 0; j < slots; ++j)
        if (mine[static_cast<std::size_t>(j)] >= 0) sum += m[static_cast<std::size_t>(j)].rel_l2;
    }
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, dp_comm.get()));
    return n > 0 ? sum / static_cast<double>(n) : std::nan("");
  };

  auto write_checkpoint_now = [&](std::int64_t epochs_done) {
    EventScope scope(events.checkpoint);
    out_record.history = history;
    TrainingProgress progress;
    progress.epoch = epochs_done;
    progress.schedule = schedule;
    progress.rng = rng;
    ModelWriteOptions options;
    options.problem = problem;
    WriteModelWithRecord(world, group == 0 ? group_comm.get() : MPI_COMM_NULL, s.checkpoint, out_record,
                         [&](const std::string& stage) {
                           write_checkpoint(stage, group_comm.get(), config, params, normalizers, optimizer, progress,
                                            options);
                         });
  };

  // The final model's form (float32, normalizers, /problem, /training), for -model_out and -best_model.
  auto write_final_model = [&](const std::string& path) {
    EventScope scope(events.checkpoint);
    out_record.history = history;
    ModelWriteOptions options;
    options.precision = StoredPrecision::float32;
    options.problem = problem;
    WriteModelWithRecord(world, group == 0 ? group_comm.get() : MPI_COMM_NULL, path, out_record,
                         [&](const std::string& stage) {
                           write_model(stage, group_comm.get(), config, params, normalizers, options);
                         });
  };
  // Lowest validation error so far (a resumed run continues the comparison from its history).
  double best_val = INFINITY;
  for (const HistoryRow& h : history)
    if (std::isfinite(h.val_rel_l2)) best_val = std::min(best_val, h.val_rel_l2);

  double run_seconds = 0;
  std::int64_t run_epochs = 0;
  for (std::int64_t epoch = start_epoch; epoch < s.epochs; ++epoch) {
    const double epoch_start = MPI_Wtime(), cpu_start = CpuSeconds();
    double data_seconds = 0;
    const double lr = schedule.lr_at(s.lr, epoch);
    optimizer.set_lr(lr);
    std::vector<Index> order = split.train;
    Shuffle(order, rng);
    double loss_sum = 0;
    for (Index first = 0; first < n_train; first += global_batch) {
      const Index count = std::min(global_batch, n_train - first);
      const std::vector<Index> mine = slot_cases(order, first, count);
      fetch(mine, data_seconds);
      EventScope scope(events.step);
      // Forward and loss involve only this group's ranks: agree on their outcome before the
      // backward's reduction across groups, so an error stops every rank instead of leaving
      // the other groups waiting.
      OnEveryRank(world, [&] {
        model.forward(x.data(), out.data(), true);
        out_norm.decode(out, pred, slots, points);
        (void)loss.forward(pred, y);
      });
      for (Index j = 0; j < slots; ++j)
        if (mine[static_cast<std::size_t>(j)] >= 0) loss_sum += loss.per_sample()[static_cast<std::size_t>(j)];
      // d(mean over the global batch's `count` cases)/d pred; placeholders contribute nothing.
      loss.backward(pred, y, static_cast<T>(static_cast<double>(slots) / static_cast<double>(count)), grad);
      for (Index j = 0; j < slots; ++j)
        if (mine[static_cast<std::size_t>(j)] < 0)
          std::fill(grad.begin() + j * K * points, grad.begin() + (j + 1) * K * points, T(0));
      out_norm.decode_backward(grad, grad, slots, points);
      model.zero_grad();
      model.backward(grad.data(), nullptr);
      if (s.clip_grad_norm > 0) (void)clip_grad_norm(params, s.clip_grad_norm, group_comm.get());
      optimizer.step(params);
    }
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &loss_sum, 1, MPI_DOUBLE, MPI_SUM, dp_comm.get()));
    HistoryRow row;
    row.epoch = epoch + 1;
    row.train_loss = loss_sum / static_cast<double>(n_train);
    row.val_rel_l2 = evaluate(split.val, data_seconds);
    row.lr = lr;
    // Rank 0's times are the ones recorded (every rank waited in the same collectives).
    row.seconds = MPI_Wtime() - epoch_start;
    row.data_seconds = data_seconds;
    row.cpu_seconds = CpuSeconds() - cpu_start;
    history.push_back(row);
    const double checkpoint_start = MPI_Wtime();
    const bool stop = s.stop_after > 0 && epoch + 1 >= s.stop_after;  // a time-boxed run ends here
    const bool last = epoch + 1 == s.epochs || stop;
    // The best model before the checkpoint: a run killed between the two redoes this epoch
    // after -resume and writes the same best model again.
    bool improved = false;
    if (!s.best_model.empty() && n_val > 0 && row.val_rel_l2 < best_val) {
      best_val = row.val_rel_l2;
      write_final_model(s.best_model);  // its /training history ends at this epoch
      improved = true;
    }
    if ((epoch + 1) % s.checkpoint_every == 0 || last) write_checkpoint_now(epoch + 1);
    OnEveryRank(world, [&] {
      if (rank == 0) WriteHistoryCsv(s.history, history);
    });
    const double checkpoint_seconds = MPI_Wtime() - checkpoint_start;
    run_seconds += MPI_Wtime() - epoch_start;
    ++run_epochs;
    const double per_epoch = run_seconds / static_cast<double>(run_epochs);
    std::ostringstream os;
    os << "fno-train: epoch " << epoch + 1 << "/" << s.epochs << "  train " << Format("%.6f", row.train_loss)
       << "  val_rel_l2 " << (n_val > 0 ? Format("%.6f", row.val_rel_l2) : std::string("-")) << "  lr "
       << Format("%.3e", lr) << "  " << Format("%.2f", row.seconds) << " s/epoch (cpu " << Format("%.2f", row.cpu_seconds)
       << " s; data " << Format("%.3f", data_seconds)
       << " s = " << Format("%.1f", 100.0 * data_seconds / std::max(row.seconds, 1e-12)) << "%; checkpoint "
       << Format("%.2f", checkpoint_seconds) << " s)  ETA "
       << Duration(per_epoch * static_cast<double>(s.epochs - epoch - 1)) << (improved ? "  (best so far)" : "");
    say(os.str());
    if (stop) {
      if (epoch + 1 < s.epochs)
        say("fno-train: stopping after epoch " + std::to_string(epoch + 1) + " (-stop_after); -resume continues to epoch " +
            std::to_string(s.epochs));
      break;
    }
  }
  if (run_epochs == 0) {
    // Nothing trained in this run (-epochs 0, or a finished checkpoint): still leave a
    // checkpoint and a history for -resume with more epochs.
    write_checkpoint_now(start_epoch);
    OnEveryRank(world, [&] {
      if (rank == 0) WriteHistoryCsv(s.history, history);
    });
  }

  // The final model: float32 parameters, normalizers, /problem, /training.
  write_final_model(s.model_out);
  reader.Close();
  std::ostringstream os;
  os << "fno-train: wrote " << s.model_out << " (checkpoint " << s.checkpoint << ", history " << s.history << ")";
  if (!history.empty())
    os << "; last epoch: train " << Format("%.6f", history.back().train_loss) << ", val_rel_l2 "
       << (n_val > 0 ? Format("%.6f", history.back().val_rel_l2) : std::string("-"));
  say(os.str());
}

}  // namespace

void RunTraining(const OptionValues& options, bool resume, MPI_Comm world, const Printer& print) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(world, &rank));
  TrainSettings settings = ResolveTrainSettings(options, resume, nullptr);
  TrainingRecord record;
  ModelFileInfo info;
  if (resume) {
    OnEveryRank(world, [&] {
      std::error_code ec;
      if (rank == 0 && !std::filesystem::exists(settings.checkpoint, ec))
        throw Error("-resume: checkpoint '" + settings.checkpoint +
                    "' does not exist (nothing to resume; run without -resume to start training)");
    });
    info = read_model_info(settings.checkpoint, world);
    if (!info.has_checkpoint)
      throw Error("-resume: '" + settings.checkpoint + "' is a model file without optimizer state, not a checkpoint");
    record = ReadTrainingRecord(settings.checkpoint, world);
    settings = ResolveTrainSettings(options, resume, &record);
  }
  if (settings.precision == "double")
    Train<double>(settings, resume ? &record : nullptr, resume ? &info : nullptr, world, print);
  else
    Train<float>(settings, resume ? &record : nullptr, resume ? &info : nullptr, world, print);
}

}  // namespace fno::training
