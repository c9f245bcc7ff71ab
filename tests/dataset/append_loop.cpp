// A recording killed at any moment (README "Datasets of recorded trajectories"): the writer
// grows the other per-case arrays, then /done (the commit point), writes the case, then
// done = 1, flushing between, so SIGKILL anywhere in an append leaves a file that
// check_trajectory_file opens and whose done cases read back intact. kill_appends.py drives
// this program:
//
//   fno-test-append-loop append FILE [K]  appends cases with fno::TrajectoryWriter (one rank,
//                                      the whole grid) until it is killed; every value is a
//                                      function of (case, component, time, point) only. With K,
//                                      the process SIGKILLs itself just before its K-th write to
//                                      the file (MPI-IO writes, through MPI's profiling
//                                      interface): a kill between any two writes HDF5 makes,
//                                      in the middle of a flush of grown arrays included
//   fno-test-append-loop create FILE N  appends N cases and exits (prints "writes W": the
//                                      MPI-IO writes they took)
//   fno-test-append-loop verify FILE   checks FILE (fno::check_trajectory_file), reads every done
//                                      case with fno::TrajectoryReader and compares each value,
//                                      seed and parameter exactly; at most the last case may be
//                                      unfinished; prints "cases N done M rows R" (R: the
//                                      extent of /initial, > N when the writer was killed
//                                      between growing it and /done); exit 1 with the
//                                      reason otherwise
// With FNO_TRACE_WRITES set in the environment, each write is printed to stderr (number, kind,
// offset, bytes): which kill point falls where.
#include <hdf5.h>
#include <mpi.h>

#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "fft/layout.hpp"
#include "files/trajectory_dataset.hpp"

namespace {

using fno::Index;

long long kill_at_write = 0;  // 0: never; else the K-th write is not made: SIGKILL instead
long long writes = 0;
bool trace_writes = std::getenv("FNO_TRACE_WRITES") != nullptr;  // print each write to stderr

void count_write(const char* kind, long long offset, long long bytes) {
  ++writes;
  if (trace_writes) std::fprintf(stderr, "write %lld: %s at %lld, %lld bytes\n", writes, kind, offset, bytes);
  if (writes == kill_at_write) std::raise(SIGKILL);
}

long long bytes_of(int count, MPI_Datatype datatype) {
  int size = 0;
  PMPI_Type_size(datatype, &size);
  return static_cast<long long>(count) * size;
}

}  // namespace

// HDF5's MPI-IO driver writes through these (independent and collective); each write is
// counted, and the K-th is never made.
extern "C" int MPI_File_write_at(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype datatype,
                                 MPI_Status* status) {
  count_write("write_at", offset, bytes_of(count, datatype));
  return PMPI_File_write_at(fh, offset, buf, count, datatype, status);
}
extern "C" int MPI_File_write_at_all(MPI_File fh, MPI_Offset offset, const void* buf, int count, MPI_Datatype datatype,
                                     MPI_Status* status) {
  count_write("write_at", offset, bytes_of(count, datatype));
  return PMPI_File_write_at_all(fh, offset, buf, count, datatype, status);
}
extern "C" int MPI_File_set_size(MPI_File fh, MPI_Offset size) {
  count_write("set_size", size, 0);
  return PMPI_File_set_size(fh, size);
}

namespace {

fno::TrajectoryLayout layout() {
  fno::TrajectoryLayout l;
  l.grid = {5, 4};
  l.boundary = {"periodic", "none"};
  l.components = {"u", "v"};
  l.input_fields = {"kappa"};
  l.initial_inputs = {"u"};
  l.output_fields = {"u", "v"};
  l.times = {0.0, 0.5, 1.5};
  l.time_units = "s";
  l.host = "fno-test-append-loop";
  l.parameter_names = {"case"};
  return l;
}

// [row][point] values of case c (rows: components or fields), at time t.
std::vector<double> values(Index c, Index rows, Index points, double t, double offset) {
  std::vector<double> v;
  for (Index r = 0; r < rows; ++r)
    for (Index p = 0; p < points; ++p)
      v.push_back(offset + static_cast<double>(c) + 0.25 * static_cast<double>(r) +
                  std::cos(0.3 * static_cast<double>(p) + t));
  return v;
}

// Appends `cases` cases (forever with -1).
void append(const std::string& path, Index cases) {
  const fno::TrajectoryLayout l = layout();
  const fno::GridBlock block{{0, 0}, l.grid};
  const Index points = block.points(), C = static_cast<Index>(l.components.size());
  for (Index n = 0; n != cases; ++n) {
    fno::TrajectoryWriter writer(MPI_COMM_SELF, path, l, block);
    const Index c = writer.case_index();
    writer.write_initial(values(c, C, points, 0.0, 0.0));
    writer.write_inputs(values(c, 1, points, 0.0, 3.0));
    for (Index k = 0; k < static_cast<Index>(l.times.size()); ++k)
      writer.write_snapshot(k, values(c, C, points, l.times[static_cast<std::size_t>(k)], 0.0));
    const std::vector<double> parameters{static_cast<double>(c)};
    writer.write_record(c, parameters);
    writer.mark_done();
  }
}

int verify(const std::string& path) {
  const fno::TrajectoryInfo info = fno::check_trajectory_file(path);
  if (info.layout.difference(layout()) != "")
    throw std::runtime_error("the file's layout changed: " + info.layout.difference(layout()));
  const std::vector<Index> done = info.done_cases();
  for (Index c = 0; c < info.cases; ++c) {
    const bool is_done = info.done[static_cast<std::size_t>(c)] == 1;
    if (!is_done && c + 1 != info.cases)
      throw std::runtime_error("case " + std::to_string(c) + " of " + std::to_string(info.cases) +
                               " is unfinished but not the last (the writer reuses the first unfinished case)");
    if (is_done && (info.seeds[static_cast<std::size_t>(c)] != c ||
                    info.parameters[static_cast<std::size_t>(c)] != std::vector<double>{static_cast<double>(c)}))
      throw std::runtime_error("case " + std::to_string(c) + ": seed or parameter differs from what was written");
  }
  const fno::TrajectoryLayout l = info.layout;
  const fno::GridBlock block{{0, 0}, l.grid};
  const Index points = block.points(), C = static_cast<Index>(l.components.size());
  const std::vector<Index> components{0, 1};
  fno::TrajectoryReader reader(MPI_COMM_SELF, path, info);
  std::vector<double> initial(static_cast<std::size_t>(C * points)), inputs(static_cast<std::size_t>(points)),
      outputs(static_cast<std::size_t>(C * points));
  auto expect = [&](const std::vector<double>& got, const std::vector<double>& want, Index c, const char* what) {
    if (got != want) throw std::runtime_error("case " + std::to_string(c) + ": " + what + " differs from what was written");
  };
  for (Index c : done) {
    reader.read_initial(c, block, components, initial);
    expect(initial, values(c, C, points, 0.0, 0.0), c, "/initial");
    reader.read_inputs(c, block, inputs);
    expect(inputs, values(c, 1, points, 0.0, 3.0), c, "/inputs");
    for (Index k = 0; k < static_cast<Index>(l.times.size()); ++k) {
      reader.read_outputs(c, block, {&k, 1}, components, outputs);
      expect(outputs, values(c, C, points, l.times[static_cast<std::size_t>(k)], 0.0), c, "/outputs");
    }
  }
  reader.close();
  // The extent of /initial: larger than the case count when the writer was killed after
  // growing the per-case arrays and before growing /done.
  hsize_t rows[4] = {0, 0, 0, 0};
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t dataset = H5Dopen2(file, "initial", H5P_DEFAULT);
  const hid_t space = H5Dget_space(dataset);
  if (file < 0 || dataset < 0 || space < 0 || H5Sget_simple_extent_dims(space, rows, nullptr) != 4)
    throw std::runtime_error("cannot read the extent of /initial");
  H5Sclose(space);
  H5Dclose(dataset);
  H5Fclose(file);
  std::printf("cases %lld done %lld rows %llu\n", static_cast<long long>(info.cases), static_cast<long long>(done.size()),
              static_cast<unsigned long long>(rows[0]));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  try {
    const std::string mode = argc >= 3 ? argv[1] : "";
    if (mode == "append" && argc <= 4) {
      if (argc == 4) kill_at_write = std::atoll(argv[3]);
      append(argv[2], -1);
    } else if (mode == "create" && argc == 4) {
      append(argv[2], std::atoll(argv[3]));
      std::printf("writes %lld\n", writes);
    } else if (mode == "verify" && argc == 3) {
      rc = verify(argv[2]);
    } else {
      throw std::runtime_error("usage: fno-test-append-loop create FILE N | append FILE [K] | verify FILE");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fno-test-append-loop: %s\n", e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
