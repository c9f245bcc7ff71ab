// Optimizers on lists of Parameters: Adam and AdamW with PyTorch's semantics, learning-rate
// schedules, and gradient clipping by the global L2 norm.
//
// The optimizers are local: each rank updates the part of every parameter it holds, and
// its moment estimates (exp_avg m, exp_avg_sq v) are laid out exactly like the parameter's
// local value (same hyperslab), so they are written to and read from a model file the same
// way as the parameters. Replicated parameters must carry the same gradient on every rank
// (the model sum-reduces them before the step), which keeps them identical after it.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "layers/parameter.hpp"

namespace fno {

enum class OptimizerKind {
  adam,   // torch.optim.Adam: weight_decay adds weight_decay * p to the gradient (L2)
  adamw,  // torch.optim.AdamW: decoupled weight decay, p *= 1 - lr * weight_decay before the update
};
std::string to_string(OptimizerKind kind);           // "adam" / "adamw"
OptimizerKind optimizer_kind_from_string(const std::string& name);  // throws fno::Error on others

struct AdamSettings {
  OptimizerKind kind = OptimizerKind::adam;
  double lr = 1e-3;  // base learning rate; a schedule scales the current one from it
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // PyTorch's defaults: 0 for Adam, 1e-2 for AdamW
};

// Learning rate as a function of the epoch count (PyTorch's closed forms):
//   constant: base_lr
//   step:     base_lr * gamma^floor(epoch / step_size)                       (StepLR)
//   cosine:   eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2  (CosineAnnealingLR)
enum class ScheduleKind { constant, step, cosine };
std::string to_string(ScheduleKind kind);            // "constant" / "step" / "cosine"
ScheduleKind schedule_kind_from_string(const std::string& name);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::constant;
  std::int64_t step_size = 1;  // step: epochs between decays
  double gamma = 0.1;          // step: decay factor
  std::int64_t t_max = 1;      // cosine: half period in epochs
  double eta_min = 0;          // cosine: smallest learning rate

  static LrSchedule constant() { return {}; }
  static LrSchedule step(std::int64_t step_size, double gamma);
  static LrSchedule cosine(std::int64_t t_max, double eta_min = 0);
  // Learning rate for `epoch` (0 = the first epoch) given the base learning rate.
  double lr_at(double base_lr, std::int64_t epoch) const;
};

template <class T>
class AdamOptimizer {
 public:
  // Allocates zero moments shaped like each parameter's local value.
  AdamOptimizer(AdamSettings settings, const std::vector<Parameter<T>>& params);

  // One update of every parameter from its grad, at the current learning rate lr().
  // `params` must be the list the optimizer was built for (same order and local sizes).
  void step(std::vector<Parameter<T>>& params);

  double lr() const { return lr_; }           // current learning rate (starts at settings().lr)
  void set_lr(double lr);                     // e.g. schedule.lr_at(settings().lr, epoch)
  const AdamSettings& settings() const { return settings_; }
  std::int64_t step_count() const { return step_count_; }  // updates done so far
  // Moments per parameter, in the order of the parameter list, each shaped like its local value.
  const std::vector<std::vector<T>>& exp_avg() const { return exp_avg_; }
  const std::vector<std::vector<T>>& exp_avg_sq() const { return exp_avg_sq_; }

  // Replaces the whole state (resuming from a checkpoint). Sizes must match the
  // parameter list this optimizer was built for.
  void restore(AdamSettings settings, double lr, std::int64_t step_count, std::vector<std::vector<T>> exp_avg,
               std::vector<std::vector<T>> exp_avg_sq);

 private:
  AdamSettings settings_;
  double lr_;
  std::int64_t step_count_ = 0;
  std::vector<std::size_t> sizes_;  // local element count of every parameter
  std::vector<std::vector<T>> exp_avg_, exp_avg_sq_;
};

// Sets every parameter's gradient to zero (allocating it to the value's size if needed).
template <class T>
void zero_grads(std::vector<Parameter<T>>& params);

// Global L2 norm of all gradients: replicated parameters counted once (rank 0's copy),
// distributed parameters' squared norms summed over the ranks of comm (their hyperslabs
// must not overlap). `comm` is the communicator the distributed parameters are split over
// (the model's grid communicator), not a data-parallel one whose groups hold copies.
// Collective; the same value on every rank.
template <class T>
double global_grad_norm(const std::vector<Parameter<T>>& params, MPI_Comm comm);

// torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, max_norm / (norm + 1e-6)).
// Returns the norm before clipping. Collective.
template <class T>
double clip_grad_norm(std::vector<Parameter<T>>& params, double max_norm, MPI_Comm comm);

}  // namespace fno
