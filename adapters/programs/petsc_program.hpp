// The main() of a PETSc command-line program: initialise, run, report errors on every
// rank, finalise, exit non-zero on error.
#pragma once
#include <petscsys.h>

#include <cstdio>

namespace fno::sim {

// Input errors are raised collectively. Rank 0 prints PETSc's message; the other ranks
// return the error instead of PETSc's default (sleep 10 s, then exit(0)), so every rank
// reports and exits non-zero.
inline int RunPetscProgram(int argc, char** argv, const char* help, const char* name, PetscErrorCode (*run)()) {
  PetscCall(PetscInitialize(&argc, &argv, nullptr, help));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank != 0) PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
  const PetscErrorCode error = run();
  if (error) std::fprintf(stderr, "[rank %d] %s: stopped with PETSc error %d (message above)\n", (int)rank, name, (int)error);
  PetscCall(PetscFinalize());
  return error ? 1 : 0;
}

}  // namespace fno::sim
