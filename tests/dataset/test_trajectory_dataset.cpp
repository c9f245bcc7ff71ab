// Dataset schema v2 (surrogate/files/trajectory_dataset.*): cases written collectively, each rank
// its DMDA-like block, on every process grid of the test's rank count (uneven blocks), read
// back exactly; the same content whatever the rank count; appending; reuse of a case that
// was not marked done; layout mismatches and missing pieces refused with one message on every
// rank; check_trajectory_file refusing truncated files, other schemas and wrong shapes; a
// non-finite value found by the reader; h5py opens the file.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "files/hdf5_handles.hpp"
#include "fft/layout.hpp"
#include "common/rank_agreement.hpp"
#include "test_fields.hpp"
#include "files/trajectory_dataset.hpp"

namespace {

using fno::GridBlock;
using fno::Index;
using fno::TrajectoryInfo;
using fno::TrajectoryLayout;
using fno::TrajectoryReader;
using fno::TrajectoryWriter;

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

// A file name of this test and this rank count (the np1..np4 runs may run at once).
std::string file_name(const std::string& what) {
  return "trajectory_np" + std::to_string(size_of(MPI_COMM_WORLD)) + "_" + what + ".h5";
}

void remove_file(const std::string& path, MPI_Comm comm) {
  if (rank_of(comm) == 0) std::filesystem::remove(path);
  MPI_Barrier(comm);
}

TrajectoryLayout layout_2d() {
  TrajectoryLayout l;
  l.grid = {7, 5};
  l.boundary = {"periodic", "none"};
  l.components = {"u", "v", "w"};
  l.input_fields = {"kappa"};
  l.initial_inputs = {"u", "w"};
  l.output_fields = {"u", "v"};
  l.times = {0.0, 0.25, 0.5, 1.0};
  l.time_units = "s";
  l.host = "test_trajectory_dataset";
  l.parameter_names = {"amplitude", "correlation"};
  return l;
}

TrajectoryLayout layout_3d() {
  TrajectoryLayout l;
  l.grid = {5, 4, 3};
  l.boundary = {"none", "ghosted", "mirror"};
  l.components = {"p", "s"};
  l.initial_inputs = {"p", "s"};
  l.output_fields = {"s"};
  l.times = {0.0, 10.0, 20.0};
  l.time_units = "days";
  return l;
}

// Rank `rank`'s block of `grid` over a process grid `procs` (x fastest, DMDA rule).
GridBlock block_of(const std::vector<Index>& grid, const std::vector<int>& procs, int rank) {
  GridBlock b;
  for (std::size_t a = 0; a < grid.size(); ++a) {
    const int coord = rank % procs[a];
    rank /= procs[a];
    const std::vector<Index> parts = fno::dmda_parts(grid[a], procs[a]);
    Index start = 0;
    for (int k = 0; k < coord; ++k) start += parts[static_cast<std::size_t>(k)];
    b.start.push_back(start);
    b.extent.push_back(parts[static_cast<std::size_t>(coord)]);
  }
  return b;
}

GridBlock whole(const std::vector<Index>& grid) { return GridBlock{std::vector<Index>(grid.size(), 0), grid}; }

// The value of (kind, case, time, row) at a grid point: exact in float64, distinct everywhere.
double value(int kind, Index c, Index t, Index row, const std::vector<Index>& point) {
  double v = kind * 1e6 + static_cast<double>(c) * 1e4 + static_cast<double>(t) * 1e3 + static_cast<double>(row) * 100;
  double scale = 1;
  for (Index x : point) {
    v += static_cast<double>(x) * scale;
    scale /= 16;
  }
  return v;
}

// [rows][block points] of value(kind, c, t, rows...) over `block`.
std::vector<double> block_values(int kind, Index c, Index t, Index rows, const GridBlock& block) {
  std::vector<double> out;
  for (Index r = 0; r < rows; ++r) {
    std::vector<Index> point(block.start.size());
    for (Index p = 0; p < block.points(); ++p) {
      Index rest = p;
      for (std::size_t a = 0; a < point.size(); ++a) {
        point[a] = block.start[a] + rest % block.extent[a];
        rest /= block.extent[a];
      }
      out.push_back(value(kind, c, t, r, point));
    }
  }
  return out;
}

// Records case `tag` (its values, seed and parameters depend on the tag) into `path`.
Index record(MPI_Comm comm, const std::string& path, const TrajectoryLayout& layout, const GridBlock& block, Index tag,
             bool done = true, Index skip_snapshot = -1) {
  TrajectoryWriter writer(comm, path, layout, block);
  const auto C = static_cast<Index>(layout.components.size());
  writer.write_initial(block_values(1, tag, 0, C, block));
  writer.write_inputs(block_values(2, tag, 0, static_cast<Index>(layout.input_fields.size()), block));
  for (Index k = 0; k < static_cast<Index>(layout.times.size()); ++k)
    if (k != skip_snapshot) writer.write_snapshot(k, block_values(3, tag, k, C, block));
  std::vector<double> parameters;
  for (std::size_t p = 0; p < layout.parameter_names.size(); ++p) parameters.push_back(0.5 * static_cast<double>(tag) + static_cast<double>(p));
  writer.write_record(100 + tag, parameters);
  if (done) writer.mark_done();
  return writer.case_index();
}

// Reads case `c` of the file over `block` and compares every value with case `tag`'s.
void expect_case(const TrajectoryReader& reader, Index c, const GridBlock& block, Index tag) {
  const TrajectoryLayout& l = reader.info().layout;
  const auto C = static_cast<Index>(l.components.size());
  const auto T = static_cast<Index>(l.times.size());
  const Index P = block.points();
  std::vector<Index> components(static_cast<std::size_t>(C)), times(static_cast<std::size_t>(T));
  for (Index k = 0; k < C; ++k) components[static_cast<std::size_t>(k)] = k;
  for (Index k = 0; k < T; ++k) times[static_cast<std::size_t>(k)] = k;
  std::vector<double> initial(static_cast<std::size_t>(C * P));
  reader.read_initial(c, block, components, initial);
  EXPECT_EQ(initial, block_values(1, tag, 0, C, block)) << "case " << c;
  std::vector<double> inputs(l.input_fields.size() * static_cast<std::size_t>(P));
  reader.read_inputs(c, block, inputs);
  EXPECT_EQ(inputs, block_values(2, tag, 0, static_cast<Index>(l.input_fields.size()), block)) << "case " << c;
  std::vector<double> outputs(static_cast<std::size_t>(T * C * P));
  reader.read_outputs(c, block, times, components, outputs);
  std::vector<double> expected;
  for (Index k = 0; k < T; ++k) {
    const auto snap = block_values(3, tag, k, C, block);
    expected.insert(expected.end(), snap.begin(), snap.end());
  }
  EXPECT_EQ(outputs, expected) << "case " << c;
  // A chosen subset in a chosen order: the last time, then time 0; the last component only.
  const std::vector<Index> some_times{T - 1, 0}, last{C - 1};
  std::vector<double> subset(static_cast<std::size_t>(2 * P));
  reader.read_outputs(c, block, some_times, last, subset);
  for (Index p = 0; p < P; ++p) {
    EXPECT_EQ(subset[static_cast<std::size_t>(p)], block_values(3, tag, T - 1, C, block)[static_cast<std::size_t>((C - 1) * P + p)]);
    EXPECT_EQ(subset[static_cast<std::size_t>(P + p)], block_values(3, tag, 0, C, block)[static_cast<std::size_t>((C - 1) * P + p)]);
  }
  EXPECT_EQ(reader.info().seeds[static_cast<std::size_t>(c)], 100 + tag);
  for (std::size_t p = 0; p < l.parameter_names.size(); ++p)
    EXPECT_EQ(reader.info().parameters[static_cast<std::size_t>(c)][p], 0.5 * static_cast<double>(tag) + static_cast<double>(p));
}

// The fno::Error that `f` throws (with an empty message if it throws none), after checking
// that every rank of comm got the same one.
std::string agreed_throw(MPI_Comm comm, const std::function<void()>& f) {
  std::string message;
  try {
    f();
  } catch (const fno::Error& e) {
    message = e.what();
  }
  std::string root = message;
  fno::broadcast_string(comm, root, 0);
  EXPECT_EQ(message, root) << "rank " << rank_of(comm) << " threw another error than rank 0";
  return message;
}

// Every process grid of the rank count writes three cases; every grid again reads them back
// (each rank its block, and rank 0 the whole grid).
TEST(TrajectoryDataset, RoundTripOnEveryProcessGrid) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  for (const TrajectoryLayout& layout : {layout_2d(), layout_3d()}) {
    for (const std::vector<int>& procs : fno::test::factorizations(np, static_cast<int>(layout.grid.size()))) {
      const std::string path = file_name("roundtrip");
      remove_file(path, comm);
      const GridBlock block = block_of(layout.grid, procs, rank);
      for (Index tag = 0; tag < 3; ++tag) EXPECT_EQ(record(comm, path, layout, block, tag), tag);
      const TrajectoryInfo info = fno::inspect_trajectory_file(comm, path);
      EXPECT_EQ(info.cases, 3);
      EXPECT_EQ(info.done_cases(), (std::vector<Index>{0, 1, 2}));
      EXPECT_TRUE(info.layout.difference(layout).empty()) << info.layout.difference(layout);
      EXPECT_EQ(info.layout.host, layout.host);
      TrajectoryReader reader(comm, path, info);
      for (const std::vector<int>& other : fno::test::factorizations(np, static_cast<int>(layout.grid.size())))
        for (Index c = 0; c < 3; ++c) expect_case(reader, c, block_of(layout.grid, other, rank), c);
      if (rank == 0) expect_case(reader, 1, whole(layout.grid), 1);
      reader.close();
    }
  }
}

// Written by every rank, and by rank 0 alone: the same attributes and values.
TEST(TrajectoryDataset, SameContentWhateverTheRankCount) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  const TrajectoryLayout layout = layout_2d();
  const std::string all = file_name("all_ranks"), one = file_name("one_rank");
  remove_file(all, comm);
  remove_file(one, comm);
  const std::vector<int> procs = fno::test::factorizations(np, 2).back();
  for (Index tag = 0; tag < 2; ++tag) record(comm, all, layout, block_of(layout.grid, procs, rank), tag);
  MPI_Comm self = MPI_COMM_NULL;
  MPI_Comm_split(comm, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    for (Index tag = 0; tag < 2; ++tag) record(self, one, layout, whole(layout.grid), tag);
    const TrajectoryInfo a = fno::check_trajectory_file(all), b = fno::check_trajectory_file(one);
    EXPECT_TRUE(a.layout.difference(b.layout).empty());
    EXPECT_EQ(a.done, b.done);
    EXPECT_EQ(a.seeds, b.seeds);
    EXPECT_EQ(a.parameters, b.parameters);
    TrajectoryReader ra(self, all, a), rb(self, one, b);
    const GridBlock g = whole(layout.grid);
    const std::vector<Index> times{0, 1, 2, 3}, components{0, 1, 2};
    for (Index c = 0; c < 2; ++c) {
      std::vector<double> x(static_cast<std::size_t>(4 * 3 * g.points())), y(x.size());
      ra.read_outputs(c, g, times, components, x);
      rb.read_outputs(c, g, times, components, y);
      EXPECT_EQ(x, y);
      std::vector<double> xi(static_cast<std::size_t>(3 * g.points())), yi(xi.size());
      ra.read_initial(c, g, components, xi);
      rb.read_initial(c, g, components, yi);
      EXPECT_EQ(xi, yi);
    }
    ra.close();
    rb.close();
    MPI_Comm_free(&self);
  }
  MPI_Barrier(comm);
}

// A second writer appends; a writer that did not finish leaves its case not done, the file
// readable, and the next writer reuses that case.
TEST(TrajectoryDataset, AppendsAndReusesACaseNotDone) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  const TrajectoryLayout layout = layout_3d();
  const std::string path = file_name("append");
  remove_file(path, comm);
  const GridBlock block = block_of(layout.grid, fno::test::factorizations(np, 3).front(), rank);
  EXPECT_EQ(record(comm, path, layout, block, 0), 0);
  EXPECT_EQ(record(comm, path, layout, block, 1), 1);
  EXPECT_EQ(record(comm, path, layout, block, 7, /*done=*/false), 2);  // "killed" before mark_done
  TrajectoryInfo info = fno::inspect_trajectory_file(comm, path);
  EXPECT_EQ(info.cases, 3);
  EXPECT_EQ(info.done, (std::vector<std::int8_t>{1, 1, 0}));
  {
    TrajectoryReader reader(comm, path, info);
    std::vector<double> out(static_cast<std::size_t>(2 * block.points()));
    const std::vector<Index> both{0, 1};
    const std::string message = agreed_throw(comm, [&] { reader.read_initial(2, block, both, out); });
    EXPECT_NE(message.find("case 2 is not a complete case"), std::string::npos) << message;
    reader.close();
  }
  EXPECT_EQ(record(comm, path, layout, block, 2), 2);  // reuses case 2
  EXPECT_EQ(record(comm, path, layout, block, 3), 3);
  info = fno::inspect_trajectory_file(comm, path);
  EXPECT_EQ(info.cases, 4);
  EXPECT_EQ(info.done_cases(), (std::vector<Index>{0, 1, 2, 3}));
  TrajectoryReader reader(comm, path, info);
  for (Index c = 0; c < 4; ++c) expect_case(reader, c, block, c);
  reader.close();
}

// Another grid, other fields, other times: refused before anything is written, the same
// message on every rank, naming the dataset and both layouts.
TEST(TrajectoryDataset, AppendingAnotherLayoutIsRefusedOnEveryRank) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  const TrajectoryLayout layout = layout_2d();
  const std::string path = file_name("mismatch");
  remove_file(path, comm);
  record(comm, path, layout, block_of(layout.grid, {np, 1}, rank), 0);

  struct Case {
    std::function<void(TrajectoryLayout&)> change;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](TrajectoryLayout& l) { l.grid = {6, 5}; },
       "dataset '" + path + "' holds cases of a 7x5 grid with components u,v,w; this run has a 6x5 grid with components u,v,w"},
      {[](TrajectoryLayout& l) { l.components = {"u", "v", "q"}; l.initial_inputs = {"u"}; },
       "holds cases of a 7x5 grid with components u,v,w; this run has a 7x5 grid with components u,v,q"},
      {[](TrajectoryLayout& l) { l.boundary = {"none", "none"}; },
       "holds cases of a 7x5 grid with boundaries periodic,none; this run has boundaries none,none"},
      {[](TrajectoryLayout& l) { l.input_fields = {}; }, "holds cases with input fields kappa; this run has input fields (none)"},
      {[](TrajectoryLayout& l) { l.initial_inputs = {"v"}; },
       "holds cases whose model takes u,w from the initial state; this run takes v"},
      {[](TrajectoryLayout& l) { l.output_fields = {"u", "v", "w"}; }, "holds cases whose model predicts u,v; this run predicts u,v,w"},
      {[](TrajectoryLayout& l) { l.times = {0, 0.5}; },
       "holds snapshots at 4 times from 0 to 1 (s); this run records 2 times from 0 to 0.5 (s)"},
      {[](TrajectoryLayout& l) { l.times[2] = 0.75; }, "holds snapshot 2 at time 0.5 (s); this run records it at 0.75"},
      {[](TrajectoryLayout& l) { l.parameter_names = {"amplitude"}; },
       "holds the parameters amplitude,correlation per case; this run records amplitude"},
  };
  for (const Case& c : cases) {
    TrajectoryLayout other = layout;
    c.change(other);
    const std::vector<int> procs = other.grid.size() == 2 ? std::vector<int>{1, np} : std::vector<int>{np};
    const std::string message =
        agreed_throw(comm, [&] { TrajectoryWriter writer(comm, path, other, block_of(other.grid, procs, rank)); });
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    EXPECT_EQ(message.find("dataset '" + path + "' "), 0u) << message;
  }
  // Nothing was appended.
  EXPECT_EQ(fno::inspect_trajectory_file(comm, path).cases, 1);
}

TEST(TrajectoryDataset, BadArgumentsAreRefusedOnEveryRank) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  const std::string path = file_name("arguments");
  remove_file(path, comm);
  TrajectoryLayout layout = layout_2d();
  const GridBlock block = block_of(layout.grid, {np, 1}, rank);
  // Invalid layouts.
  TrajectoryLayout bad = layout;
  bad.output_fields = {"v", "u"};
  EXPECT_NE(agreed_throw(comm, [&] { TrajectoryWriter w(comm, path, bad, block); }).find("component order"), std::string::npos);
  bad = layout;
  bad.times = {0, 1, 1};
  EXPECT_NE(agreed_throw(comm, [&] { TrajectoryWriter w(comm, path, bad, block); }).find("strictly increasing"),
            std::string::npos);
  bad = layout;
  bad.initial_inputs = {"x"};
  EXPECT_NE(agreed_throw(comm, [&] { TrajectoryWriter w(comm, path, bad, block); }).find("'x' is not a component"),
            std::string::npos);
  // Blocks that do not tile the grid.
  GridBlock partial = block;
  if (rank == 0) partial.extent[1] -= 1;
  EXPECT_NE(agreed_throw(comm, [&] { TrajectoryWriter w(comm, path, layout, partial); }).find("must tile it"),
            std::string::npos);
  // A rank with another layout.
  bad = layout;
  if (rank == np - 1) bad.host = "another";
  if (np > 1) {
    EXPECT_NE(agreed_throw(comm, [&] { TrajectoryWriter w(comm, path, bad, block); }).find("different layout"),
              std::string::npos);
  }
  // A case with a missing snapshot cannot be marked done; a non-finite value is refused.
  const std::string missing = agreed_throw(comm, [&] { record(comm, path, layout, block, 0, true, 2); });
  EXPECT_NE(missing.find("the snapshot at time 0.5 (snapshot 2) was not written"), std::string::npos) << missing;
  {
    TrajectoryWriter writer(comm, path, layout, block);
    EXPECT_EQ(writer.case_index(), 0);  // the unfinished case is reused
    std::vector<double> values = block_values(1, 0, 0, 3, block);
    if (rank == np - 1) values.back() = std::numeric_limits<double>::quiet_NaN();
    const std::string nan = agreed_throw(comm, [&] { writer.write_initial(values); });
    EXPECT_NE(nan.find("component 'w' is not finite (nan) at grid point (6, 4)"), std::string::npos) << nan;
    const std::string count = agreed_throw(comm, [&] { writer.write_snapshot(1, std::vector<double>(3)); });
    EXPECT_NE(count.find("snapshot 1 has 3 values"), std::string::npos) << count;
  }
  const std::string schema_v1 = file_name("not_v2");
  if (rank == 0) std::ofstream(schema_v1) << "not an HDF5 file";
  MPI_Barrier(comm);
  const std::string refused = agreed_throw(comm, [&] { TrajectoryWriter w(comm, schema_v1, layout, block); });
  EXPECT_NE(refused.find("not an HDF5 file"), std::string::npos) << refused;
  EXPECT_NE(refused.find("cannot append a recording to it"), std::string::npos) << refused;
}

// Serial edits of a copy of a valid file (rank 0), then the collective inspection: one
// clear error on every rank.
class DamagedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    comm_ = MPI_COMM_WORLD;
    const int np = size_of(comm_), rank = rank_of(comm_);
    layout_ = layout_2d();
    valid_ = file_name("valid");
    remove_file(valid_, comm_);
    for (Index tag = 0; tag < 2; ++tag) record(comm_, valid_, layout_, block_of(layout_.grid, {1, np}, rank), tag);
  }
  // No rank may remove the files of the next test while another still reads them.
  void TearDown() override { MPI_Barrier(comm_); }
  // Copies the valid file to `name`, applies `edit` to the copy on rank 0, and returns the
  // agreed error of inspecting it.
  std::string inspect_edited(const std::string& name, const std::function<void(const std::string&)>& edit) {
    const std::string path = file_name(name);
    if (rank_of(comm_) == 0) {
      std::filesystem::copy_file(valid_, path, std::filesystem::copy_options::overwrite_existing);
      edit(path);
    }
    MPI_Barrier(comm_);
    return agreed_throw(comm_, [&] { fno::inspect_trajectory_file(comm_, path); });
  }
  static void with_file(const std::string& path, const std::function<void(hid_t)>& edit) {
    fno::h5::PropertyList access(H5Pcreate(H5P_FILE_ACCESS));
    fno::h5::use_checksummed_format(access.get());
    fno::h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDWR, access.get()));
    ASSERT_TRUE(file.valid());
    edit(file.get());
  }
  MPI_Comm comm_ = MPI_COMM_NULL;
  TrajectoryLayout layout_;
  std::string valid_;
};

TEST_F(DamagedFile, ValidCopyPasses) {
  EXPECT_EQ(inspect_edited("copy", [](const std::string&) {}), "");
  EXPECT_TRUE(fno::is_trajectory_file(valid_));
}

TEST_F(DamagedFile, TruncatedFileIsRefused) {
  for (double keep : {0.3, 0.7, 0.95}) {
    const std::string message = inspect_edited("truncated", [&](const std::string& path) {
      std::filesystem::resize_file(path, static_cast<std::uintmax_t>(keep * static_cast<double>(std::filesystem::file_size(path))));
    });
    EXPECT_EQ(message.find("dataset '" + file_name("truncated") + "': "), 0u) << message;
    EXPECT_FALSE(message.empty());
  }
}

TEST_F(DamagedFile, OtherSchemaIsRefused) {
  const std::string message = inspect_edited("schema", [](const std::string& path) {
    with_file(path, [](hid_t file) {
      H5Adelete(file, "schema");
      fno::h5::Datatype type(H5Tcopy(H5T_C_S1));
      H5Tset_size(type.get(), 20);
      fno::h5::Dataspace space(H5Screate(H5S_SCALAR));
      fno::h5::Attribute a(H5Acreate2(file, "schema", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
      H5Awrite(a.get(), type.get(), "petsc-fno-dataset-v1");
    });
  });
  EXPECT_NE(message.find("schema is 'petsc-fno-dataset-v1', not 'petsc-fno-dataset-v2'"), std::string::npos) << message;
  const std::string schema_path = file_name("schema");
  if (rank_of(comm_) == 0) {
    EXPECT_FALSE(fno::is_trajectory_file(schema_path));
  }
}

TEST_F(DamagedFile, WrongShapesAreRefused) {
  // /outputs with a component too few.
  std::string message = inspect_edited("shape", [](const std::string& path) {
    with_file(path, [](hid_t file) {
      H5Ldelete(file, "outputs", H5P_DEFAULT);
      const hsize_t dims[4] = {2, 4, 2, 5 * 7};
      fno::h5::Dataspace space(H5Screate_simple(4, dims, nullptr));
      fno::h5::Dataset d(H5Dcreate2(file, "outputs", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      std::vector<double> zeros(2 * 4 * 2 * 35);
      H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    });
  });
  EXPECT_NE(message.find("/outputs has shape 2x4x2x35 but the attributes imply 2x4x3x5x7"), std::string::npos)
      << message;
  // A grid attribute that disagrees with the arrays.
  message = inspect_edited("grid", [](const std::string& path) {
    with_file(path, [](hid_t file) {
      H5Adelete(file, "grid");
      const hsize_t n = 2;
      const std::int64_t grid[2] = {5, 7};
      fno::h5::Dataspace space(H5Screate_simple(1, &n, nullptr));
      fno::h5::Attribute a(H5Acreate2(file, "grid", H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
      H5Awrite(a.get(), H5T_NATIVE_INT64, grid);
    });
  });
  EXPECT_NE(message.find("/initial has shape 2x3x5x7 but the attributes imply 2x3x7x5"), std::string::npos) << message;
  // /done shorter than /seeds is fine (a killed extension); /seeds shorter than /done is not.
  message = inspect_edited("seeds", [](const std::string& path) {
    with_file(path, [](hid_t file) {
      fno::h5::Dataset d(H5Dopen2(file, "seeds", H5P_DEFAULT));
      const hsize_t one = 1;
      H5Dset_extent(d.get(), &one);
    });
  });
  EXPECT_NE(message.find("/seeds holds 1 cases but /done 2"), std::string::npos) << message;
  // An output name that is not a component.
  message = inspect_edited("outputs", [](const std::string& path) {
    with_file(path, [](hid_t file) {
      H5Adelete(file, "output_fields");
      fno::h5::Datatype type(H5Tcopy(H5T_C_S1));
      H5Tset_size(type.get(), 3);
      fno::h5::Dataspace space(H5Screate(H5S_SCALAR));
      fno::h5::Attribute a(H5Acreate2(file, "output_fields", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
      H5Awrite(a.get(), type.get(), "u,z");
    });
  });
  EXPECT_NE(message.find("output 'z' is not a component"), std::string::npos) << message;
}

// A NaN stored in a done case: the reader names the file, the case, the time, the
// component and the grid point.
TEST_F(DamagedFile, NonFiniteValueIsNamed) {
  const std::string path = file_name("nan");
  if (rank_of(comm_) == 0) {
    std::filesystem::copy_file(valid_, path, std::filesystem::copy_options::overwrite_existing);
    with_file(path, [](hid_t file) {
      fno::h5::Dataset d(H5Dopen2(file, "outputs", H5P_DEFAULT));
      fno::h5::Dataspace space(H5Dget_space(d.get()));
      const hsize_t start[5] = {1, 2, 1, 3, 4}, count[5] = {1, 1, 1, 1, 1}, one = 1;
      H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
      fno::h5::Dataspace memory(H5Screate_simple(1, &one, nullptr));
      const double nan = std::numeric_limits<double>::quiet_NaN();
      H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, &nan);
    });
  }
  MPI_Barrier(comm_);
  const TrajectoryInfo info = fno::inspect_trajectory_file(comm_, path);
  TrajectoryReader reader(comm_, path, info);
  const GridBlock all = whole(layout_.grid);
  const std::vector<Index> times{0, 2}, components{1};
  std::vector<double> out(static_cast<std::size_t>(2 * all.points()));
  std::string message;
  try {
    reader.read_outputs(1, all, times, components, out);
  } catch (const fno::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, "dataset '" + path +
                         "': case 1: /outputs at time index 2 (t = 0.5), component 'v' holds a non-finite value (nan) "
                         "at grid point (4, 3)");
  reader.read_outputs(0, all, times, components, out);  // case 0 is intact
  reader.close();
}

// h5py (Debian's python3-h5py) opens the file and finds the schema's layout.
TEST(TrajectoryDataset, H5pyReadsTheFile) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int np = size_of(comm), rank = rank_of(comm);
  const TrajectoryLayout layout = layout_2d();
  const std::string path = file_name("h5py");
  remove_file(path, comm);
  for (Index tag = 0; tag < 2; ++tag) record(comm, path, layout, block_of(layout.grid, {np, 1}, rank), tag);
  if (rank == 0) {
    const std::string command =
        std::string(PETSCFNO_TEST_PYTHON) + " " + PETSCFNO_TEST_H5PY_CHECK + " " + path + " > " + path + ".log 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream log(path + ".log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << text;
  }
  MPI_Barrier(comm);
}

}  // namespace
