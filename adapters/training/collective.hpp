// Agreement on errors across the ranks of a communicator: a stage that may fail on some
// ranks only (a file that one rank cannot read, a bad option seen by rank 0) runs without
// collectives inside; afterwards every rank learns the lowest failing rank's message and
// throws the same fno::Error, so a program reports one clear error on every rank and never
// leaves a rank waiting in a collective the others skipped.
#pragma once
#include <mpi.h>

#include <string>
#include <utility>

#include "common/rank_agreement.hpp"

namespace fno::training {

// The training programs' names for the core's rank agreement (surrogate/common/rank_agreement.hpp).
inline std::string AgreedError(MPI_Comm comm, const std::string& local_error) { return agreed_error(comm, local_error); }

template <class F>
void OnEveryRank(MPI_Comm comm, F&& stage) {
  on_every_rank(comm, std::forward<F>(stage));
}

inline void BroadcastString(MPI_Comm comm, std::string& text, int root) { broadcast_string(comm, text, root); }

}  // namespace fno::training
