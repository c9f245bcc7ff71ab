// The main() of the core's command-line tools: MPI up, HDF5's own error printing off (its
// errors become fno::Error), run, and any error reported as "[rank] NAME error: ..." on every
// rank with exit status 1 (every check is made identically on every rank).
#pragma once
#include <hdf5.h>
#include <mpi.h>

#include <cstdio>
#include <exception>

namespace fno::tools {

inline int run_mpi_tool(int argc, char** argv, const char* name, int (*run)(int, char**)) {
  MPI_Init(&argc, &argv);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int rc = 0;
  try {
    rc = run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%d] %s error: %s\n", rank, name, e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}

}  // namespace fno::tools
