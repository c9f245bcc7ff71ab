// The readers a user's file meets, exercised end to end as the plugin and the training
// programs will (issue 11): shared by fno-file-check (ctest's mutation and reproducer
// tests) and the libFuzzer targets in fuzz/.
#pragma once
#include <mpi.h>

#include <string>

namespace fno::files {

// Builds the model from the file's own configuration (fno::read_model_info, then
// fno::Fno<float> on a process grid over `comm`'s ranks) and reads its parameters and
// normalizers (fno::read_model), and a checkpoint's optimizer state when the file holds one.
// Returns a one-line description; throws (the same error on every rank) if the file is
// refused. Collective.
std::string read_model_file(const std::string& path, MPI_Comm comm);

#ifdef PETSCFNO_FILES_HAVE_DATASET
// Opens a dataset for reading (rank 0 validates it completely) and reads every complete
// case, each rank its block of the grid (split along the first file axis), inputs and
// outputs, values checked. Returns a one-line description; throws if the file is refused.
// Collective.
std::string read_dataset_file(const std::string& path, MPI_Comm comm);
#endif

// A recorded-trajectory dataset (schema petsc-fno-dataset-v2) as fno-train reads it: rank 0
// checks it completely (fno::check_trajectory_file, shared by inspect_trajectory_file), then
// fno::TrajectoryReader reads every done case, each rank its block of the grid (the slowest
// DMDA axis split over the ranks): the initial state of every component, the input fields and
// the outputs of every component at every time, values checked finite. Returns a one-line
// description; throws (the same error on every rank) if the file is refused. Collective.
std::string read_trajectory_file(const std::string& path, MPI_Comm comm);

// Writes the small valid v2 dataset of the tests with fno::TrajectoryWriter (one rank, the
// whole grid): a 2D 6x5 grid of components u, v, w with input field kappa, 4 times; cases 0
// and 1 done, case 2 left unfinished (its initial state and first snapshot only), as a
// recording killed in its third run leaves it. `path` must not exist. Collective.
void write_trajectory_file(const std::string& path, MPI_Comm comm);

// A model needing more than this per rank is refused before it allocates (fno::
// set_rank_memory_limit); no single allocation the readers make should come near it.
inline constexpr unsigned long long reader_memory_limit = 512ull << 20;

}  // namespace fno::files
