#include "dataset_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "collective.hpp"
#include "dataset_file.hpp"
#include "hdf5_io.hpp"
#include "pack.hpp"

namespace fno::training {

namespace {

using fno::sim::H5Id;

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    items.push_back(first == std::string::npos ? std::string() : item.substr(first, last - first + 1));
  }
  return items;
}

std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& s : items) { text += text.empty() ? "" : ","; text += s; }
  return text;
}

std::uint64_t Fnv1a(std::uint64_t hash, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    hash ^= p[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

template <class V>
std::vector<V> ReadWhole(hid_t file, const char* name, hid_t memory_type, const std::string& context) {
  H5Id dataset = fno::sim::H5Dataset(H5Dopen2(file, name, H5P_DEFAULT));
  if (!dataset.valid()) throw Error(context + ": cannot open /" + name);
  const auto dims = fno::sim::DatasetDims(dataset.get());
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<V> values(n);
  if (n > 0 && H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw Error(context + ": cannot read /" + name + " (the file is corrupt or truncated)");
  return values;
}

// Rank 0's inspection of a recorded-trajectory dataset (schema v2), validated by the core.
DatasetInfo InspectTrajectories(const std::string& path) {
  const std::string context = "dataset '" + path + "'";
  const fno::TrajectoryInfo trajectories = fno::check_trajectory_file(path);
  const fno::TrajectoryLayout& layout = trajectories.layout;
  if (layout.grid.size() < 2)
    throw Error(context + ": its grid has " + std::to_string(layout.grid.size()) +
                " axis; the FNO learns on DMDAs of 2 or 3 axes");
  DatasetInfo info;
  info.schema = 2;
  info.path = path;
  info.input_fields = layout.input_fields;
  info.initial_inputs = layout.initial_inputs;
  info.output_fields = layout.output_fields;
  info.output_field = layout.output_fields.front();
  info.time_units = layout.time_units;
  info.space_dims = static_cast<int>(layout.grid.size());
  info.grid = layout.grid;
  info.times = layout.times;
  info.cases = trajectories.cases;
  info.done = trajectories.done;
  info.seeds = trajectories.seeds;
  info.layout = layout;
  return info;
}

// Rank 0's inspection; throws fno::Error with the message every rank will report.
DatasetInfo Inspect(const std::string& path) {
  const std::string context = "dataset '" + path + "'";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(context + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error(context + ": is a directory, not a dataset file");
  if (fno::is_trajectory_file(path)) return InspectTrajectories(path);
  // The project's validation of untrusted dataset files (format, storage, shapes, types, times,
  // done flags) first; then what the training programs need besides.
  try {
    (void)fno::sim::CheckDatasetFile(path);
  } catch (const std::exception& e) {
    throw Error(e.what());
  }
  fno::sim::H5QuietErrors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error(context + ": not an HDF5 file (no HDF5 signature: the file is corrupt or of another kind)");
  H5Id file = fno::sim::H5File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) throw Error(context + ": HDF5 cannot open it; the file is corrupt or truncated");
  const hid_t f = file.get();
  const std::string schema = fno::sim::ReadStringAttribute(f, "schema");
  if (schema != fno::sim::kDatasetSchema)
    throw Error(context + ": not a petsc-fno dataset (schema '" + (schema.empty() ? "none" : schema) + "', expected '" +
                fno::sim::kDatasetSchema + "')");
  for (const char* name : {"inputs", "outputs", "times", "done", "seeds"})
    if (!fno::sim::HasLink(f, name)) throw Error(context + ": lacks dataset /" + std::string(name));
  DatasetInfo info;
  info.path = path;
  info.geometry = fno::sim::ReadStringAttribute(f, "geometry");
  info.input_fields = SplitList(fno::sim::ReadStringAttribute(f, "input_fields"));
  if (info.input_fields.empty() || info.input_fields[0].empty())
    throw Error(context + ": the root attribute input_fields is missing or empty");
  info.cell_size = fno::sim::ReadDoubleAttribute(f, "cell_size");
  auto dims_of = [&](const char* name) {
    H5Id dataset = fno::sim::H5Dataset(H5Dopen2(f, name, H5P_DEFAULT));
    if (!dataset.valid()) throw Error(context + ": cannot open /" + std::string(name));
    if (std::string(name) == "outputs") info.output_field = fno::sim::ReadStringAttribute(dataset.get(), "field");
    if (std::string(name) == "times") info.time_units = fno::sim::ReadStringAttribute(dataset.get(), "units");
    return fno::sim::DatasetDims(dataset.get());
  };
  const auto inputs = dims_of("inputs"), outputs = dims_of("outputs"), times = dims_of("times");
  const auto done = dims_of("done"), seeds = dims_of("seeds");
  auto text = [](const std::vector<hsize_t>& d) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < d.size(); ++i) os << (i ? ", " : "") << d[i];
    return os.str() + "]";
  };
  if (inputs.size() < 4 || inputs.size() > 5)
    throw Error(context + ": /inputs has shape " + text(inputs) + "; expected [case][field][grid...] with 2 or 3 space axes");
  info.space_dims = static_cast<int>(inputs.size()) - 2;
  info.cases = static_cast<Index>(inputs[0]);
  if (info.cases < 1) throw Error(context + ": holds no cases");
  if (inputs[1] != info.input_fields.size())
    throw Error(context + ": /inputs has " + std::to_string(inputs[1]) + " fields but input_fields names " +
                std::to_string(info.input_fields.size()) + " (" + Join(info.input_fields) + ")");
  if (outputs.size() != inputs.size() || outputs[0] != inputs[0] ||
      !std::equal(inputs.begin() + 2, inputs.end(), outputs.begin() + 2))
    throw Error(context + ": /outputs has shape " + text(outputs) + ", which does not match /inputs " + text(inputs));
  if (times.size() != 1 || times[0] != outputs[1])
    throw Error(context + ": /times has shape " + text(times) + " but /outputs holds " + std::to_string(outputs[1]) +
                " snapshots");
  if (done != std::vector<hsize_t>{inputs[0]} || seeds != std::vector<hsize_t>{inputs[0]})
    throw Error(context + ": /done " + text(done) + " or /seeds " + text(seeds) + " does not hold one entry per case");
  for (int a = 0; a < info.space_dims; ++a) info.grid.push_back(static_cast<Index>(inputs[inputs.size() - 1 - a]));
  info.times = ReadWhole<double>(f, "times", H5T_NATIVE_DOUBLE, context);
  info.done = ReadWhole<std::int8_t>(f, "done", H5T_NATIVE_INT8, context);
  info.seeds = ReadWhole<std::int64_t>(f, "seeds", H5T_NATIVE_INT64, context);
  for (std::size_t k = 0; k < info.times.size(); ++k)
    if (!std::isfinite(info.times[k]) || (k > 0 && !(info.times[k] > info.times[k - 1])))
      throw Error(context + ": /times are not finite and strictly increasing (entry " + std::to_string(k) + ")");
  info.output_fields = {info.output_field};
  return info;
}

void PackLayout(Pack& p, const fno::TrajectoryLayout& l) {
  p.put_vector(l.grid);
  p.put_strings(l.boundary);
  p.put_strings(l.components);
  p.put_strings(l.input_fields);
  p.put_strings(l.initial_inputs);
  p.put_strings(l.output_fields);
  p.put_vector(l.times);
  p.put_string(l.time_units);
  p.put_string(l.host);
  p.put_strings(l.parameter_names);
}

fno::TrajectoryLayout UnpackLayout(Pack& p) {
  fno::TrajectoryLayout l;
  l.grid = p.get_vector<Index>();
  l.boundary = p.get_strings();
  l.components = p.get_strings();
  l.input_fields = p.get_strings();
  l.initial_inputs = p.get_strings();
  l.output_fields = p.get_strings();
  l.times = p.get_vector<double>();
  l.time_units = p.get_string();
  l.host = p.get_string();
  l.parameter_names = p.get_strings();
  return l;
}

std::string PackInfo(const DatasetInfo& info) {
  Pack p;
  p.put<std::int64_t>(info.schema);
  p.put_string(info.path);
  p.put_string(info.geometry);
  p.put_strings(info.input_fields);
  p.put_string(info.output_field);
  p.put_string(info.time_units);
  p.put<std::int64_t>(info.space_dims);
  p.put_vector(info.grid);
  p.put_vector(info.times);
  p.put_vector(info.cell_size);
  p.put<std::int64_t>(info.cases);
  p.put_vector(info.done);
  p.put_vector(info.seeds);
  p.put_strings(info.initial_inputs);
  p.put_strings(info.output_fields);
  PackLayout(p, info.layout);
  return p.bytes();
}

DatasetInfo UnpackInfo(const std::string& bytes) {
  Pack p(bytes);
  DatasetInfo info;
  info.schema = static_cast<int>(p.get<std::int64_t>());
  info.path = p.get_string();
  info.geometry = p.get_string();
  info.input_fields = p.get_strings();
  info.output_field = p.get_string();
  info.time_units = p.get_string();
  info.space_dims = static_cast<int>(p.get<std::int64_t>());
  info.grid = p.get_vector<Index>();
  info.times = p.get_vector<double>();
  info.cell_size = p.get_vector<double>();
  info.cases = p.get<std::int64_t>();
  info.done = p.get_vector<std::int8_t>();
  info.seeds = p.get_vector<std::int64_t>();
  info.initial_inputs = p.get_strings();
  info.output_fields = p.get_strings();
  info.layout = UnpackLayout(p);
  return info;
}

}  // namespace

std::string DatasetInfo::fingerprint() const {
  std::uint64_t h = 1469598103934665603ull;
  h = Fnv1a(h, grid.data(), grid.size() * sizeof(Index));
  h = Fnv1a(h, times.data(), times.size() * sizeof(double));
  h = Fnv1a(h, &cases, sizeof cases);
  h = Fnv1a(h, seeds.data(), seeds.size() * sizeof(std::int64_t));
  if (schema == 2) {  // v1 fingerprints stay what they were (recorded splits refer to them)
    for (const auto* list : {&layout.components, &layout.input_fields, &layout.initial_inputs, &layout.output_fields}) {
      const std::string text = Join(*list) + ";";
      h = Fnv1a(h, text.data(), text.size());
    }
  }
  std::ostringstream os;
  os << std::hex << h;
  return os.str();
}

std::vector<std::string> DatasetInfo::channel_names() const {
  std::vector<std::string> names = input_fields;
  names.insert(names.end(), initial_inputs.begin(), initial_inputs.end());
  return names;
}

std::vector<Index> DatasetInfo::done_cases() const {
  std::vector<Index> list;
  for (Index c = 0; c < cases; ++c)
    if (done[static_cast<std::size_t>(c)] == 1) list.push_back(c);
  return list;
}

DatasetInfo InspectDataset(const std::string& path, MPI_Comm comm) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  std::string bytes;
  OnEveryRank(comm, [&] {
    if (rank == 0) bytes = PackInfo(Inspect(path));
  });
  BroadcastString(comm, bytes, 0);
  return UnpackInfo(bytes);
}

// ---- sampling ------------------------------------------------------------------------------

Sampling Sampling::Parse(const std::string& text, int space_dims) {
  std::vector<Index> values;
  for (const std::string& item : SplitList(text)) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || v < 1)
      throw Error("-subsample expects positive integers (s, or s_x,s_y" + std::string(space_dims == 3 ? ",s_z" : "") +
                  ",s_t), got '" + text + "'");
    values.push_back(v);
  }
  if (values.size() == 1) values.assign(space_dims + 1, values[0]);
  if (static_cast<int>(values.size()) != space_dims + 1)
    throw Error("-subsample needs 1 or " + std::to_string(space_dims + 1) + " values for a dataset with " +
                std::to_string(space_dims) + " space axes, got '" + text + "'");
  return Sampling{values};
}

std::string Sampling::ToString() const {
  std::string text;
  for (Index s : stride) { text += text.empty() ? "" : ","; text += std::to_string(s); }
  return text;
}

std::vector<Index> Sampling::ModelGrid(const DatasetInfo& info) const {
  FNO_CHECK(static_cast<int>(stride.size()) == info.space_dims + 1, "sampling has ", stride.size(),
            " strides for a dataset with ", info.space_dims, " space axes");
  std::vector<Index> grid;
  for (int a = 0; a < info.space_dims; ++a) grid.push_back((info.grid[a] + stride[a] - 1) / stride[a]);
  grid.push_back((static_cast<Index>(info.times.size()) + stride.back() - 1) / stride.back());
  return grid;
}

std::vector<double> Sampling::ModelTimes(const DatasetInfo& info) const {
  std::vector<double> times;
  for (std::size_t k = 0; k < info.times.size(); k += static_cast<std::size_t>(stride.back())) times.push_back(info.times[k]);
  return times;
}

// ---- the problem description ---------------------------------------------------------------

namespace {

// v2: every name as the host calls it; times in the host's units.
ProblemDescription TrajectoryProblem(const DatasetInfo& info, const Sampling& sampling) {
  ProblemDescription problem;
  // Each input channel is the host's field or initial component itself (identity, scale 1).
  auto as_is = [&](const std::string& name, const char* kind) {
    ProblemInput in;
    in.name = in.source = name;
    in.kind = kind;
    problem.inputs.push_back(in);
  };
  for (const std::string& field : info.input_fields) as_is(field, "field");
  for (const std::string& component : info.initial_inputs) as_is(component, "initial_state");
  for (const std::string& component : info.output_fields) {
    ProblemOutput out;
    out.name = component;
    out.initial_value = std::nan("");
    out.min = std::nan("");
    out.max = std::nan("");
    problem.outputs.push_back(out);
  }
  problem.times = sampling.ModelTimes(info);
  std::ostringstream description;
  description << "history of " << Join(info.output_fields) << " recorded from "
              << (info.layout.host.empty() ? std::string("a PETSc TS host") : "'" + info.layout.host + "'") << " on a ";
  for (int a = 0; a < info.space_dims; ++a) description << (a ? "x" : "") << info.grid[a];
  description << " DMDA";
  bool subsampled = false;
  for (Index s : sampling.stride) subsampled = subsampled || s > 1;
  if (subsampled) description << " (model grid subsampled by " << sampling.ToString() << ")";
  description << ", " << problem.times.size() << " times from " << problem.times.front() << " to "
              << problem.times.back() << " (" << info.time_units << "), from ";
  if (!info.input_fields.empty()) description << "fields " << Join(info.input_fields);
  if (!info.input_fields.empty() && !info.initial_inputs.empty()) description << " and ";
  if (!info.initial_inputs.empty()) description << "the initial " << Join(info.initial_inputs);
  description << " (dataset schema " << fno::kTrajectorySchema << ")";
  problem.description = description.str();
  return problem;
}

}  // namespace

ProblemDescription DatasetProblem(const DatasetInfo& info, const Sampling& sampling) {
  if (info.schema == 2) return TrajectoryProblem(info, sampling);
  const std::string context = "dataset '" + info.path + "'";
  ProblemDescription problem;
  for (const std::string& field : info.input_fields) {
    ProblemInput in;
    in.name = field;
    if (field == "log10_permeability") {
      in.source = "permeability";
      in.transform = "log10";
      in.scale = 1.0;
      in.units = "mD";
    } else if (field == "porosity") {
      in.source = "porosity";
      in.transform = "identity";
      in.scale = 1.0;
      in.units = "1";
    } else if (field == "injection_rate") {
      // The host's field is m^3/s per cell; the dataset stores m^3/day.
      in.source = "injection_rate";
      in.transform = "identity";
      in.scale = 86400.0;
      in.units = "m^3/s";
    } else {
      throw Error(context + ": input field '" + field +
                  "' has no known host field (known: log10_permeability, porosity, injection_rate)");
    }
    problem.inputs.push_back(in);
  }
  if (info.output_field != "saturation")
    throw Error(context + ": output field '" + info.output_field + "' has no known host field (known: saturation)");
  ProblemOutput out;
  out.name = "saturation";
  out.units = "1";
  out.initial_value = 0.0;
  out.min = 0.0;
  out.max = 1.0;
  problem.outputs.push_back(out);
  if (info.time_units != "day")
    throw Error(context + ": /times has units '" + info.time_units + "' (known: day)");
  for (double days : sampling.ModelTimes(info)) problem.times.push_back(days * 86400.0);
  std::ostringstream description;
  description << "CO2 saturation history of a " << (info.geometry.empty() ? "?" : info.geometry) << " of ";
  for (int a = 0; a < info.space_dims; ++a) description << (a ? "x" : "") << info.grid[a];
  description << " cells";
  bool subsampled = false;
  for (Index s : sampling.stride) subsampled = subsampled || s > 1;
  if (subsampled) description << " (model grid subsampled by " << sampling.ToString() << ")";
  description << ", " << problem.times.size() << " times from " << problem.times.front() << " s to "
              << problem.times.back() << " s, from inputs " << Join(info.input_fields) << " (dataset schema "
              << fno::sim::kDatasetSchema << ")";
  problem.description = description.str();
  return problem;
}

// ---- the reader --------------------------------------------------------------------------------

DatasetReader::DatasetReader(const DatasetInfo& info, MPI_Comm comm, const Sampling& sampling,
                             std::vector<Index> block_start, std::vector<Index> block_extent)
    : info_(info), sampling_(sampling), start_(std::move(block_start)), extent_(std::move(block_extent)) {
  const int S = info_.space_dims;
  const std::vector<Index> grid = sampling_.ModelGrid(info_);
  FNO_CHECK(static_cast<int>(start_.size()) == S + 1 && static_cast<int>(extent_.size()) == S + 1,
            "block of rank ", start_.size(), " for ", S, " space axes and time");
  FNO_CHECK(start_[S] == 0 && extent_[S] == grid[S], "the time axis must be local to every rank");
  space_points_ = 1;
  for (int a = 0; a < S; ++a) {
    FNO_CHECK(start_[a] >= 0 && extent_[a] >= 0 && start_[a] + extent_[a] <= grid[a], "block axis ", a, " [",
              start_[a], ", ", start_[a] + extent_[a], ") outside the model grid extent ", grid[a]);
    space_points_ *= extent_[a];
  }
  times_ = grid[S];
  fields_ = info_.channels();
  outputs_count_ = info_.outputs();
  if (info_.schema == 2) {
    fno::TrajectoryInfo trajectories;
    trajectories.layout = info_.layout;
    trajectories.cases = info_.cases;
    trajectories.done = info_.done;
    trajectories.seeds = info_.seeds;
    trajectories.parameters.assign(static_cast<std::size_t>(info_.cases), {});
    trajectory_ = std::make_unique<fno::TrajectoryReader>(comm, info_.path, std::move(trajectories));
    return;
  }
  std::string error;
  {
    fno::sim::H5QuietErrors quiet;
    try {
      file_ = fno::sim::OpenParallelFile(comm, info_.path, false);
      inputs_ = fno::sim::H5Dataset(H5Dopen2(file_.get(), "inputs", H5P_DEFAULT));
      inputs_.Check("open /inputs");
      outputs_ = fno::sim::H5Dataset(H5Dopen2(file_.get(), "outputs", H5P_DEFAULT));
      outputs_.Check("open /outputs");
    } catch (const std::exception& e) {
      error = "dataset '" + info_.path + "': " + e.what();
    }
  }
  const std::string message = AgreedError(comm, error);
  if (!message.empty()) throw Error(message);
}

// v2: the block's bounding box in dataset cells (every s-th cell kept), read through the
// core's TrajectoryReader: static fields, initial-state components, outputs at the kept times.
template <class T>
void DatasetReader::ReadTrajectoryCase(Index c, T* static_inputs, T* target) {
  const int S = info_.space_dims;
  const std::vector<Index>& s = sampling_.stride;
  fno::GridBlock box;
  std::vector<Index> pitch(static_cast<std::size_t>(S) + 1, 1);  // x fastest, as the file
  for (int a = 0; a < S; ++a) {
    box.start.push_back(start_[a] * s[a]);
    box.extent.push_back((extent_[a] - 1) * s[a] + 1);
    pitch[a + 1] = pitch[a] * box.extent[a];
  }
  const Index box_points = pitch[S];
  // Box offset of every local space point, in model C order (axis 0 slowest).
  std::vector<Index> offset(static_cast<std::size_t>(space_points_));
  {
    std::vector<Index> idx(S, 0);
    for (Index p = 0; p < space_points_; ++p) {
      Index o = 0;
      for (int a = 0; a < S; ++a) o += idx[a] * s[a] * pitch[a];
      offset[static_cast<std::size_t>(p)] = o;
      for (int a = S - 1; a >= 0; --a) {
        if (++idx[a] < extent_[a]) break;
        idx[a] = 0;
      }
    }
  }
  const fno::TrajectoryLayout& layout = info_.layout;
  auto component_indices = [&](const std::vector<std::string>& names) {
    std::vector<Index> indices;
    for (const std::string& n : names)
      indices.push_back(std::find(layout.components.begin(), layout.components.end(), n) - layout.components.begin());
    return indices;
  };
  const auto F = static_cast<Index>(layout.input_fields.size());
  const auto I = static_cast<Index>(layout.initial_inputs.size());
  const Index K = outputs_count_;
  auto pick = [&](const double* from, T* to) {
    for (Index p = 0; p < space_points_; ++p) to[p] = static_cast<T>(from[offset[static_cast<std::size_t>(p)]]);
  };
  box_.resize(static_cast<std::size_t>(std::max(F, I) * box_points));
  if (F > 0) {
    trajectory_->read_inputs(c, box, {box_.data(), static_cast<std::size_t>(F * box_points)});
    for (Index k = 0; k < F; ++k) pick(box_.data() + k * box_points, static_inputs + k * space_points_);
  }
  if (I > 0) {
    const std::vector<Index> initial = component_indices(layout.initial_inputs);
    trajectory_->read_initial(c, box, initial, {box_.data(), static_cast<std::size_t>(I * box_points)});
    for (Index k = 0; k < I; ++k) pick(box_.data() + k * box_points, static_inputs + (F + k) * space_points_);
  }
  std::vector<Index> times;
  for (Index t = 0; t < times_; ++t) times.push_back(t * s[S]);
  const std::vector<Index> outputs = component_indices(layout.output_fields);
  box_.resize(static_cast<std::size_t>(times_ * K * box_points));
  trajectory_->read_outputs(c, box, times, outputs, box_);
  // box_ [time][output][box] -> target [output][point][time]
  for (Index k = 0; k < K; ++k)
    for (Index p = 0; p < space_points_; ++p) {
      T* line = target + (k * space_points_ + p) * times_;
      const double* source = box_.data() + k * box_points + offset[static_cast<std::size_t>(p)];
      for (Index t = 0; t < times_; ++t) line[t] = static_cast<T>(source[t * K * box_points]);
    }
}

template <class T>
void DatasetReader::ReadCase(Index c, T* static_inputs, T* target) {
  FNO_CHECK(c >= 0 && c < info_.cases, "case ", c, " outside the dataset's ", info_.cases, " cases");
  if (space_points_ == 0) return;
  if (trajectory_) {
    ReadTrajectoryCase(c, static_inputs, target);
    return;
  }
  const int S = info_.space_dims;
  const std::vector<Index>& s = sampling_.stride;
  // Bounding box of the block in dataset cells, file order (slowest space axis first).
  std::vector<hsize_t> box_start, box_count;
  std::vector<Index> box(S), pitch(S + 1);  // box extents in model axis order; pitch: x fastest
  for (int a = S - 1; a >= 0; --a) {
    box[a] = (extent_[a] - 1) * s[a] + 1;
    box_start.push_back(static_cast<hsize_t>(start_[a] * s[a]));
    box_count.push_back(static_cast<hsize_t>(box[a]));
  }
  pitch[0] = 1;
  for (int a = 1; a <= S; ++a) pitch[a] = pitch[a - 1] * box[a - 1];
  const Index box_times = (times_ - 1) * s[S] + 1;
  // Offset in the box of every local space point, in model C order (axis 0 slowest).
  std::vector<Index> offset(static_cast<std::size_t>(space_points_));
  {
    std::vector<Index> idx(S, 0);
    for (Index p = 0; p < space_points_; ++p) {
      Index o = 0;
      for (int a = 0; a < S; ++a) o += idx[a] * s[a] * pitch[a];
      offset[static_cast<std::size_t>(p)] = o;
      for (int a = S - 1; a >= 0; --a) {
        if (++idx[a] < extent_[a]) break;
        idx[a] = 0;
      }
    }
  }
  const auto prefixed = [](std::vector<hsize_t> v, hsize_t first, hsize_t second) {
    v.insert(v.begin(), {first, second});
    return v;
  };
  const std::string context = "dataset '" + info_.path + "': case " + std::to_string(c);
  fno::sim::H5QuietErrors quiet;
  // Inputs: [fields][box].
  box_.resize(static_cast<std::size_t>(fields_ * pitch[S]));
  try {
    fno::sim::ReadDoubleHyperslab(inputs_.get(), prefixed(box_start, static_cast<hsize_t>(c), 0),
                                  prefixed(box_count, 1, static_cast<hsize_t>(fields_)), box_.data(), false);
  } catch (const std::exception& e) {
    throw Error(context + ": reading /inputs failed (" + e.what() + ")");
  }
  {
    fno::sim::DatasetSummary summary;
    summary.input_fields = info_.input_fields;
    summary.output_field = info_.output_field;
    try {
      fno::sim::CheckInputValues(info_.path, summary, static_cast<hsize_t>(c), box_.data(), static_cast<std::size_t>(pitch[S]));
    } catch (const std::exception& e) {
      throw Error(e.what());
    }
  }
  for (Index k = 0; k < fields_; ++k)
    for (Index p = 0; p < space_points_; ++p)
      static_inputs[k * space_points_ + p] = static_cast<T>(box_[static_cast<std::size_t>(k * pitch[S] + offset[p])]);
  // Outputs: [box times][box].
  box_.resize(static_cast<std::size_t>(box_times * pitch[S]));
  try {
    fno::sim::ReadDoubleHyperslab(outputs_.get(), prefixed(box_start, static_cast<hsize_t>(c), 0),
                                  prefixed(box_count, 1, static_cast<hsize_t>(box_times)), box_.data(), false);
  } catch (const std::exception& e) {
    throw Error(context + ": reading /outputs failed (" + e.what() + ")");
  }
  {
    fno::sim::DatasetSummary summary;
    summary.output_field = info_.output_field;
    try {
      fno::sim::CheckOutputValues(info_.path, summary, static_cast<hsize_t>(c), box_.data(), box_.size());
    } catch (const std::exception& e) {
      throw Error(e.what());
    }
  }
  for (Index p = 0; p < space_points_; ++p) {
    T* line = target + p * times_;
    const double* source = box_.data() + offset[p];
    for (Index t = 0; t < times_; ++t) line[t] = static_cast<T>(source[t * s[S] * pitch[S]]);
  }
}

void DatasetReader::Close() {
  if (trajectory_) trajectory_->close();
  inputs_.Reset();
  outputs_.Reset();
  file_.Reset();
}

template void DatasetReader::ReadCase<float>(Index, float*, float*);
template void DatasetReader::ReadCase<double>(Index, double*, double*);

}  // namespace fno::training
