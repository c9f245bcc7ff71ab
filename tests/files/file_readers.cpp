#include "file_readers.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "layers/fno_config.hpp"
#include "layers/fno_model.hpp"
#include "fft/layout.hpp"
#include "files/model_file.hpp"
#include "training/optimizer.hpp"
#include "fft/process_grid.hpp"
#include "common/rank_agreement.hpp"
#include "files/trajectory_dataset.hpp"

#ifdef PETSCFNO_FILES_HAVE_DATASET
#include "dataset_file.hpp"
#endif

namespace fno::files {

std::string read_model_file(const std::string& path, MPI_Comm comm) {
  set_rank_memory_limit(reader_memory_limit);
  int size = 1;
  MPI_Comm_size(comm, &size);
  const ModelFileInfo info = read_model_info(path, comm);
  // As the plugin does: the model's grid split over the ranks along the first space axis.
  auto grid = std::make_shared<const ProcessGrid>(comm, std::vector<int>{size});
  Fno<float> model(info.config, grid, 1);
  Normalizers<float> normalizers;
  read_model(path, comm, info.config, model.parameters(), &normalizers);
  std::ostringstream os;
  os << "model: " << info.parameter_names.size() << " parameter datasets, width " << info.config.width << ", "
     << info.config.layers << " layers, " << info.precision;
  if (info.has_checkpoint) {
    AdamOptimizer<float> optimizer(AdamSettings{}, model.parameters());
    const TrainingProgress progress =
        read_checkpoint(path, comm, info.config, model.parameters(), &normalizers, optimizer);
    os << ", checkpoint at epoch " << progress.epoch;
  }
  if (info.problem) os << ", problem with " << info.problem->times.size() << " times";
  return os.str();
}

#ifdef PETSCFNO_FILES_HAVE_DATASET
std::string read_dataset_file(const std::string& path, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  sim::DatasetFile file;
  file.OpenForReading(comm, path);
  const sim::DatasetSummary& summary = file.Summary();
  // This rank's block: the first file axis split as evenly as the DMDA rule splits it.
  std::vector<hsize_t> start(summary.grid.size(), 0), count = summary.grid;
  const hsize_t n = summary.grid[0], parts = static_cast<hsize_t>(size), r = static_cast<hsize_t>(rank);
  count[0] = n / parts + (r < n % parts ? 1 : 0);
  start[0] = r * (n / parts) + std::min(r, n % parts);
  std::vector<double> inputs, outputs;
  int complete = 0;
  std::string error;
  for (hsize_t c = 0; c < summary.cases; ++c) {
    if (summary.done[c] != 1) continue;
    ++complete;
    try {  // independent reads; the verdict is agreed below
      file.ReadInputs(c, start, count, inputs);
      file.ReadOutputs(c, start, count, outputs);
    } catch (const std::exception& e) {
      error = e.what();
      break;
    }
  }
  // One error on every rank: the lowest failing rank's.
  int failing = error.empty() ? size : rank;
  MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, comm);
  if (failing < size) {
    unsigned long long length = error.size();
    MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, failing, comm);
    error.resize(length);
    MPI_Bcast(error.data(), static_cast<int>(length), MPI_CHAR, failing, comm);
    throw std::runtime_error(error);
  }
  file.Close();
  std::ostringstream os;
  os << "dataset: " << summary.cases << " cases (" << complete << " complete), " << summary.times.size()
     << " times, " << summary.input_fields.size() << " input fields";
  return os.str();
}
#endif

namespace {

// This rank's block of `grid` (DMDA order, x first): the slowest axis split as a DMDA splits
// it, every other axis whole.
GridBlock block_of_rank(const std::vector<Index>& grid, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  GridBlock block{std::vector<Index>(grid.size(), 0), grid};
  const std::size_t slow = grid.size() - 1;
  const std::vector<Index> parts = dmda_parts(grid[slow], size);
  for (int r = 0; r < rank; ++r) block.start[slow] += parts[static_cast<std::size_t>(r)];
  block.extent[slow] = parts[static_cast<std::size_t>(rank)];
  return block;
}

}  // namespace

std::string read_trajectory_file(const std::string& path, MPI_Comm comm) {
  // Rank 0 checks the whole file before anything is allocated from it; every rank gets the
  // verdict (or the same error).
  TrajectoryInfo info = inspect_trajectory_file(comm, path);
  const TrajectoryLayout layout = info.layout;
  const std::vector<Index> done = info.done_cases();
  const GridBlock block = block_of_rank(layout.grid, comm);
  const Index points = block.points();
  const auto C = static_cast<Index>(layout.components.size());
  const auto F = static_cast<Index>(layout.input_fields.size());
  const auto T = static_cast<Index>(layout.times.size());
  std::vector<Index> components(static_cast<std::size_t>(C)), times(static_cast<std::size_t>(T));
  for (Index k = 0; k < C; ++k) components[static_cast<std::size_t>(k)] = k;
  for (Index k = 0; k < T; ++k) times[static_cast<std::size_t>(k)] = k;
  TrajectoryReader reader(comm, path, std::move(info));
  std::vector<double> initial(static_cast<std::size_t>(C * points)), inputs(static_cast<std::size_t>(F * points)),
      outputs(static_cast<std::size_t>(C * points));
  std::string error;
  try {  // independent reads of each done case; the verdict is agreed below
    for (Index c : done) {
      reader.read_initial(c, block, components, initial);
      reader.read_inputs(c, block, inputs);
      for (Index t : times) reader.read_outputs(c, block, {&t, 1}, components, outputs);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  // One error on every rank: the lowest failing rank's.
  agree_on_error(comm, error);
  reader.close();
  std::ostringstream os;
  os << "trajectory dataset: " << reader.info().cases << " cases (" << done.size() << " done), grid ";
  for (std::size_t a = 0; a < layout.grid.size(); ++a) os << (a ? "x" : "") << layout.grid[a];
  os << ", " << C << " components, " << F << " input fields, " << T << " times";
  return os.str();
}

void write_trajectory_file(const std::string& path, MPI_Comm comm) {
  TrajectoryLayout layout;
  layout.grid = {6, 5};
  layout.boundary = {"periodic", "none"};
  layout.components = {"u", "v", "w"};
  layout.input_fields = {"kappa"};
  layout.initial_inputs = {"u", "w"};
  layout.output_fields = {"u", "v"};
  layout.times = {0.0, 0.5, 1.0, 2.0};
  layout.time_units = "s";
  layout.host = "fno-file-check";
  layout.parameter_names = {"amplitude", "correlation"};
  const GridBlock block = block_of_rank(layout.grid, comm);
  const auto C = static_cast<Index>(layout.components.size());
  // A value of (case, component or field, time, grid point): smooth, finite, distinct.
  auto values = [&](Index c, Index rows, double t, double offset) {
    std::vector<double> v;
    for (Index r = 0; r < rows; ++r)
      for (Index j = 0; j < block.extent[1]; ++j)
        for (Index i = 0; i < block.extent[0]; ++i)
          v.push_back(offset + static_cast<double>(c) + 0.1 * static_cast<double>(r) +
                      std::sin(0.7 * static_cast<double>(block.start[0] + i) + 0.3 * static_cast<double>(block.start[1] + j) - t));
    return v;
  };
  for (Index c = 0; c < 3; ++c) {
    TrajectoryWriter writer(comm, path, layout, block);
    writer.write_initial(values(c, C, 0.0, 0.0));
    if (c == 2) {  // a recording killed after its first snapshot: done stays 0
      writer.write_snapshot(0, values(c, C, 0.0, 0.0));
      break;
    }
    writer.write_inputs(values(c, 1, 0.0, 2.0));
    for (Index k = 0; k < static_cast<Index>(layout.times.size()); ++k)
      writer.write_snapshot(k, values(c, C, layout.times[static_cast<std::size_t>(k)], 0.0));
    const std::vector<double> parameters{0.5 + static_cast<double>(c), 0.25};
    writer.write_record(100 + c, parameters);
    writer.mark_done();
  }
}

}  // namespace fno::files
