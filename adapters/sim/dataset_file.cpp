#include "dataset_file.hpp"

#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

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
}  // namespace

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
  H5Id inputs = CreateDoubleDataset(f, "inputs", Prefixed(grid, {n, static_cast<hsize_t>(kDatasetInputFields)}));
  WriteStringAttribute(inputs.get(), "fields", "log10_permeability,porosity,injection_rate");
  H5Id outputs = CreateDoubleDataset(f, "outputs", Prefixed(grid, {n, nt}));
  WriteStringAttribute(outputs.get(), "field", "saturation");
  H5Id times = CreateDoubleDataset(f, "times", {nt});
  WriteStringAttribute(times.get(), "units", "day");
  H5Id parameters = CreateDoubleDataset(f, "parameters", {n, static_cast<hsize_t>(DatasetParameterNames().size())});
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
  CreateCharDataset(f, "done", {n});  // zero-filled at allocation
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
  file_ = OpenParallelFile(comm, path, true);
  const hid_t f = file_.get();
  const std::string schema = ReadStringAttribute(f, "schema");
  if (schema != kDatasetSchema)
    throw std::runtime_error(path + " is not a petsc-fno dataset (schema '" + (schema.empty() ? "none" : schema) +
                             "', expected '" + kDatasetSchema + "'); use -overwrite or another -output");
  for (const char* name : {"inputs", "outputs", "times", "seeds", "parameters", "done"})
    if (!HasLink(f, name)) throw std::runtime_error(path + " lacks dataset /" + std::string(name));
  const std::vector<hsize_t> expected =
      Prefixed(GridDims(config.grid), {static_cast<hsize_t>(cases), static_cast<hsize_t>(time_count_)});
  H5Id outputs = Open(f, "outputs");
  if (DatasetDims(outputs.get()) != expected) {
    std::ostringstream msg;
    msg << path << " holds a dataset of another size (outputs dims";
    for (hsize_t d : DatasetDims(outputs.get())) msg << " " << d;
    msg << ", expected";
    for (hsize_t d : expected) msg << " " << d;
    msg << "); use -overwrite or the same -n, grid and report times";
    throw std::runtime_error(msg.str());
  }
  if (ReadStringAttribute(f, "geometry") != GeometryName(config.grid.geometry))
    throw std::runtime_error(path + " was generated for geometry " + ReadStringAttribute(f, "geometry"));
  OpenDatasets();
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
