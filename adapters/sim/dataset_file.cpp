#include "dataset_file.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "files/hdf5_handles.hpp"  // the core's format rules (surrogate/)
#include "hdf5_io.hpp"

namespace fno::sim {

std::vector<std::string> DatasetParameterNames() {
  return {"seed", "model", "channel_count", "channel_width_mean", "channel_sinuosity_mean", "channel_orientation_mean_deg",
          "log10_mean", "log10_std", "correlation_length_0", "correlation_length_1", "correlation_length_2"};
}

std::vector<double> SummarizeParameters(const std::vector<std::pair<std::string, double>>& drawn) {
  const std::vector<std::string> names = DatasetParameterNames();
  std::vector<double> record(names.size(), std::nan(""));
  double width = 0, sinuosity = 0, orientation = 0;
  int channels = 0;
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  for (const auto& [name, value] : drawn) {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (name == names[i]) record[i] = value;
    if (name.rfind("channel", 0) == 0 && name != "channel_count") {
      if (ends_with(name, "_width")) width += value, ++channels;
      if (ends_with(name, "_sinuosity")) sinuosity += value;
      if (ends_with(name, "_orientation_deg")) orientation += value;
    }
  }
  if (channels > 0) {
    record[3] = width / channels;
    record[4] = sinuosity / channels;
    record[5] = orientation / channels;
  }
  return record;
}

namespace {
std::vector<hsize_t> GridDims(const GridSpec& grid) {
  std::vector<hsize_t> dims;
  for (int a = grid.Dimension() - 1; a >= 0; --a) dims.push_back(static_cast<hsize_t>(grid.cells[a]));
  return dims;
}

std::vector<hsize_t> Prefixed(std::vector<hsize_t> dims, std::initializer_list<hsize_t> prefix) {
  dims.insert(dims.begin(), prefix);
  return dims;
}

H5Id Open(hid_t file, const char* name) {
  H5Id dataset = H5Dataset(H5Dopen2(file, name, H5P_DEFAULT));
  dataset.Check(std::string("open dataset ") + name);
  return dataset;
}

std::string DimsText(const std::vector<hsize_t>& dims) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  os << ']';
  return os.str();
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t end = std::min(list.find(',', begin), list.size());
    names.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  return names;
}

// Reads a whole small dataset whose storage check_stored_dataset() has accepted.
template <class V>
std::vector<V> ReadChecked(hid_t file, const char* name, hid_t memory_type, std::size_t count, const std::string& context) {
  H5Id dataset = H5Dataset(H5Dopen2(file, name, H5P_DEFAULT));
  std::vector<V> values(count);
  if (!dataset.valid() || (count > 0 && H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                                values.data()) < 0))
    fno::h5::fail_corrupt(context, std::string("reading /") + name);
  return values;
}

// The error of the lowest failing rank, on every rank (empty if none failed). Collective.
std::string AgreedError(MPI_Comm comm, const std::string& local) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int failing = local.empty() ? size : rank;
  MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, comm);
  if (failing == size) return {};
  std::string message = local;
  unsigned long long length = message.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, failing, comm);
  message.resize(length);
  if (length > 0) MPI_Bcast(message.data(), static_cast<int>(length), MPI_CHAR, failing, comm);
  return message;
}

// Every rank gets rank 0's bytes.
void BroadcastBytes(MPI_Comm comm, std::string& bytes) {
  unsigned long long length = bytes.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  bytes.resize(length);
  if (length > 0) MPI_Bcast(bytes.data(), static_cast<int>(length), MPI_CHAR, 0, comm);
}

// DatasetSummary <-> bytes (for the broadcast of rank 0's verdict).
void PutU64(std::string& b, std::uint64_t v) { b.append(reinterpret_cast<const char*>(&v), sizeof v); }
void PutText(std::string& b, const std::string& t) {
  PutU64(b, t.size());
  b += t;
}
std::string PackSummary(const DatasetSummary& s) {
  std::string b;
  PutText(b, s.geometry);
  PutU64(b, s.input_fields.size());
  for (const auto& f : s.input_fields) PutText(b, f);
  PutText(b, s.output_field);
  PutU64(b, s.grid.size());
  for (hsize_t g : s.grid) PutU64(b, g);
  PutU64(b, s.cases);
  PutU64(b, s.times.size());
  for (double t : s.times) b.append(reinterpret_cast<const char*>(&t), sizeof t);
  PutU64(b, s.done.size());
  b.append(reinterpret_cast<const char*>(s.done.data()), s.done.size());
  return b;
}
class Unpack {
 public:
  explicit Unpack(const std::string& b) : b_(b) {}
  std::uint64_t U64() {
    std::uint64_t v = 0;
    Take(&v, sizeof v);
    return v;
  }
  std::string Text() {
    std::string t(U64(), '\0');
    Take(t.data(), t.size());
    return t;
  }
  void Take(void* out, std::size_t n) {
    if (at_ + n > b_.size()) throw std::runtime_error("dataset summary message too short");
    std::memcpy(out, b_.data() + at_, n);
    at_ += n;
  }

 private:
  const std::string& b_;
  std::size_t at_ = 0;
};
DatasetSummary UnpackSummary(const std::string& bytes) {
  Unpack u(bytes);
  DatasetSummary s;
  s.geometry = u.Text();
  s.input_fields.resize(u.U64());
  for (auto& f : s.input_fields) f = u.Text();
  s.output_field = u.Text();
  s.grid.resize(u.U64());
  for (auto& g : s.grid) g = u.U64();
  s.cases = u.U64();
  s.times.resize(u.U64());
  for (double& t : s.times) u.Take(&t, sizeof t);
  s.done.resize(u.U64());
  u.Take(s.done.data(), s.done.size());
  return s;
}
}  // namespace

namespace {
DatasetSummary CheckDatasetFileUnprefixed(const std::string& path) {
  const std::string context = "dataset '" + path + "'";
  auto refuse = [&](const std::string& what) -> void { throw std::runtime_error(context + ": " + what); };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) refuse("no such file");
  const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) refuse("cannot determine its size (" + ec.message() + ")");
  fno::h5::require_checksummed_format(path, file_size, context);
  fno::h5::QuietErrors quiet;
  H5Id file = H5File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) fno::h5::fail_corrupt(context, "opening the file (corrupt or truncated)");
  const hid_t f = file.get();
  DatasetSummary summary;
  const std::string schema = ReadStringAttribute(f, "schema");
  if (schema != kDatasetSchema)
    refuse("is not a petsc-fno dataset (schema '" + (schema.empty() ? "none" : schema) + "', expected '" +
           kDatasetSchema + "')");
  summary.geometry = ReadStringAttribute(f, "geometry");
  summary.input_fields = SplitNames(ReadStringAttribute(f, "input_fields"));
  for (const auto& name : summary.input_fields)
    if (name.empty()) refuse("the root attribute input_fields is missing or names an empty field");

  // Storage first: every size below is then backed by bytes in the file.
  std::vector<hsize_t> dims[6];
  const char* names[6] = {"inputs", "outputs", "times", "seeds", "parameters", "done"};
  for (int k = 0; k < 6; ++k) {
    const auto stored = fno::h5::check_stored_dataset(f, names[k], file_size, context, std::string("dataset /") + names[k], 0);
    const bool want_float = k < 3 || k == 4;
    if (want_float ? !stored.ieee_float
                   : (stored.type_class != H5T_INTEGER || stored.type_size != (k == 3 ? 8u : 1u)))
      refuse(std::string("/") + names[k] + " is not stored as " +
             (want_float ? "IEEE floating point" : (k == 3 ? "64-bit integers" : "8-bit integers")));
    dims[k] = stored.dims;
  }
  const auto &inputs = dims[0], &outputs = dims[1], &times = dims[2], &seeds = dims[3], &parameters = dims[4],
             &done = dims[5];
  if (inputs.size() < 4 || inputs.size() > 5)
    refuse("/inputs has shape " + DimsText(inputs) + "; expected [case][field][grid...] with 2 or 3 space axes");
  summary.cases = inputs[0];
  if (summary.cases < 1) refuse("holds no cases");
  summary.grid.assign(inputs.begin() + 2, inputs.end());
  for (hsize_t g : summary.grid)
    if (g < 1) refuse("/inputs has shape " + DimsText(inputs) + "; every grid axis needs a cell");
  if (inputs[1] != summary.input_fields.size())
    refuse("/inputs has " + std::to_string(inputs[1]) + " fields but input_fields names " +
           std::to_string(summary.input_fields.size()));
  if (outputs.size() != inputs.size() || outputs[0] != inputs[0] ||
      !std::equal(inputs.begin() + 2, inputs.end(), outputs.begin() + 2))
    refuse("/outputs has shape " + DimsText(outputs) + ", which does not match /inputs " + DimsText(inputs));
  if (times.size() != 1 || times[0] != outputs[1] || times[0] < 1)
    refuse("/times has shape " + DimsText(times) + " but /outputs holds " + std::to_string(outputs[1]) + " snapshots");
  if (seeds != std::vector<hsize_t>{summary.cases} || done != std::vector<hsize_t>{summary.cases})
    refuse("/seeds " + DimsText(seeds) + " or /done " + DimsText(done) + " does not hold one entry per case");
  if (parameters.size() != 2 || parameters[0] != summary.cases)
    refuse("/parameters has shape " + DimsText(parameters) + "; expected [case][parameter]");

  const int space_dims = static_cast<int>(summary.grid.size());
  if (!summary.geometry.empty()) {
    const bool known = summary.geometry == "slice" || summary.geometry == "map" || summary.geometry == "3d";
    if (!known || (summary.geometry == "3d") != (space_dims == 3))
      refuse("geometry '" + summary.geometry + "' does not describe a grid of " + std::to_string(space_dims) + " axes");
  }
  const std::vector<double> grid_attribute = ReadDoubleAttribute(f, "grid", 3);
  if (!grid_attribute.empty()) {  // cells per DMDA axis (x first); the file order reverses them
    bool same = grid_attribute.size() == 3;
    for (int a = 0; same && a < 3; ++a) {
      const double expected = a < space_dims ? static_cast<double>(summary.grid[space_dims - 1 - a]) : 1.0;
      same = grid_attribute[a] == expected;
    }
    if (!same) refuse("the root attribute grid does not match /inputs " + DimsText(inputs));
  }
  const std::vector<double> cell_size = ReadDoubleAttribute(f, "cell_size", 3);
  for (double h : cell_size)
    if (!(std::isfinite(h) && h > 0)) refuse("the root attribute cell_size holds " + std::to_string(h));
  {
    H5Id out = H5Dataset(H5Dopen2(f, "outputs", H5P_DEFAULT));
    if (out.valid()) summary.output_field = ReadStringAttribute(out.get(), "field");
  }

  summary.times = ReadChecked<double>(f, "times", H5T_NATIVE_DOUBLE, times[0], context);
  for (std::size_t k = 0; k < summary.times.size(); ++k)
    if (!std::isfinite(summary.times[k]) || (k > 0 && !(summary.times[k] > summary.times[k - 1])))
      refuse("/times are not finite and strictly increasing (entry " + std::to_string(k) + " = " +
             std::to_string(summary.times[k]) + ")");
  summary.done = ReadChecked<std::int8_t>(f, "done", H5T_NATIVE_INT8, summary.cases, context);
  for (std::size_t c = 0; c < summary.done.size(); ++c)
    if (summary.done[c] != 0 && summary.done[c] != 1)
      refuse("/done holds " + std::to_string(summary.done[c]) + " for case " + std::to_string(c) + " (0 or 1 expected)");
  return summary;
}
}  // namespace

DatasetSummary CheckDatasetFile(const std::string& path) {
  const std::string context = "dataset '" + path + "'";
  try {
    return CheckDatasetFileUnprefixed(path);
  } catch (const std::runtime_error& e) {  // the HDF5 helpers' errors do not name the file
    const std::string what = e.what();
    if (what.rfind(context, 0) == 0) throw;
    throw std::runtime_error(context + ": " + what);
  }
}

void CheckInputValues(const std::string& path, const DatasetSummary& summary, hsize_t c, const double* values,
                      std::size_t points) {
  for (std::size_t k = 0; k < summary.input_fields.size(); ++k) {
    const bool porosity = summary.input_fields[k] == "porosity";
    for (std::size_t i = 0; i < points; ++i) {
      const double v = values[k * points + i];
      if (!std::isfinite(v) || (porosity && !(v > 0 && v <= 1))) {
        std::ostringstream msg;
        msg << "dataset '" << path << "': case " << c << " input '" << summary.input_fields[k] << "' holds " << v
            << (porosity ? " (porosity must lie in (0, 1])" : " (inputs must be finite)");
        throw std::runtime_error(msg.str());
      }
    }
  }
}

void CheckOutputValues(const std::string& path, const DatasetSummary& summary, hsize_t c, const double* values,
                       std::size_t count) {
  const bool saturation = summary.output_field.empty() || summary.output_field == "saturation";
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]) || (saturation && !(values[i] >= 0 && values[i] <= 1))) {
      std::ostringstream msg;
      msg << "dataset '" << path << "': case " << c << " output holds " << values[i]
          << (saturation ? " (saturation must lie in [0, 1])" : " (outputs must be finite)");
      throw std::runtime_error(msg.str());
    }
}

void DatasetFile::Create(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases) {
  cases_ = cases;
  time_count_ = static_cast<int>(config.report_times.size()) + 1;
  file_ = CreateParallelFile(comm, path);
  const hid_t f = file_.get();
  WriteStringAttribute(f, "schema", kDatasetSchema);
  WriteStringAttribute(f, "geometry", GeometryName(config.grid.geometry));
  WriteStringAttribute(f, "input_fields", "log10_permeability,porosity,injection_rate");
  WriteStringAttribute(f, "layout", "inputs [case][field][grid], outputs [case][time][grid], grid = DMDA axes reversed");
  WriteDoubleAttribute(f, "grid", {double(config.grid.cells[0]), double(config.grid.cells[1]), double(config.grid.cells[2])});
  WriteDoubleAttribute(f, "cell_size", {config.grid.dx, config.grid.dy, config.grid.dz});
  const std::vector<hsize_t> grid = GridDims(config.grid);
  const hsize_t n = static_cast<hsize_t>(cases), nt = static_cast<hsize_t>(time_count_);
  // Contiguous: groups of ranks write cases independently, which HDF5 cannot checksum.
  H5Id inputs = CreateDoubleDataset(f, "inputs", Prefixed(grid, {n, static_cast<hsize_t>(kDatasetInputFields)}),
                                    Writes::independent);
  WriteStringAttribute(inputs.get(), "fields", "log10_permeability,porosity,injection_rate");
  H5Id outputs = CreateDoubleDataset(f, "outputs", Prefixed(grid, {n, nt}), Writes::independent);
  WriteStringAttribute(outputs.get(), "field", "saturation");
  H5Id times = CreateDoubleDataset(f, "times", {nt});
  WriteStringAttribute(times.get(), "units", "day");
  H5Id parameters = CreateDoubleDataset(f, "parameters", {n, static_cast<hsize_t>(DatasetParameterNames().size())},
                                        Writes::independent);
  std::string names;
  for (const std::string& name : DatasetParameterNames()) {
    if (!names.empty()) names += ',';
    names += name;
  }
  WriteStringAttribute(parameters.get(), "parameter_names", names);
  {
    H5Id space = H5Space(H5Screate_simple(1, &n, nullptr));
    H5Id create = H5Plist(H5Pcreate(H5P_DATASET_CREATE));
    H5Require(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "set early allocation");
    H5Require(H5Pset_fill_time(create.get(), H5D_FILL_TIME_ALLOC), "set the fill time");
    H5Id seeds = H5Dataset(H5Dcreate2(f, "seeds", H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
    seeds.Check("create dataset seeds");
  }
  CreateCharDataset(f, "done", {n}, Writes::independent);  // zero-filled at allocation
  // Times, written by rank 0 (collective call with empty selections elsewhere).
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::vector<double> days(time_count_, 0.0);
  for (int t = 1; t < time_count_; ++t) days[t] = config.report_times[t - 1] / kSecondsPerDay;
  WriteDoubleHyperslab(times.get(), {0}, {rank == 0 ? nt : 0}, days.data(), true);
  Flush();
  OpenDatasets();
}

void DatasetFile::OpenDatasets() {
  inputs_ = Open(file_.get(), "inputs");
  outputs_ = Open(file_.get(), "outputs");
  parameters_ = Open(file_.get(), "parameters");
  seeds_ = Open(file_.get(), "seeds");
  done_ = Open(file_.get(), "done");
}

void DatasetFile::OpenForResume(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases) {
  cases_ = cases;
  time_count_ = static_cast<int>(config.report_times.size()) + 1;
  path_ = path;
  // Rank 0 checks the file completely (it may be anything a user left at -output), then
  // compares it with this run; every rank gets the same verdict.
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string error, bytes;
  if (rank == 0) {
    try {
      summary_ = CheckDatasetFile(path);
      const std::vector<hsize_t> grid = GridDims(config.grid);
      if (summary_.cases != static_cast<hsize_t>(cases) || summary_.grid != grid ||
          summary_.times.size() != static_cast<std::size_t>(time_count_)) {
        std::ostringstream msg;
        msg << path << " holds a dataset of another size (" << summary_.cases << " cases of " << summary_.times.size()
            << " snapshots on " << DimsText(summary_.grid) << ", expected " << cases << " of " << time_count_ << " on "
            << DimsText(grid) << "); use -overwrite or the same -n, grid and report times";
        throw std::runtime_error(msg.str());
      }
      if (summary_.geometry != GeometryName(config.grid.geometry))
        throw std::runtime_error(path + " was generated for geometry " + summary_.geometry);
      bytes = PackSummary(summary_);
    } catch (const std::exception& e) {
      error = std::string(e.what()) + "; use -overwrite or another -output";
    }
  }
  error = AgreedError(comm, error);
  if (!error.empty()) throw std::runtime_error(error);
  BroadcastBytes(comm, bytes);
  summary_ = UnpackSummary(bytes);
  file_ = OpenParallelFile(comm, path, true);
  OpenDatasets();
}

void DatasetFile::OpenForReading(MPI_Comm comm, const std::string& path) {
  path_ = path;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string error, bytes;
  if (rank == 0) {
    try {
      bytes = PackSummary(CheckDatasetFile(path));
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  error = AgreedError(comm, error);
  if (!error.empty()) throw std::runtime_error(error);
  BroadcastBytes(comm, bytes);
  summary_ = UnpackSummary(bytes);
  cases_ = static_cast<int>(summary_.cases);
  time_count_ = static_cast<int>(summary_.times.size());
  fno::h5::QuietErrors quiet;
  try {
    file_ = OpenParallelFile(comm, path, false);
    inputs_ = Open(file_.get(), "inputs");
    outputs_ = Open(file_.get(), "outputs");
    error.clear();
  } catch (const std::exception& e) {
    error = "dataset '" + path + "': " + e.what();
  }
  error = AgreedError(comm, error);
  if (!error.empty()) throw std::runtime_error(error);
}

void DatasetFile::ReadBlock(const H5Id& dataset, const char* what, hsize_t c, hsize_t layers,
                            const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                            std::vector<double>& data) const {
  const std::string context = "dataset '" + path_ + "'";
  if (c >= summary_.cases || summary_.done[c] != 1)
    throw std::runtime_error(context + ": case " + std::to_string(c) +
                             (c >= summary_.cases ? " does not exist" : " is not complete (its /done flag is 0)"));
  if (start.size() != summary_.grid.size() || count.size() != summary_.grid.size())
    throw std::runtime_error(context + ": a block of " + std::to_string(start.size()) + " axes for a grid of " +
                             std::to_string(summary_.grid.size()));
  std::size_t points = 1;
  for (std::size_t a = 0; a < start.size(); ++a) {
    if (start[a] > summary_.grid[a] || count[a] > summary_.grid[a] - start[a])
      throw std::runtime_error(context + ": the block " + DimsText(start) + " + " + DimsText(count) +
                               " lies outside the grid " + DimsText(summary_.grid));
    points *= count[a];
  }
  data.assign(layers * points, 0.0);
  fno::h5::QuietErrors quiet;
  std::vector<hsize_t> file_start = Prefixed(start, {c, 0}), file_count = Prefixed(count, {1, layers});
  try {
    ReadDoubleHyperslab(dataset.get(), file_start, file_count, data.data(), false);
  } catch (const std::exception&) {
    fno::h5::fail_corrupt(context, std::string("reading /") + what + " of case " + std::to_string(c));
  }
}

void DatasetFile::ReadInputs(hsize_t c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                             std::vector<double>& fields) const {
  ReadBlock(inputs_, "inputs", c, summary_.input_fields.size(), start, count, fields);
  CheckInputValues(path_, summary_, c, fields.data(), fields.size() / std::max<std::size_t>(summary_.input_fields.size(), 1));
}

void DatasetFile::ReadOutputs(hsize_t c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                              std::vector<double>& saturation) const {
  ReadBlock(outputs_, "outputs", c, summary_.times.size(), start, count, saturation);
  CheckOutputValues(path_, summary_, c, saturation.data(), saturation.size());
}

bool DatasetFile::OpenOrCreate(MPI_Comm comm, const std::string& path, const SimulatorConfig& config, int cases,
                               bool overwrite) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int exists = 0;
  if (rank == 0) exists = std::filesystem::exists(path) ? 1 : 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, comm);
  const bool resume = exists && !overwrite;
  std::string error;
  try {
    fno::h5::QuietErrors quiet;
    if (resume)
      OpenForResume(comm, path, config, cases);
    else
      Create(comm, path, config, cases);
  } catch (const std::exception& e) {
    error = e.what();
  }
  int failed = error.empty() ? 0 : 1, any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm);
  if (any) throw std::runtime_error(error.empty() ? "another rank could not open the dataset file" : error);
  return resume;
}

std::vector<int> DatasetFile::UnfinishedCases() const {
  fno::h5::QuietErrors quiet;
  const std::vector<std::int8_t> done = ReadDoneFlags();
  std::vector<int> unfinished;
  for (std::size_t c = 0; c < done.size(); ++c)
    if (!done[c]) unfinished.push_back(static_cast<int>(c));
  return unfinished;
}

std::vector<std::int8_t> DatasetFile::ReadDoneFlags() const {
  std::vector<std::int8_t> done(cases_, 0);
  const H5Id& dataset = done_;
  H5Id transfer = H5Plist(H5Pcreate(H5P_DATASET_XFER));
  H5Require(H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE), "set collective transfer");
  H5Require(H5Dread(dataset.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, transfer.get(), done.data()), "read /done");
  return done;
}

void DatasetFile::WriteInputs(int c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                              const std::vector<double>& fields) const {
  WriteDoubleHyperslab(inputs_.get(), Prefixed(start, {static_cast<hsize_t>(c), 0}),
                       Prefixed(count, {1, static_cast<hsize_t>(kDatasetInputFields)}), fields.data(), false);
}

void DatasetFile::WriteOutputs(int c, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                               const std::vector<double>& saturation) const {
  WriteDoubleHyperslab(outputs_.get(), Prefixed(start, {static_cast<hsize_t>(c), 0}),
                       Prefixed(count, {1, static_cast<hsize_t>(time_count_)}), saturation.data(), false);
}

void DatasetFile::WriteRecord(int c, std::int64_t seed, const std::vector<double>& parameters) const {
  WriteDoubleHyperslab(parameters_.get(), {static_cast<hsize_t>(c), 0}, {1, static_cast<hsize_t>(parameters.size())},
                       parameters.data(), false);
  const H5Id& seeds = seeds_;
  H5Id file_space = H5Space(H5Dget_space(seeds.get()));
  const hsize_t start = static_cast<hsize_t>(c), one = 1;
  H5Require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &one, nullptr), "select a seed");
  H5Id memory = H5Space(H5Screate_simple(1, &one, nullptr));
  H5Require(H5Dwrite(seeds.get(), H5T_NATIVE_INT64, memory.get(), file_space.get(), H5P_DEFAULT, &seed), "write a seed");
}

void DatasetFile::MarkDone(int c) const {
  const H5Id& done = done_;
  H5Id file_space = H5Space(H5Dget_space(done.get()));
  const hsize_t start = static_cast<hsize_t>(c), one = 1;
  H5Require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &one, nullptr), "select a flag");
  H5Id memory = H5Space(H5Screate_simple(1, &one, nullptr));
  const std::int8_t flag = 1;
  H5Require(H5Dwrite(done.get(), H5T_NATIVE_INT8, memory.get(), file_space.get(), H5P_DEFAULT, &flag), "write a done flag");
}

void DatasetFile::Flush() const { H5Require(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush the dataset file"); }

void DatasetFile::Close() {
  for (H5Id* id : {&inputs_, &outputs_, &parameters_, &seeds_, &done_}) id->Reset();
  file_.Reset();
}

}  // namespace fno::sim
