#include "file_readers.hpp"

#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "fno_config.hpp"
#include "fno_model.hpp"
#include "model_file.hpp"
#include "optimizer.hpp"
#include "process_grid.hpp"

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

}  // namespace fno::files
