#include "evaluator.hpp"

#include <petsclog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "case_store.hpp"
#include "collective.hpp"
#include "dataset_reader.hpp"
#include "layers/fno_model.hpp"
#include "hdf5_io.hpp"
#include "metrics.hpp"
#include "files/model_file.hpp"
#include "png_image.hpp"
#include "training_record.hpp"

namespace fno::training {

namespace {

std::string GridText(const std::vector<Index>& grid) {
  std::string text;
  for (Index n : grid) {
    text += text.empty() ? "" : "x";
    text += std::to_string(n);
  }
  return text;
}

std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

std::string Fixed(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", v);
  return buffer;
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

PetscLogEvent PredictEvent() {
  static PetscLogEvent event = [] {
    PetscLogEvent e = 0;
    PetscClassId id = 0;
    if (PetscClassIdRegister("FNO evaluation", &id) == 0) (void)PetscLogEventRegister("FnoEvalPredict", id, &e);
    return e;
  }();
  return event;
}

// What the strip shows of one case, on rank 0: field 0 and the truth, prediction at a few times,
// each [j][i] with i along model axis 0 (DMDA x) and j along axis 1 (depth in a slice).
struct Panel {
  Index dataset_case = 0;
  std::vector<double> field;
  std::vector<std::vector<double>> truth, prediction;
  double rel_l2 = 0, iou = 0;
};

// Gathers one case's panel data to rank 0. Axis 2 of a 3D grid is cut in its middle.
Panel GatherPanel(const Layout& layout, const ProcessGrid& grid, const float* field, const float* truth,
                  const float* prediction, const std::vector<Index>& times, MPI_Comm comm) {
  const int S = layout.ndim() - 1;
  const Index P = layout.local_count() / layout.lead() / layout.local(S), nt = layout.local(S);
  const auto T = static_cast<Index>(times.size());
  std::vector<double> mine(static_cast<std::size_t>((1 + 2 * T) * P));
  for (Index p = 0; p < P; ++p) {
    mine[static_cast<std::size_t>(p)] = field[p];
    for (Index k = 0; k < T; ++k) {
      mine[static_cast<std::size_t>((1 + k) * P + p)] = truth[p * nt + times[static_cast<std::size_t>(k)]];
      mine[static_cast<std::size_t>((1 + T + k) * P + p)] = prediction[p * nt + times[static_cast<std::size_t>(k)]];
    }
  }
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  FNO_MPI(MPI_Comm_size(comm, &size));
  std::vector<int> counts(static_cast<std::size_t>(size)), displacements(static_cast<std::size_t>(size), 0);
  const int my_count = static_cast<int>(mine.size());
  FNO_MPI(MPI_Gather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::vector<double> all;
  if (rank == 0) {
    for (int r = 1; r < size; ++r) displacements[r] = displacements[r - 1] + counts[r - 1];
    all.resize(static_cast<std::size_t>(displacements.back() + counts.back()));
  }
  FNO_MPI(MPI_Gatherv(mine.data(), my_count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0,
                      comm));
  Panel panel;
  if (rank != 0) return panel;
  const Index nx = layout.global(0), ny = S > 1 ? layout.global(1) : 1;
  const Index cut = S > 2 ? layout.global(2) / 2 : 0;
  panel.field.assign(static_cast<std::size_t>(nx * ny), std::nan(""));
  panel.truth.assign(static_cast<std::size_t>(T), panel.field);
  panel.prediction = panel.truth;
  std::vector<Index> start(3, 0), extent(3, 1), idx(3, 0);
  for (int r = 0; r < size; ++r) {
    const std::vector<int> c = grid.coords_of(r);
    Index points = 1;
    for (int a = 0; a < S; ++a) {
      start[a] = layout.start_on(a, c);
      extent[a] = layout.local_on(a, c);
      points *= extent[a];
    }
    const double* block = all.data() + displacements[r];
    std::fill(idx.begin(), idx.end(), 0);
    for (Index p = 0; p < points; ++p) {
      const Index i = start[0] + idx[0], j = S > 1 ? start[1] + idx[1] : 0;
      if (S < 3 || start[2] + idx[2] == cut) {
        const auto at = static_cast<std::size_t>(j * nx + i);
        panel.field[at] = block[p];
        for (Index k = 0; k < T; ++k) {
          panel.truth[static_cast<std::size_t>(k)][at] = block[(1 + k) * points + p];
          panel.prediction[static_cast<std::size_t>(k)][at] = block[(1 + T + k) * points + p];
        }
      }
      for (int a = S - 1; a >= 0; --a) {
        if (++idx[a] < extent[a]) break;
        idx[a] = 0;
      }
    }
  }
  return panel;
}

// How the strip draws the output: v1 saturation in [0, 1] with times in days and the plume
// IoU; v2 the first output over the range of the values shown, times in the host's units.
struct StripStyle {
  std::string output = "saturation";
  bool saturation = true;
  std::string time_units = "d";
};

void DrawStrip(const std::string& path, const std::vector<Panel>& panels, const std::vector<double>& times_days,
               Index nx, Index ny, const std::string& field_name, const std::string& title, const StripStyle& style) {
  const int scale = static_cast<int>(std::max<Index>(1, 192 / std::max(nx, ny)));
  const int pw = static_cast<int>(nx) * scale, ph = static_cast<int>(ny) * scale;
  const int T = static_cast<int>(times_days.size());
  const int margin = 12, gap = 10, caption = Image::TextHeight() + 5, header = 2 * Image::TextHeight(2) + 10;
  const int case_height = Image::TextHeight(2) + 8 + 3 * (caption + ph + gap);
  const int width = margin * 2 + (T + 1) * (pw + gap);
  const int height = header + static_cast<int>(panels.size()) * (case_height + gap) + 70;
  Image image(std::max({width, 640, 2 * margin + Image::TextWidth(title, 2)}), height);
  image.DrawText(margin, margin, title, 2);
  double lo = INFINITY, hi = -INFINITY, worst = 0;
  for (const Panel& p : panels) {
    for (double v : p.field)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    for (int k = 0; k < T; ++k)
      for (std::size_t i = 0; i < p.field.size(); ++i) worst = std::max(worst, std::fabs(p.prediction[k][i] - p.truth[k][i]));
  }
  if (!(hi > lo)) hi = lo + 1;
  // Output colour range: [0, 1] for a saturation, else the values shown.
  double out_lo = 0, out_hi = 1;
  if (!style.saturation) {
    out_lo = INFINITY;
    out_hi = -INFINITY;
    for (const Panel& p : panels)
      for (const auto* rows : {&p.truth, &p.prediction})
        for (const auto& row : *rows)
          for (double v : row)
            if (std::isfinite(v)) {
              out_lo = std::min(out_lo, v);
              out_hi = std::max(out_hi, v);
            }
    if (!(out_hi > out_lo)) out_hi = out_lo + 1;
  }
  // Error colour range: the largest error shown, at least 0.05 (v2: 1% of the output range),
  // rounded up to that step.
  const double step = style.saturation ? 0.05 : 0.01 * (out_hi - out_lo);
  const double error_range = std::max(step, std::ceil(worst / step) * step);
  const ColorMap saturation = ColorMap::Saturation(), sequential = ColorMap::Sequential(), diverging = ColorMap::Diverging();
  auto text_of = [](const char* format, double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, v);
    return std::string(buffer);
  };
  int y = header;
  for (const Panel& p : panels) {
    image.DrawText(margin, y, "case " + std::to_string(p.dataset_case) + "   rel l2 " + text_of("%.3f", p.rel_l2) +
                                  (style.saturation ? "   plume iou " + text_of("%.3f", p.iou) : std::string()),
                   2, {20, 20, 20});
    const int top = y + Image::TextHeight(2) + 8;
    const char* rows[] = {"truth", "prediction", "error"};
    for (int row = 0; row < 3; ++row) {
      const int ry = top + row * (caption + ph + gap);
      if (row == 0) {
        image.DrawText(margin, ry, field_name);
        image.DrawField(margin, ry + caption, p.field, static_cast<int>(nx), static_cast<int>(ny), scale, lo, hi, sequential);
        image.Frame(margin - 1, ry + caption - 1, pw + 2, ph + 2, {90, 90, 90});
      }
      for (int k = 0; k < T; ++k) {
        const int x = margin + (k + 1) * (pw + gap);
        image.DrawText(x, ry, std::string(rows[row]) + " t=" +
                                  (style.saturation ? text_of("%.0f", times_days[k]) + " d"
                                                    : text_of("%g", times_days[k]) + " " + style.time_units));
        if (row < 2) {
          image.DrawField(x, ry + caption, row == 0 ? p.truth[k] : p.prediction[k], static_cast<int>(nx),
                          static_cast<int>(ny), scale, out_lo, out_hi, style.saturation ? saturation : sequential);
        } else {
          std::vector<double> error(p.field.size());
          for (std::size_t i = 0; i < error.size(); ++i) error[i] = p.prediction[k][i] - p.truth[k][i];
          image.DrawField(x, ry + caption, error, static_cast<int>(nx), static_cast<int>(ny), scale, -error_range,
                          error_range, diverging);
        }
        image.Frame(x - 1, ry + caption - 1, pw + 2, ph + 2, {90, 90, 90});
      }
    }
    y += case_height + gap;
  }
  const int bar = 180;
  image.ColorBar(margin, y, bar, 12, sequential, text_of("%.2f", lo), text_of("%.2f", hi), field_name);
  if (style.saturation)
    image.ColorBar(margin + bar + 40, y, bar, 12, saturation, "0", "1", "saturation");
  else
    image.ColorBar(margin + bar + 40, y, bar, 12, sequential, text_of("%.3g", out_lo), text_of("%.3g", out_hi),
                   style.output);
  image.ColorBar(margin + 2 * (bar + 40), y, bar, 12, diverging, text_of("-%.3g", error_range),
                 text_of("+%.3g", error_range), "prediction - truth");
  image.WritePng(path);
}

}  // namespace

std::vector<Index> ParseCaseList(const std::string& text, Index cases, const std::vector<std::int8_t>& done) {
  std::vector<Index> list;
  if (text == "all") {
    for (Index c = 0; c < cases; ++c)
      if (done[static_cast<std::size_t>(c)] == 1) list.push_back(c);
    return list;
  }
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    long long a = 0, b = 0;
    char dash = 0, extra = 0;
    std::istringstream one(item);
    bool ok = false;
    if (item.find('-') != std::string::npos) {
      ok = static_cast<bool>(one >> a >> dash >> b) && dash == '-' && !(one >> extra) && a <= b;
    } else {
      ok = static_cast<bool>(one >> a) && !(one >> extra);
      b = a;
    }
    if (!ok) throw Error("-cases expects all, test, val, train or a list such as 0,3,7-9; got '" + text + "'");
    for (long long c = a; c <= b; ++c) {
      if (c < 0 || c >= cases)
        throw Error("-cases: case " + std::to_string(c) + " is outside the dataset's 0.." + std::to_string(cases - 1));
      if (done[static_cast<std::size_t>(c)] != 1)
        throw Error("-cases: case " + std::to_string(c) + " is not finished in the dataset (its /done flag is 0)");
      list.push_back(c);
    }
  }
  return list;
}

std::string RunEvaluation(const EvalSettings& s, MPI_Comm world) {
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(world, &rank));
  FNO_MPI(MPI_Comm_size(world, &size));
  if (s.model.empty()) throw Error("option -model FILE.h5 is required");
  if (s.data.empty()) throw Error("option -data FILE.h5 is required");
  if (s.batch_size < 1) throw Error("-batch_size must be >= 1");
  if (s.prediction != "model" && s.prediction != "truth" && s.prediction != "zero")
    throw Error("-prediction expects model, truth or zero, got '" + s.prediction + "'");
  const ModelFileInfo model_info = read_model_info(s.model, world);
  const FnoConfig& config = model_info.config;
  const DatasetInfo info = InspectDataset(s.data, world);
  const bool has_record = HasTrainingRecord(s.model, world);
  TrainingRecord record;
  if (has_record) record = ReadTrainingRecord(s.model, world);
  const int S = info.space_dims;
  if (config.space_dims != S)
    throw Error("dataset '" + s.data + "' has " + std::to_string(S) + " space axes but model '" + s.model + "' has " +
                std::to_string(config.space_dims));
  const Sampling sampling = has_record && static_cast<int>(record.sampling.size()) == S + 1 ? Sampling{record.sampling}
                                                                                          : Sampling::None(S);
  const std::vector<Index> grid = sampling.ModelGrid(info);
  if (grid != config.grid)
    throw Error("dataset '" + s.data + "' has the grid " + GridText(grid) + " (space..., time; subsample " +
                sampling.ToString() + ") but model '" + s.model + "' was built for " + GridText(config.grid));
  const std::vector<std::string> channel_names = info.channel_names();
  if (config.in_channels != info.channels() || config.out_channels != info.outputs())
    throw Error("model '" + s.model + "' maps " + std::to_string(config.in_channels) + " input channel(s) to " +
                std::to_string(config.out_channels) + " output(s); dataset '" + s.data + "' has " +
                std::to_string(info.channels()) + " input channel(s) and " + std::to_string(info.outputs()) +
                " output(s)");
  if (model_info.problem) {
    for (std::size_t k = 0; k < channel_names.size(); ++k)
      if (model_info.problem->inputs[k].name != channel_names[k])
        throw Error("model '" + s.model + "' expects input " + std::to_string(k) + " '" +
                    model_info.problem->inputs[k].name + "' but dataset '" + s.data + "' has '" + channel_names[k] +
                    "'");
    for (std::size_t k = 0; k < info.output_fields.size(); ++k)
      if (model_info.problem->outputs[k].name != info.output_fields[k])
        throw Error("model '" + s.model + "' predicts output " + std::to_string(k) + " '" +
                    model_info.problem->outputs[k].name + "' but dataset '" + s.data + "' has '" +
                    info.output_fields[k] + "'");
  }

  std::vector<Index> cases;
  if (s.cases == "test" || s.cases == "val" || s.cases == "train") {
    if (!has_record) throw Error("-cases " + s.cases + ": model '" + s.model + "' has no /training record with a split");
    if (record.dataset_fingerprint != info.fingerprint())
      throw Error("-cases " + s.cases + ": model '" + s.model + "' was split on another dataset (fingerprint " +
                  record.dataset_fingerprint + ", '" + s.data + "' has " + info.fingerprint() + ")");
    cases = s.cases == "test" ? record.test : s.cases == "val" ? record.val : record.train;
  } else {
    cases = ParseCaseList(s.cases, info.cases, info.done);
  }
  if (cases.empty()) throw Error("-cases " + s.cases + ": no case to evaluate");

  // The model on every rank (one spatial partition), as the plugin runs it.
  std::vector<int> dims(static_cast<std::size_t>(S), 0);
  if (s.pgrid.empty()) {
    FNO_MPI(MPI_Dims_create(size, S, dims.data()));
  } else {
    long product = 1;
    for (int d : s.pgrid) product *= d;
    if (static_cast<int>(s.pgrid.size()) != S || product != size)
      throw Error("-pgrid needs " + std::to_string(S) + " values whose product is the number of ranks " +
                  std::to_string(size));
    dims = s.pgrid;
  }
  auto process_grid = std::make_shared<const ProcessGrid>(world, dims);
  const Index B = s.batch_size;
  Fno<float> model(config, process_grid, B, 0);
  Normalizers<float> normalizers;
  read_model(s.model, world, config, model.parameters(), &normalizers);
  const Layout& layout = model.input_layout();
  std::vector<Index> block_start, block_extent;
  for (int a = 0; a < layout.ndim(); ++a) {
    block_start.push_back(layout.start(a));
    block_extent.push_back(layout.local(a));
  }
  DatasetReader reader(info, world, sampling, block_start, block_extent);
  CaseStore<float> store(reader);
  const Index P = reader.space_points(), nt = reader.times(), F = reader.fields(), K = reader.outputs(), points = P * nt;
  const UnitGaussianNormalizer<float> identity_in(std::vector<float>(static_cast<std::size_t>(F), 0.f),
                                                  std::vector<float>(static_cast<std::size_t>(F), 1.f), 0.0);
  const UnitGaussianNormalizer<float>& in_norm = normalizers.input ? *normalizers.input : identity_in;
  // Clipping bounds per output (/problem's where finite).
  std::vector<double> lo(static_cast<std::size_t>(K), -INFINITY), hi(static_cast<std::size_t>(K), INFINITY);
  if (model_info.problem)
    for (std::size_t k = 0; k < lo.size(); ++k) {
      if (std::isfinite(model_info.problem->outputs[k].min)) lo[k] = model_info.problem->outputs[k].min;
      if (std::isfinite(model_info.problem->outputs[k].max)) hi[k] = model_info.problem->outputs[k].max;
    }
  // Plume metrics only for a saturation output (v1 datasets).
  const auto saturation_at = std::find(info.output_fields.begin(), info.output_fields.end(), "saturation");
  const bool plume = saturation_at != info.output_fields.end();
  const Index plume_output = plume ? saturation_at - info.output_fields.begin() : 0;

  // Predictions file (optional): v1 [case][time][grid reversed], v2 [case][time][output][grid
  // reversed] at the model's grid.
  const std::string predictions_stage = s.save_predictions + ".tmp";
  fno::sim::H5Id predictions_file, predictions;
  if (!s.save_predictions.empty()) {
    OnEveryRank(world, [&] {
      std::error_code ec;
      if (rank == 0) std::filesystem::remove(predictions_stage, ec);
    });
    std::string error;
    try {
      fno::sim::H5QuietErrors quiet;
      predictions_file = fno::sim::CreateParallelFile(world, predictions_stage);
      std::vector<hsize_t> dims_file{static_cast<hsize_t>(cases.size()), static_cast<hsize_t>(nt)};
      if (info.schema == 2) dims_file.push_back(static_cast<hsize_t>(K));
      for (int a = S - 1; a >= 0; --a) dims_file.push_back(static_cast<hsize_t>(grid[a]));
      {
        // Contiguous, allocated at creation: every rank writes its blocks independently.
        fno::sim::H5Id space = fno::sim::H5Space(H5Screate_simple(static_cast<int>(dims_file.size()), dims_file.data(), nullptr));
        space.Check("create the dataspace of /prediction");
        fno::sim::H5Id create = fno::sim::H5Plist(H5Pcreate(H5P_DATASET_CREATE));
        fno::sim::H5Require(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "set early allocation");
        predictions = fno::sim::H5Dataset(H5Dcreate2(predictions_file.get(), "prediction", H5T_IEEE_F64LE, space.get(),
                                                     H5P_DEFAULT, create.get(), H5P_DEFAULT));
        predictions.Check("create /prediction");
      }
      fno::sim::WriteStringAttribute(predictions_file.get(), "model", s.model);
      fno::sim::WriteStringAttribute(predictions_file.get(), "data", s.data);
      if (info.schema == 2) {
        std::string outputs;
        for (const std::string& o : info.output_fields) outputs += (outputs.empty() ? "" : ",") + o;
        fno::sim::WriteStringAttribute(predictions_file.get(), "layout", "prediction [case][time][output][grid], grid = DMDA axes reversed; cases: dataset indices");
        fno::sim::WriteStringAttribute(predictions_file.get(), "outputs", outputs);
      } else {
        fno::sim::WriteStringAttribute(predictions_file.get(), "layout", "prediction [case][time][grid], grid = DMDA axes reversed; cases: dataset indices");
      }
      fno::sim::H5Id case_set = fno::sim::CreateDoubleDataset(predictions_file.get(), "cases", {cases.size()});
      std::vector<double> as_double(cases.begin(), cases.end());
      fno::sim::WriteDoubleHyperslab(case_set.get(), {0}, {rank == 0 ? cases.size() : 0}, as_double.data(), true);
    } catch (const std::exception& e) {
      error = "-save_predictions '" + s.save_predictions + "': " + e.what();
    }
    error = AgreedError(world, error);
    if (!error.empty()) throw Error(error);
  }

  const Index png_cases = s.png.empty() ? 0 : std::min<Index>(s.png_cases, static_cast<Index>(cases.size()));
  std::vector<Index> png_times;
  for (double f : {1.0 / 3.0, 2.0 / 3.0, 1.0}) {
    const Index t = std::clamp<Index>(static_cast<Index>(std::lround(f * static_cast<double>(nt - 1))), 0, nt - 1);
    if (png_times.empty() || png_times.back() != t) png_times.push_back(t);
  }
  std::vector<Panel> panels;

  std::vector<CaseMetrics> metrics, plume_metrics;
  std::vector<std::vector<double>> by_output(static_cast<std::size_t>(K));  // rel L2 per output and case
  std::vector<float> x, y, out(static_cast<std::size_t>(B * K * points)), pred(out.size());
  std::vector<float> pred_k(static_cast<std::size_t>(B * points)), y_k(pred_k.size());
  // Output k of every slot: [B][K][points] -> [B][points].
  auto output_of = [&](const std::vector<float>& from, Index k, std::vector<float>& to) {
    for (Index j = 0; j < B; ++j)
      std::copy(from.begin() + (j * K + k) * points, from.begin() + (j * K + k + 1) * points, to.begin() + j * points);
  };
  double predict_seconds = 0;
  const auto n = static_cast<Index>(cases.size());
  for (Index first = 0; first < n; first += B) {
    std::vector<Index> batch(static_cast<std::size_t>(B), -1);
    for (Index j = 0; j < B && first + j < n; ++j) batch[static_cast<std::size_t>(j)] = cases[static_cast<std::size_t>(first + j)];
    OnEveryRank(world, [&] { store.Load(batch, true); });
    AssembleBatch(store, batch, in_norm, x, y);
    FNO_MPI(MPI_Barrier(world));
    const double t0 = MPI_Wtime();
    {
      (void)PetscLogEventBegin(PredictEvent(), 0, 0, 0, 0);
      if (s.prediction == "model") {
        model.forward(x.data(), out.data(), false);
        if (normalizers.output)
          normalizers.output->decode(out, pred, B, points);
        else
          pred = out;
        for (Index j = 0; j < B; ++j)
          for (Index k = 0; k < K; ++k) {
            float* v = pred.data() + (j * K + k) * points;
            const auto b = static_cast<std::size_t>(k);
            for (Index i = 0; i < points; ++i) v[i] = static_cast<float>(std::clamp<double>(v[i], lo[b], hi[b]));
          }
      } else if (s.prediction == "truth") {
        pred = y;
      } else {
        std::fill(pred.begin(), pred.end(), 0.f);
      }
      (void)PetscLogEventEnd(PredictEvent(), 0, 0, 0, 0);
    }
    FNO_MPI(MPI_Barrier(world));
    predict_seconds += MPI_Wtime() - t0;
    // rel L2 over every output of a case; per output; plume metrics of the saturation.
    const std::vector<CaseMetrics> m = ComputeMetrics(pred.data(), y.data(), B, K * P, nt, kPlumeThreshold, world);
    std::vector<CaseMetrics> plume_m;
    for (Index k = 0; k < K; ++k) {
      const float* pk = pred.data();
      const float* yk = y.data();
      if (K > 1) {
        output_of(pred, k, pred_k);
        output_of(y, k, y_k);
        pk = pred_k.data();
        yk = y_k.data();
      }
      const std::vector<CaseMetrics> mk = K > 1 ? ComputeMetrics(pk, yk, B, P, nt, kPlumeThreshold, world) : m;
      for (Index j = 0; j < B && first + j < n; ++j) by_output[static_cast<std::size_t>(k)].push_back(mk[static_cast<std::size_t>(j)].rel_l2);
      if (plume && k == plume_output) plume_m = mk;
    }
    for (Index j = 0; j < B && first + j < n; ++j) {
      metrics.push_back(m[static_cast<std::size_t>(j)]);
      if (plume) plume_metrics.push_back(plume_m[static_cast<std::size_t>(j)]);
      const Index q = first + j;
      if (q < png_cases) {
        // The first input channel; truth and prediction of the first output.
        Panel panel = GatherPanel(layout, *process_grid, store.Static(batch[static_cast<std::size_t>(j)]),
                                  y.data() + j * K * points, pred.data() + j * K * points, png_times, world);
        panel.dataset_case = batch[static_cast<std::size_t>(j)];
        panel.rel_l2 = m[static_cast<std::size_t>(j)].rel_l2;
        panel.iou = plume ? plume_m[static_cast<std::size_t>(j)].iou : std::nan("");
        panels.push_back(std::move(panel));
      }
      if (predictions.valid()) {
        // Model order [k][p][t] -> file order [t]([k])[space reversed] of this rank's block.
        std::vector<double> block(static_cast<std::size_t>(K * points));
        std::vector<Index> idx(S, 0);
        for (Index p = 0; p < P; ++p) {
          Index file_index = 0;
          for (int a = S - 1; a >= 0; --a) file_index = file_index * block_extent[a] + idx[a];
          for (Index k = 0; k < K; ++k)
            for (Index t = 0; t < nt; ++t)
              block[static_cast<std::size_t>((t * K + k) * P + file_index)] =
                  pred[static_cast<std::size_t>((j * K + k) * points + p * nt + t)];
          for (int a = S - 1; a >= 0; --a) {
            if (++idx[a] < block_extent[a]) break;
            idx[a] = 0;
          }
        }
        std::vector<hsize_t> start{static_cast<hsize_t>(q), 0}, count{1, static_cast<hsize_t>(nt)};
        if (info.schema == 2) {
          start.push_back(0);
          count.push_back(static_cast<hsize_t>(K));
        }
        for (int a = S - 1; a >= 0; --a) {
          start.push_back(static_cast<hsize_t>(block_start[a]));
          count.push_back(static_cast<hsize_t>(block_extent[a]));
        }
        OnEveryRank(world, [&] {
          fno::sim::H5QuietErrors quiet;
          fno::sim::WriteDoubleHyperslab(predictions.get(), start, count, block.data(), false);
        });
      }
    }
  }
  reader.Close();
  if (predictions_file.valid()) {
    predictions.Reset();
    predictions_file.Reset();  // collective close
    OnEveryRank(world, [&] {
      std::error_code ec;
      if (rank == 0) std::filesystem::rename(predictions_stage, s.save_predictions, ec);
      if (ec) throw Error("-save_predictions: renaming " + predictions_stage + " failed (" + ec.message() + ")");
    });
  }

  std::vector<double> rel, iou, volume;
  for (const CaseMetrics& m : metrics) rel.push_back(m.rel_l2);
  for (const CaseMetrics& m : plume_metrics) {
    iou.push_back(m.iou);
    volume.push_back(m.volume_rel_err);
  }
  const Summary r = Summarize(rel), i = Summarize(iou), v = Summarize(volume);
  if (!s.png.empty()) {
    OnEveryRank(world, [&] {
      if (rank != 0) return;
      std::vector<double> days;
      const std::vector<double> times = sampling.ModelTimes(info);
      for (Index t : png_times) days.push_back(times[static_cast<std::size_t>(t)]);
      std::string title = "fno-eval " + std::filesystem::path(s.model).filename().string() + " on " +
                          std::filesystem::path(s.data).filename().string() + ": mean rel l2 " + Fixed(r.mean);
      if (plume) title += ", mean plume iou " + Fixed(i.mean);
      StripStyle style;
      if (!plume || K > 1) {
        style.saturation = false;
        style.output = info.output_fields[0];
        style.time_units = info.time_units;
        title += " (" + info.output_fields[0] + ")";
      }
      DrawStrip(s.png, panels, days, grid[0], S > 1 ? grid[1] : 1, channel_names[0], title, style);
    });
  }
  std::ostringstream json;
  json << "{\"model\": " << Quoted(s.model) << ", \"data\": " << Quoted(s.data) << ", \"cases\": " << n
       << ", \"case_selection\": " << Quoted(s.cases) << ", \"prediction\": " << Quoted(s.prediction)
       << ", \"rel_l2_mean\": " << Number(r.mean) << ", \"rel_l2_median\": " << Number(r.median)
 << ", \"rel_l2_p95\": " << Number(r.p95) << ", \"rel_l2_by_output\": {";
  for (Index k = 0; k < K; ++k)
    json << (k ? ", " : "") << Quoted(info.output_fields[static_cast<std::size_t>(k)]) << ": "
         << Number(Summarize(by_output[static_cast<std::size_t>(k)]).mean);
  json << "}";
  if (plume)
    json << ", \"plume_iou_mean\": " << Number(i.mean) << ", \"plume_iou_median\": " << Number(i.median)
         << ", \"plume_volume_rel_err_mean\": " << Number(v.mean) << ", \"plume_volume_cases\": " << v.count
         << ", \"plume_threshold\": " << Number(kPlumeThreshold);
  json << ", \"ms_per_case\": " << Number(1000.0 * predict_seconds / static_cast<double>(n)) << ", \"batch_size\": " << B
       << ", \"ranks\": " << size << ", \"grid\": [";
  for (std::size_t a = 0; a < grid.size(); ++a) json << (a ? ", " : "") << grid[a];
  json << "], \"subsample\": " << Quoted(sampling.ToString()) << "}";
  return json.str();
}

}  // namespace fno::training
