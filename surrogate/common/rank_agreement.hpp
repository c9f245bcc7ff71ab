// Agreement on errors across the ranks of a communicator: a stage that may fail on some
// ranks only (a file one rank cannot read, a check made on rank 0) runs without collectives
// inside; afterwards every rank learns the lowest failing rank's message and throws the same
// fno::Error, so a program reports one clear error on every rank and no rank is left waiting
// in a collective the others skipped.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <exception>
#include <string>

#include "common/error.hpp"

namespace fno {

// Broadcasts a string from `root`. Collective.
inline void broadcast_string(MPI_Comm comm, std::string& text, int root) {
  std::uint64_t length = text.size();
  FNO_MPI(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm));
  text.resize(length);
  if (length > 0) FNO_MPI(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm));
}

// The message of the lowest rank whose `local_error` is not empty, on every rank ("" when no
// rank failed). Collective.
inline std::string agreed_error(MPI_Comm comm, const std::string& local_error) {
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  FNO_MPI(MPI_Comm_size(comm, &size));
  int failing = local_error.empty() ? size : rank;
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, comm));
  if (failing == size) return {};
  std::string message = local_error;
  broadcast_string(comm, message, failing);
  return message;
}

// Throws the same fno::Error on every rank if any rank has a local error. Collective.
inline void agree_on_error(MPI_Comm comm, const std::string& local_error) {
  const std::string message = agreed_error(comm, local_error);
  if (!message.empty()) throw Error(message);
}

// Runs `stage` (which must not call collectives that a failing rank could skip), then throws
// the same fno::Error on every rank if it threw on any. Collective.
template <class F>
void on_every_rank(MPI_Comm comm, F&& stage) {
  std::string error;
  try {
    stage();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "unknown error";
  }
  agree_on_error(comm, error);
}

}  // namespace fno
