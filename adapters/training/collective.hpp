// Agreement on errors across the ranks of a communicator: a stage that may fail on some
// ranks only (a file that one rank cannot read, a bad option seen by rank 0) runs without
// collectives inside; afterwards every rank learns the lowest failing rank's message and
// throws the same fno::Error, so a program reports one clear error on every rank and never
// leaves a rank waiting in a collective the others skipped.
#pragma once
#include <mpi.h>

#include <exception>
#include <string>

#include "error.hpp"

namespace fno::training {

// The message of the lowest rank whose `local_error` is not empty, on every rank ("" when
// no rank failed). Collective.
inline std::string AgreedError(MPI_Comm comm, const std::string& local_error) {
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  FNO_MPI(MPI_Comm_size(comm, &size));
  int failing = local_error.empty() ? size : rank;
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, comm));
  if (failing == size) return {};
  std::string message = local_error;
  unsigned long long length = message.size();
  FNO_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, failing, comm));
  message.resize(length);
  FNO_MPI(MPI_Bcast(message.data(), static_cast<int>(length), MPI_CHAR, failing, comm));
  return message;
}

// Runs `stage` (which must not call collectives that a failing rank could skip), then
// throws the same fno::Error on every rank if it failed on any. Collective.
template <class F>
void OnEveryRank(MPI_Comm comm, F&& stage) {
  std::string error;
  try {
    stage();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "unknown error";
  }
  const std::string message = AgreedError(comm, error);
  if (!message.empty()) throw Error(message);
}

// Broadcasts a string from `root`. Collective.
inline void BroadcastString(MPI_Comm comm, std::string& text, int root) {
  unsigned long long length = text.size();
  FNO_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm));
  text.resize(length);
  if (length > 0) FNO_MPI(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm));
}

}  // namespace fno::training
