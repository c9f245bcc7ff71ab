// The model file: written on all ranks of the test, read back on other rank counts and
// partitions (at np4: written on 4, read on 1 and 3 via MPI_Comm_split, and on 4 with
// another process grid), checkpoints (optimizer state, epoch, RNG), precision
// conversion, and clear errors thrown identically on every rank for missing, corrupt,
// truncated, wrong-format, wrong-version and wrong-shape files.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "files/hdf5_handles.hpp"
#include "fft/layout.hpp"
#include "files/model_file.hpp"
#include "common/mpi_handles.hpp"
#include "fft/process_grid.hpp"
#include "fft/tensor_slice.hpp"
#include "test_fields.hpp"

namespace {

using fno::Index;
using fno::Parameter;

int rank_of(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int size_of(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

void broadcast_text(std::string& text, MPI_Comm comm) {
  std::uint64_t n = text.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm);
  text.resize(n);
  if (n) MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, 0, comm);
}

// ---- a synthetic model -------------------------------------------------------------------
// The parameters synthetic_config() implies (readers demand every one of them, with its
// shape): replicated tensors plus one complex spectral weight [in][out][10][14][4][2] whose
// mode block is split over a process grid by Layout::block, as the model's spectral weights
// are; and one extra distributed tensor the configuration does not know.

fno::FnoConfig synthetic_config() {
  fno::FnoConfig c;
  c.space_dims = 2;
  c.grid = {12, 14, 8};
  c.width = 3;
  c.modes = {5, 7, 4};
  c.layers = 1;
  c.proj_width = 6;
  c.in_channels = 2;
  c.out_channels = 1;
  c.padding = 2;
  return c;
}

const std::vector<Index> spectral_modes{10, 14, 4};  // 2m per space axis, m along time

// Partition-independent value of element g of parameter k.
double expected_value(std::uint64_t seed, std::size_t k, Index g) {
  return fno::test::hash_uniform(seed + 1000 * k, static_cast<std::uint64_t>(g));
}

struct SyntheticModel {
  std::vector<Parameter<double>> params;
  std::vector<std::vector<Index>> global_index;  // per parameter: global linear index of each local element
};

Parameter<double> replicated(const std::string& name, std::vector<Index> shape) {
  Parameter<double> p;
  p.name = name;
  p.global_shape = shape;
  p.local_start.assign(shape.size(), 0);
  p.local_shape = shape;
  p.replicated = true;
  return p;
}

// The model's parameters on the ranks of comm with the spectral weight split over a
// process grid of `process_dims`; values from `seed`, or zeros if !with_values.
SyntheticModel synthetic_model(MPI_Comm comm, const std::vector<int>& process_dims, std::uint64_t seed,
                               bool with_values) {
  const fno::FnoConfig c = synthetic_config();
  SyntheticModel m;
  m.params.push_back(replicated("lift.weight", {c.width, c.in_channels + c.space_dims + 1}));
  m.params.push_back(replicated("lift.bias", {c.width}));
  auto grid = std::make_shared<const fno::ProcessGrid>(comm, process_dims);
  const fno::Layout modes = fno::Layout::block(grid, spectral_modes, c.width * c.width);
  Parameter<double> spectral;
  spectral.name = "layers.0.spectral.weights";
  spectral.global_shape = {c.width, c.width};
  spectral.local_start = {0, 0};
  spectral.local_shape = {c.width, c.width};
  for (int a = 0; a < modes.ndim(); ++a) {
    spectral.global_shape.push_back(modes.global(a));
    spectral.local_start.push_back(modes.start(a));
    spectral.local_shape.push_back(modes.local(a));
  }
  spectral.global_shape.push_back(2);
  spectral.local_start.push_back(0);
  spectral.local_shape.push_back(2);
  spectral.replicated = false;
  m.params.push_back(spectral);
  m.params.push_back(replicated("proj.fc2.bias", {c.out_channels}));
  // A small distributed tensor split along its first axis: at np3 and np4 some ranks hold none of it.
  Parameter<double> tiny;
  tiny.name = "tiny.distributed";
  tiny.global_shape = {2, 3};
  const std::vector<Index> parts = fno::dmda_parts(2, size_of(comm));
  Index start = 0;
  for (int r = 0; r < rank_of(comm); ++r) start += parts[r];
  tiny.local_start = {start, 0};
  tiny.local_shape = {parts[rank_of(comm)], 3};
  tiny.replicated = false;
  m.params.push_back(tiny);
  m.params.push_back(replicated("layers.0.pointwise.weight", {c.width, c.width}));
  m.params.push_back(replicated("layers.0.pointwise.bias", {c.width}));
  m.params.push_back(replicated("proj.fc1.weight", {c.proj_width, c.width}));
  m.params.push_back(replicated("proj.fc1.bias", {c.proj_width}));
  m.params.push_back(replicated("proj.fc2.weight", {c.out_channels, c.proj_width}));
  for (std::size_t k = 0; k < m.params.size(); ++k) {
    auto& p = m.params[k];
    std::vector<Index> indices(static_cast<std::size_t>(fno::element_count(p.local_shape)));
    fno::for_each_in_hyperslab(p.global_shape, p.local_start, p.local_shape,
                               [&](Index g, Index s) { indices[static_cast<std::size_t>(s)] = g; });
    p.value.resize(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) p.value[i] = with_values ? expected_value(seed, k, indices[i]) : 0.0;
    p.grad.assign(indices.size(), 0.0);
    m.global_index.push_back(std::move(indices));
  }
  return m;
}

template <class T>
std::vector<Parameter<T>> converted(const std::vector<Parameter<double>>& params) {
  std::vector<Parameter<T>> out;
  for (const auto& p : params) {
    Parameter<T> q;
    q.name = p.name;
    q.global_shape = p.global_shape;
    q.local_start = p.local_start;
    q.local_shape = p.local_shape;
    q.replicated = p.replicated;
    q.value.assign(p.value.begin(), p.value.end());
    q.grad.assign(p.grad.begin(), p.grad.end());
    out.push_back(std::move(q));
  }
  return out;
}

fno::Normalizers<double> synthetic_normalizers() {
  fno::Normalizers<double> n;
  n.input = fno::UnitGaussianNormalizer<double>({0.5, -1.25}, {2.0, 0.1}, 1e-5);
  n.output = fno::UnitGaussianNormalizer<double>({3.0}, {0.25}, 1e-6);
  return n;
}

// Process grids: the writer splits two mode axes where it can, readers split another axis.
std::vector<int> writer_dims(int ranks) { return ranks == 4 ? std::vector<int>{2, 2} : std::vector<int>{ranks}; }
std::vector<int> reader_dims(int ranks) { return {1, ranks}; }

// Every value read matches the writer's global values, converted through `Stored`.
template <class Stored, class T>
void expect_values(const std::vector<Parameter<T>>& read, const SyntheticModel& layout, std::uint64_t seed) {
  ASSERT_EQ(read.size(), layout.params.size());
  for (std::size_t k = 0; k < read.size(); ++k) {
    ASSERT_EQ(read[k].value.size(), layout.global_index[k].size()) << read[k].name;
    for (std::size_t i = 0; i < read[k].value.size(); ++i)
      ASSERT_EQ(read[k].value[i], static_cast<T>(static_cast<Stored>(expected_value(seed, k, layout.global_index[k][i]))))
          << read[k].name << " element " << i;
  }
}

// The communicators a test reads on: the whole world, and (at np >= 2) rank 0 alone and
// the other ranks together (at np4: 1 and 3 ranks).
struct ReaderGroup {
  fno::Comm comm;
  std::string name;
};

std::vector<ReaderGroup> reader_groups() {
  std::vector<ReaderGroup> groups;
  groups.push_back({fno::Comm::borrow(MPI_COMM_WORLD), "world"});
  if (size_of(MPI_COMM_WORLD) > 1) {
    MPI_Comm split = MPI_COMM_NULL;
    const int color = rank_of(MPI_COMM_WORLD) == 0 ? 0 : 1;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank_of(MPI_COMM_WORLD), &split);
    groups.push_back({fno::Comm::own(split), color == 0 ? "rank 0 alone" : "the other ranks"});
  }
  return groups;
}

// ---- fixture: a scratch directory shared by all ranks --------------------------------------

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir;
    if (rank_of(MPI_COMM_WORLD) == 0) {
      std::string pattern = (std::filesystem::temp_directory_path() / "petscfno-model-file-XXXXXX").string();
      if (mkdtemp(pattern.data())) dir = pattern;
    }
    broadcast_text(dir, MPI_COMM_WORLD);
    ASSERT_FALSE(dir.empty()) << "cannot create a scratch directory";
    directory_ = dir;
    seed_ = fno::test::fresh_seed(MPI_COMM_WORLD);
  }
  void TearDown() override {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank_of(MPI_COMM_WORLD) == 0 && !directory_.empty()) std::filesystem::remove_all(directory_);
  }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  // Writes the synthetic model (double, native precision) on every rank.
  std::string write_valid_model(const std::string& name) {
    const std::string file = path(name);
    const auto model = synthetic_model(MPI_COMM_WORLD, writer_dims(size_of(MPI_COMM_WORLD)), seed_, true);
    fno::write_model(file, MPI_COMM_WORLD, synthetic_config(), model.params, synthetic_normalizers());
    return file;
  }
  std::filesystem::path directory_;
  std::uint64_t seed_ = 0;
};

TEST_F(ModelFile, RoundTripAcrossRankCountsAndPartitions) {
  const std::string file = path("model.h5");
  const int world = size_of(MPI_COMM_WORLD);
  const auto written = synthetic_model(MPI_COMM_WORLD, writer_dims(world), seed_, true);
  const fno::Normalizers<double> normalizers = synthetic_normalizers();
  fno::write_model(file, MPI_COMM_WORLD, synthetic_config(), written.params, normalizers);

  // Only the model remains: the temporary file was renamed over it.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "model.h5");
  }
  EXPECT_EQ(files, 1u);

  for (auto& group : reader_groups()) {
    SCOPED_TRACE("reading on " + group.name + " (" + std::to_string(group.comm.size()) + " ranks)");
    const fno::ModelFileInfo info = fno::read_model_info(file, group.comm);
    EXPECT_EQ(info.version, 1);
    EXPECT_EQ(info.precision, "float64");
    EXPECT_EQ(info.parameter_names,
              (std::vector<std::string>{"layers.0.pointwise.bias", "layers.0.pointwise.weight",
                                        "layers.0.spectral.weights", "lift.bias", "lift.weight", "proj.fc1.bias",
                                        "proj.fc1.weight", "proj.fc2.bias", "proj.fc2.weight", "tiny.distributed"}));
    EXPECT_TRUE(info.has_input_normalizer && info.has_output_normalizer);
    EXPECT_FALSE(info.has_checkpoint);
    const fno::FnoConfig config = fno::read_model_config(file, group.comm);
    const fno::FnoConfig expected = synthetic_config();
    EXPECT_EQ(config.space_dims, expected.space_dims);
    EXPECT_EQ(config.grid, expected.grid);
    EXPECT_EQ(config.width, expected.width);
    EXPECT_EQ(config.modes, expected.modes);
    EXPECT_EQ(config.layers, expected.layers);
    EXPECT_EQ(config.proj_width, expected.proj_width);
    EXPECT_EQ(config.in_channels, expected.in_channels);
    EXPECT_EQ(config.out_channels, expected.out_channels);
    EXPECT_EQ(config.padding, expected.padding);

    // The reader's own partition, values zeroed before reading.
    auto reader = synthetic_model(group.comm, reader_dims(group.comm.size()), seed_, false);
    fno::Normalizers<double> read_normalizers;
    fno::read_model(file, group.comm, config, reader.params, &read_normalizers);
    expect_values<double>(reader.params, reader, seed_);
    ASSERT_TRUE(read_normalizers.input && read_normalizers.output);
    EXPECT_EQ(read_normalizers.input->mean(), normalizers.input->mean());
    EXPECT_EQ(read_normalizers.input->stddev(), normalizers.input->stddev());
    EXPECT_EQ(read_normalizers.input->epsilon(), normalizers.input->epsilon());
    EXPECT_EQ(read_normalizers.output->mean(), normalizers.output->mean());
    EXPECT_EQ(read_normalizers.output->stddev(), normalizers.output->stddev());
    EXPECT_EQ(read_normalizers.output->epsilon(), normalizers.output->epsilon());

    // Reading converts: the same file into float parameters.
    auto reader_float = converted<float>(synthetic_model(group.comm, reader_dims(group.comm.size()), seed_, false).params);
    fno::read_model(file, group.comm, config, reader_float);
    expect_values<double>(reader_float, reader, seed_);
  }
}

TEST_F(ModelFile, Float32StorageAndFloatWritersConvertOnRead) {
  const int world = size_of(MPI_COMM_WORLD);
  const auto written = synthetic_model(MPI_COMM_WORLD, writer_dims(world), seed_, true);
  const std::string from_double = path("double-as-float32.h5"), from_float = path("float.h5");
  fno::write_model(from_double, MPI_COMM_WORLD, synthetic_config(), written.params, synthetic_normalizers(),
                   {.precision = fno::StoredPrecision::float32});
  fno::Normalizers<float> float_normalizers;
  float_normalizers.input = fno::UnitGaussianNormalizer<float>({0.5f, -1.25f}, {2.0f, 0.1f});
  fno::write_model(from_float, MPI_COMM_WORLD, synthetic_config(), converted<float>(written.params), float_normalizers);
  for (auto& group : reader_groups()) {
    SCOPED_TRACE("reading on " + group.name);
    for (const auto& file : {from_double, from_float}) {
      EXPECT_EQ(fno::read_model_info(file, group.comm).precision, "float32");
      auto reader = synthetic_model(group.comm, reader_dims(group.comm.size()), seed_, false);
      fno::Normalizers<double> normalizers;
      fno::read_model(file, group.comm, synthetic_config(), reader.params, &normalizers);
      expect_values<float>(reader.params, reader, seed_);
      ASSERT_TRUE(normalizers.input.has_value());
      EXPECT_EQ(normalizers.input->mean()[1], static_cast<double>(-1.25f));
      EXPECT_EQ(normalizers.input->stddev()[1], static_cast<double>(0.1f));
      EXPECT_EQ(normalizers.output.has_value(), file == from_double);
    }
  }
}

// A gradient that depends only on the global index, the parameter, the step and the value,
// so any partition computes the same elementwise updates.
void set_synthetic_gradients(SyntheticModel& m, std::uint64_t seed, int step) {
  for (std::size_t k = 0; k < m.params.size(); ++k)
    for (std::size_t i = 0; i < m.params[k].value.size(); ++i)
      m.params[k].grad[i] = fno::test::hash_uniform(seed + 77 * k + 13 * static_cast<std::uint64_t>(step),
                                                    static_cast<std::uint64_t>(m.global_index[k][i])) +
                            0.1 * m.params[k].value[i];
}

fno::AdamSettings checkpoint_settings() {
  fno::AdamSettings s;
  s.kind = fno::OptimizerKind::adamw;
  s.lr = 0.01;
  s.beta1 = 0.85;
  s.beta2 = 0.995;
  s.eps = 1e-7;
  s.weight_decay = 0.05;
  return s;
}

// The state after three steps from the initial values, computed on the given partition.
void train_three_steps(SyntheticModel& m, fno::AdamOptimizer<double>& optimizer, std::uint64_t seed) {
  for (int step = 0; step < 3; ++step) {
    set_synthetic_gradients(m, seed, step);
    optimizer.step(m.params);
  }
  optimizer.set_lr(0.005);
}

TEST_F(ModelFile, CheckpointRoundTripRestoresOptimizerEpochAndRng) {
  const std::string file = path("checkpoint.h5");
  const int world = size_of(MPI_COMM_WORLD);
  auto written = synthetic_model(MPI_COMM_WORLD, writer_dims(world), seed_, true);
  fno::AdamOptimizer<double> optimizer(checkpoint_settings(), written.params);
  train_three_steps(written, optimizer, seed_);
  fno::TrainingProgress progress;
  progress.epoch = 7;
  progress.schedule = fno::LrSchedule::cosine(20, 1e-4);
  progress.rng.seed(seed_);
  progress.rng.discard(1000);
  fno::write_checkpoint(file, MPI_COMM_WORLD, synthetic_config(), written.params, synthetic_normalizers(), optimizer,
                        progress);
  for (auto& group : reader_groups()) {
    SCOPED_TRACE("reading on " + group.name);
    EXPECT_TRUE(fno::read_model_info(file, group.comm).has_checkpoint);
    const std::vector<int> dims = reader_dims(group.comm.size());
    // Reference: the same training on the reader's partition.
    auto reference = synthetic_model(group.comm, dims, seed_, true);
    fno::AdamOptimizer<double> reference_optimizer(checkpoint_settings(), reference.params);
    train_three_steps(reference, reference_optimizer, seed_);

    auto resumed = synthetic_model(group.comm, dims, seed_, false);
    fno::AdamOptimizer<double> resumed_optimizer(fno::AdamSettings{}, resumed.params);
    fno::Normalizers<double> normalizers;
    const fno::TrainingProgress read = fno::read_checkpoint(file, group.comm, synthetic_config(), resumed.params,
                                                            &normalizers, resumed_optimizer);
    std::vector<std::vector<double>> values_at_checkpoint;
    for (const auto& p : resumed.params) values_at_checkpoint.push_back(p.value);
    EXPECT_EQ(read.epoch, 7);
    EXPECT_EQ(read.schedule.kind, fno::ScheduleKind::cosine);
    EXPECT_EQ(read.schedule.t_max, 20);
    EXPECT_EQ(read.schedule.eta_min, 1e-4);
    EXPECT_TRUE(read.rng == progress.rng);
    EXPECT_TRUE(normalizers.input.has_value());
    const fno::AdamSettings& s = resumed_optimizer.settings();
    EXPECT_EQ(s.kind, fno::OptimizerKind::adamw);
    EXPECT_EQ(s.lr, 0.01);
    EXPECT_EQ(s.beta1, 0.85);
    EXPECT_EQ(s.beta2, 0.995);
    EXPECT_EQ(s.eps, 1e-7);
    EXPECT_EQ(s.weight_decay, 0.05);
    EXPECT_EQ(resumed_optimizer.lr(), 0.005);
    EXPECT_EQ(resumed_optimizer.step_count(), 3);
    for (std::size_t k = 0; k < resumed.params.size(); ++k) {
      EXPECT_EQ(resumed.params[k].value, reference.params[k].value) << resumed.params[k].name;
      EXPECT_EQ(resumed_optimizer.exp_avg()[k], reference_optimizer.exp_avg()[k]) << resumed.params[k].name;
      EXPECT_EQ(resumed_optimizer.exp_avg_sq()[k], reference_optimizer.exp_avg_sq()[k]) << resumed.params[k].name;
    }
    // Training continues exactly as if it had never stopped.
    set_synthetic_gradients(reference, seed_, 3);
    set_synthetic_gradients(resumed, seed_, 3);
    reference_optimizer.step(reference.params);
    resumed_optimizer.step(resumed.params);
    for (std::size_t k = 0; k < resumed.params.size(); ++k)
      EXPECT_EQ(resumed.params[k].value, reference.params[k].value) << resumed.params[k].name;

    // A checkpoint is also a model.
    auto as_model = synthetic_model(group.comm, dims, seed_, false);
    fno::read_model(file, group.comm, synthetic_config(), as_model.params);
    for (std::size_t k = 0; k < as_model.params.size(); ++k)
      EXPECT_EQ(as_model.params[k].value, values_at_checkpoint[k]) << as_model.params[k].name;
  }
}

TEST_F(ModelFile, OverwritingReplacesTheModel) {
  const std::string file = write_valid_model("model.h5");
  const std::uint64_t first_seed = seed_;
  seed_ = first_seed + 1;
  write_valid_model("model.h5");
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed_, false);
  fno::read_model(file, MPI_COMM_WORLD, synthetic_config(), reader.params);
  expect_values<double>(reader.params, reader, seed_);
}

// ---- errors ------------------------------------------------------------------------------

// f must throw fno::Error on every rank, with the same message everywhere, containing the
// file name and every needle.
template <class F>
void expect_same_error_everywhere(const std::string& file, F&& f, std::initializer_list<std::string> needles) {
  std::string message;
  try {
    f();
  } catch (const fno::Error& e) {
    message = e.what();
  }
  ASSERT_FALSE(message.empty()) << "no fno::Error thrown";
  EXPECT_NE(message.find("'" + file + "'"), std::string::npos) << message;
  for (const auto& needle : needles) EXPECT_NE(message.find(needle), std::string::npos) << message;
  std::string rank0_message = message;
  broadcast_text(rank0_message, MPI_COMM_WORLD);
  EXPECT_EQ(message, rank0_message);
}

// Rank 0 edits the file with the HDF5 API; the others wait.
template <class F>
void edit_on_rank0(const std::string& file, F&& edit) {
  if (rank_of(MPI_COMM_WORLD) == 0) {
    fno::h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    edit(f.get());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

void read_synthetic(const std::string& file, std::uint64_t seed) {
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed, false);
  fno::read_model(file, MPI_COMM_WORLD, synthetic_config(), reader.params);
}

TEST_F(ModelFile, MissingFile) {
  const std::string file = path("absent.h5");
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); }, {"no such file"});
  expect_same_error_everywhere(file, [&] { fno::read_model_config(file, MPI_COMM_WORLD); }, {"no such file"});
}

TEST_F(ModelFile, RandomBytesAreNotAnHdf5File) {
  const std::string file = path("random.h5");
  if (rank_of(MPI_COMM_WORLD) == 0) {
    std::ofstream out(file, std::ios::binary);
    for (std::uint64_t i = 0; i < 8192; ++i)
      out.put(static_cast<char>(static_cast<int>(128 * (fno::test::hash_uniform(seed_, i) + 1))));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); }, {"not an HDF5 file"});
  expect_same_error_everywhere(file, [&] { fno::read_model_config(file, MPI_COMM_WORLD); }, {"not an HDF5 file"});
}

TEST_F(ModelFile, TruncatedFile) {
  const std::string valid = write_valid_model("model.h5");
  const std::string file = path("truncated.h5");
  if (rank_of(MPI_COMM_WORLD) == 0) {
    const auto size = std::filesystem::file_size(valid);
    std::ifstream in(valid, std::ios::binary);
    std::string half(size / 2, '\0');
    in.read(half.data(), static_cast<std::streamsize>(half.size()));
    std::ofstream(file, std::ios::binary).write(half.data(), static_cast<std::streamsize>(half.size()));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); }, {"truncated"});
  expect_same_error_everywhere(file, [&] { fno::read_model_config(file, MPI_COMM_WORLD); }, {"truncated"});
}

TEST_F(ModelFile, UnsupportedVersion) {
  const std::string file = write_valid_model("model.h5");
  edit_on_rank0(file, [](hid_t f) {
    fno::h5::Attribute version(H5Aopen(f, "version", H5P_DEFAULT));
    const std::int64_t two = 2;
    ASSERT_GE(H5Awrite(version.get(), H5T_NATIVE_INT64, &two), 0);
  });
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); },
                               {"unsupported model file version 2", "reads version 1"});
  expect_same_error_everywhere(file, [&] { fno::read_model_config(file, MPI_COMM_WORLD); },
                               {"unsupported model file version 2"});
}

TEST_F(ModelFile, WrongFormat) {
  const std::string file = write_valid_model("model.h5");
  edit_on_rank0(file, [](hid_t f) {
    ASSERT_GE(H5Adelete(f, "format"), 0);
    fno::h5::Datatype type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), 9);
    fno::h5::Dataspace scalar(H5Screate(H5S_SCALAR));
    fno::h5::Attribute format(H5Acreate2(f, "format", type.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Awrite(format.get(), type.get(), "other-fmt"), 0);
  });
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); },
                               {"format is 'other-fmt'", "not a petsc-fno model file"});
}

TEST_F(ModelFile, ParameterShapeDiffersFromTheRequest) {
  const std::string file = write_valid_model("model.h5");
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed_, false);
  reader.params[0].global_shape = reader.params[0].local_shape = {3, 6};  // the file has [3, 5]
  expect_same_error_everywhere(
      file, [&] { fno::read_model(file, MPI_COMM_WORLD, synthetic_config(), reader.params); },
      {"parameter 'lift.weight' has shape [3, 5] in the file but [3, 6] is expected"});
}

TEST_F(ModelFile, DatasetWithTheWrongShapeInTheFile) {
  const std::string file = write_valid_model("model.h5");
  edit_on_rank0(file, [](hid_t f) {
    ASSERT_GE(H5Ldelete(f, "params/lift.bias", H5P_DEFAULT), 0);
    const hsize_t four = 4;
    fno::h5::Dataspace space(H5Screate_simple(1, &four, nullptr));
    fno::h5::Dataset d(H5Dcreate2(f, "params/lift.bias", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT));
    const double values[4] = {1, 2, 3, 4};
    ASSERT_GE(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
  });
  expect_same_error_everywhere(file, [&] { read_synthetic(file, seed_); },
                               {"parameter 'lift.bias' has shape [4] in the file but [3] is expected"});
}

TEST_F(ModelFile, ConfigurationDiffersFromTheRequest) {
  const std::string file = write_valid_model("model.h5");
  fno::FnoConfig other = synthetic_config();
  other.width = 4;
  other.modes = {5, 7, 3};
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed_, false);
  expect_same_error_everywhere(
      file, [&] { fno::read_model(file, MPI_COMM_WORLD, other, reader.params); },
      {"does not match the requested model", "width 3 in the file, 4 requested",
       "modes [5, 7, 4] in the file, [5, 7, 3] requested"});
}

TEST_F(ModelFile, MissingParameter) {
  const std::string file = write_valid_model("model.h5");
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed_, false);
  reader.params.push_back(replicated("extra.bias", {2}));
  reader.params.back().value.assign(2, 0.0);
  expect_same_error_everywhere(
      file, [&] { fno::read_model(file, MPI_COMM_WORLD, synthetic_config(), reader.params); },
      {"missing parameter 'extra.bias'"});
}

TEST_F(ModelFile, ModelIsNotACheckpoint) {
  const std::string file = write_valid_model("model.h5");
  auto reader = synthetic_model(MPI_COMM_WORLD, reader_dims(size_of(MPI_COMM_WORLD)), seed_, false);
  fno::AdamOptimizer<double> optimizer(fno::AdamSettings{}, reader.params);
  expect_same_error_everywhere(
      file,
      [&] { fno::read_checkpoint(file, MPI_COMM_WORLD, synthetic_config(), reader.params, nullptr, optimizer); },
      {"not a checkpoint"});
}

TEST_F(ModelFile, WriteErrorsAreReportedEverywhereAndLeaveNoFile) {
  const std::string file = path("no-such-directory/model.h5");
  const auto model = synthetic_model(MPI_COMM_WORLD, writer_dims(size_of(MPI_COMM_WORLD)), seed_, true);
  expect_same_error_everywhere(
      file, [&] { fno::write_model(file, MPI_COMM_WORLD, synthetic_config(), model.params, {}); }, {"creating"});
  // A local value that does not match its hyperslab, on the last rank only.
  auto broken = model;
  if (rank_of(MPI_COMM_WORLD) == size_of(MPI_COMM_WORLD) - 1) broken.params[1].value.pop_back();
  const std::string target = path("model.h5");
  expect_same_error_everywhere(
      target, [&] { fno::write_model(target, MPI_COMM_WORLD, synthetic_config(), broken.params, {}); },
      {"parameter 'lift.bias' holds 2 values"});
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_TRUE(std::filesystem::is_empty(directory_));
}

TEST_F(ModelFile, RanksMustDescribeTheSameModel) {
  ASSERT_GE(size_of(MPI_COMM_WORLD), 2) << "registered for 2 or more ranks only (tests/training/CMakeLists.txt)";
  const std::string file = path("model.h5");
  auto model = synthetic_model(MPI_COMM_WORLD, writer_dims(size_of(MPI_COMM_WORLD)), seed_, true);
  if (rank_of(MPI_COMM_WORLD) == 1) model.params[3].name = "proj.fc2.other";
  expect_same_error_everywhere(
      file, [&] { fno::write_model(file, MPI_COMM_WORLD, synthetic_config(), model.params, {}); },
      {"rank 1 passed a different"});
}

}  // namespace

namespace {

TEST_F(ModelFile, DistributedHyperslabsMustTileTheTensor) {
  ASSERT_GE(size_of(MPI_COMM_WORLD), 2) << "registered for 2 or more ranks only (tests/training/CMakeLists.txt)";
  const std::string file = path("model.h5");
  // Every rank claims the whole spectral weight: overlapping hyperslabs.
  auto model = synthetic_model(MPI_COMM_SELF, {1}, seed_, true);
  expect_same_error_everywhere(
      file, [&] { fno::write_model(file, MPI_COMM_WORLD, synthetic_config(), model.params, {}); },
      {"distributed parameter 'layers.0.spectral.weights'", "must tile it"});
}

}  // namespace
