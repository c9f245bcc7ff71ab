// fno-file-check KIND FILE: reads FILE as every user-facing reader will (KIND model: build
// the model from the file's own configuration and read its parameters, as the plugin does;
// KIND dataset: validate a dataset and read every complete case, as fno-train does; KIND
// trajectory: check a recorded-trajectory dataset (schema v2) and read every done case with
// fno::TrajectoryReader, as fno-train does) and reports the outcome. Exit 0: loaded (rank 0
// prints one line). Exit 1: refused with one clear error, printed once per rank as
// "[rank] fno-file-check error: ...". Exit 3: an unexpected exception (e.g. std::bad_alloc:
// an allocation the file did not justify). Anything else (a signal, a hang) is a defect; the
// mutation test counts it as a crash. A single allocation above the reader's memory limit
// aborts on purpose, as a crash.
//
// fno-file-check write-trajectory FILE writes the tests' small valid v2 dataset with
// fno::TrajectoryWriter (file_readers.hpp): the corpus's and the mutation test's base file.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include "file_readers.hpp"

// No allocation may come near what a model is allowed per rank: the readers bound every
// size by the file first, so a larger request is a defect, reported as a crash.
void* operator new(std::size_t bytes) {
  if (bytes > fno::files::reader_memory_limit) {
    std::fprintf(stderr, "fno-file-check: allocation of %zu bytes, beyond what any file may justify\n", bytes);
    std::abort();
  }
  if (void* p = std::malloc(bytes > 0 ? bytes : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int rc = 0;
  std::string message;
  const std::string kind = argc == 3 ? argv[1] : "";
  try {
    if (kind == "model") {
      message = fno::files::read_model_file(argv[2], MPI_COMM_WORLD);
#ifdef PETSCFNO_FILES_HAVE_DATASET
    } else if (kind == "dataset") {
      message = fno::files::read_dataset_file(argv[2], MPI_COMM_WORLD);
#endif
    } else if (kind == "trajectory") {
      message = fno::files::read_trajectory_file(argv[2], MPI_COMM_WORLD);
    } else if (kind == "write-trajectory") {
      fno::files::write_trajectory_file(argv[2], MPI_COMM_WORLD);
      message = std::string("wrote ") + argv[2];
    } else {
      if (rank == 0)
        std::fprintf(stderr, "usage: fno-file-check model|dataset|trajectory FILE, or fno-file-check write-trajectory FILE\n");
      rc = 2;
    }
  } catch (const std::runtime_error& e) {  // fno::Error and the adapters' errors
    std::fprintf(stderr, "[%d] fno-file-check error: %s\n", rank, e.what());
    rc = 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%d] fno-file-check unexpected exception: %s\n", rank, e.what());
    rc = 3;
  }
  if (rc == 0 && rank == 0)
    std::printf("fno-file-check: %s%s\n", kind == "write-trajectory" ? "" : "loaded ", message.c_str());
  MPI_Finalize();
  return rc;
}
