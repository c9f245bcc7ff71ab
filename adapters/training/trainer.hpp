// fno-train's work: data-parallel groups of ranks, each group a spatial partition of the
// model (DMDA-style process grid over the space axes), trained on a dataset's cases.
//
//   ranks = groups × ranks per group; group g = world ranks [g·R, (g+1)·R). Each group holds a
//   full model on its own grid communicator; gradients are sum-reduced across groups (the
//   ranks with the same place in every group) inside Fno::backward.
//   A global batch of -batch_size cases is cut into groups' slots (ceil(B / groups) each);
//   slots past the end of an epoch are placeholders with zero gradient.
//   Step: x = encode(inputs broadcast along time) -> Fno -> decode -> relative L2 against
//   the raw saturation (the plugin's encode/forward/decode exactly), backward, optional
//   clipping by the global gradient norm, Adam/AdamW at the epoch's scheduled rate.
//   Validation: decoded predictions clipped to [0, 1] (as the plugin clips), mean relative L2.
// Everything that could make a resumed run differ is in the checkpoint: weights, optimizer
// moments and step, normalizers, epoch, the shuffle engine's state, the split, the history.
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

#include "train_options.hpp"

namespace fno::training {

// Called on world rank 0 with each line to show (progress, summaries).
using Printer = std::function<void(const std::string&)>;

// Resolves the options (reading the checkpoint's record for -resume), then trains and
// writes the checkpoint(s), the history CSV and the final model. Every error is thrown as
// the same fno::Error on every rank of world. Collective.
void RunTraining(const OptionValues& options, bool resume, MPI_Comm world, const Printer& print);

}  // namespace fno::training
