#include "training/optimizer.hpp"

#include <cmath>
#include <numbers>

#include "common/error.hpp"

namespace fno {

namespace {

template <class T>
std::size_t expected_local_size(const Parameter<T>& p) {
  std::size_t n = 1;
  for (Index e : p.local_shape) n *= static_cast<std::size_t>(e);
  return n;
}

template <class T>
void check_parameter(const Parameter<T>& p) {
  const std::size_t n = expected_local_size(p);
  FNO_CHECK(p.value.size() == n, "parameter '", p.name, "' holds ", p.value.size(), " values but its local shape needs ",
            n);
  FNO_CHECK(p.grad.size() == n, "parameter '", p.name, "' holds ", p.grad.size(), " gradient values but its local shape needs ",
            n);
}

}  // namespace

std::string to_string(OptimizerKind kind) { return kind == OptimizerKind::adam ? "adam" : "adamw"; }

OptimizerKind optimizer_kind_from_string(const std::string& name) {
  if (name == "adam") return OptimizerKind::adam;
  if (name == "adamw") return OptimizerKind::adamw;
  fail(__func__, "unknown optimizer '", name, "' (known: adam, adamw)");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
  }
  return "unknown";
}

ScheduleKind schedule_kind_from_string(const std::string& name) {
  if (name == "constant") return ScheduleKind::constant;
  if (name == "step") return ScheduleKind::step;
  if (name == "cosine") return ScheduleKind::cosine;
  fail(__func__, "unknown learning-rate schedule '", name, "' (known: constant, step, cosine)");
}

LrSchedule LrSchedule::step(std::int64_t step_size, double gamma) {
  FNO_CHECK(step_size >= 1, "step schedule needs step_size >= 1, got ", step_size);
  LrSchedule s;
  s.kind = ScheduleKind::step;
  s.step_size = step_size;
  s.gamma = gamma;
  return s;
}

LrSchedule LrSchedule::cosine(std::int64_t t_max, double eta_min) {
  FNO_CHECK(t_max >= 1, "cosine schedule needs t_max >= 1, got ", t_max);
  LrSchedule s;
  s.kind = ScheduleKind::cosine;
  s.t_max = t_max;
  s.eta_min = eta_min;
  return s;
}

double LrSchedule::lr_at(double base_lr, std::int64_t epoch) const {
  FNO_CHECK(epoch >= 0, "negative epoch ", epoch);
  switch (kind) {
    case ScheduleKind::constant: return base_lr;
    case ScheduleKind::step:
      FNO_CHECK(step_size >= 1, "step schedule needs step_size >= 1, got ", step_size);
      return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size));
    case ScheduleKind::cosine:
      FNO_CHECK(t_max >= 1, "cosine schedule needs t_max >= 1, got ", t_max);
      return eta_min + (base_lr - eta_min) *
                           (1 + std::cos(std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(t_max))) / 2;
  }
  fail(__func__, "invalid schedule kind");
}

// ---- Adam / AdamW --------------------------------------------------------------------

template <class T>
AdamOptimizer<T>::AdamOptimizer(AdamSettings settings, const std::vector<Parameter<T>>& params)
    : settings_(settings), lr_(settings.lr) {
  FNO_CHECK(settings_.lr >= 0, "learning rate ", settings_.lr, " is negative");
  FNO_CHECK(settings_.beta1 >= 0 && settings_.beta1 < 1 && settings_.beta2 >= 0 && settings_.beta2 < 1,
            "betas (", settings_.beta1, ", ", settings_.beta2, ") must lie in [0, 1)");
  FNO_CHECK(settings_.eps >= 0, "eps ", settings_.eps, " is negative");
  FNO_CHECK(settings_.weight_decay >= 0, "weight decay ", settings_.weight_decay, " is negative");
  for (const auto& p : params) {
    const std::size_t n = expected_local_size(p);
    FNO_CHECK(p.value.size() == n, "parameter '", p.name, "' holds ", p.value.size(),
              " values but its local shape needs ", n);
    sizes_.push_back(n);
    exp_avg_.emplace_back(n, T(0));
    exp_avg_sq_.emplace_back(n, T(0));
  }
}

template <class T>
void AdamOptimizer<T>::set_lr(double lr) {
  FNO_CHECK(lr >= 0, "learning rate ", lr, " is negative");
  lr_ = lr;
}

// torch.optim.Adam / AdamW (single-tensor form, amsgrad = false, maximize = false):
//   t += 1;  [Adam: g += wd * p]  [AdamW: p *= 1 - lr * wd]
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
template <class T>
void AdamOptimizer<T>::step(std::vector<Parameter<T>>& params) {
  FNO_CHECK(params.size() == sizes_.size(), "the optimizer was built for ", sizes_.size(), " parameters, got ",
            params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    check_parameter(params[k]);
    FNO_CHECK(params[k].value.size() == sizes_[k], "parameter '", params[k].name, "' has ", params[k].value.size(),
              " local values but the optimizer state has ", sizes_[k]);
  }
  ++step_count_;
  const double b1 = settings_.beta1, b2 = settings_.beta2, eps = settings_.eps, wd = settings_.weight_decay;
  const double t = static_cast<double>(step_count_);
  const double step_size = lr_ / (1 - std::pow(b1, t));
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(b2, t));
  const bool l2 = settings_.kind == OptimizerKind::adam && wd != 0;
  const double decay = settings_.kind == OptimizerKind::adamw ? 1 - lr_ * wd : 1.0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    T* value = params[k].value.data();
    const T* grad = params[k].grad.data();
    T* m = exp_avg_[k].data();
    T* v = exp_avg_sq_[k].data();
    for (std::size_t i = 0; i < sizes_[k]; ++i) {
      double p = static_cast<double>(value[i]);
      double g = static_cast<double>(grad[i]);
      if (l2) g += wd * p;
      p *= decay;
      const double m_new = b1 * static_cast<double>(m[i]) + (1 - b1) * g;
      const double v_new = b2 * static_cast<double>(v[i]) + (1 - b2) * g * g;
      m[i] = static_cast<T>(m_new);
      v[i] = static_cast<T>(v_new);
      const double denom = std::sqrt(static_cast<double>(v[i])) / bias_correction2_sqrt + eps;
      value[i] = static_cast<T>(p - step_size * static_cast<double>(m[i]) / denom);
    }
  }
}

template <class T>
void AdamOptimizer<T>::restore(AdamSettings settings, double lr, std::int64_t step_count,
                               std::vector<std::vector<T>> exp_avg, std::vector<std::vector<T>> exp_avg_sq) {
  FNO_CHECK(step_count >= 0, "step count ", step_count, " is negative");
  FNO_CHECK(exp_avg.size() == sizes_.size() && exp_avg_sq.size() == sizes_.size(), "optimizer state for ",
            exp_avg.size(), "/", exp_avg_sq.size(), " parameters, the optimizer has ", sizes_.size());
  for (std::size_t k = 0; k < sizes_.size(); ++k)
    FNO_CHECK(exp_avg[k].size() == sizes_[k] && exp_avg_sq[k].size() == sizes_[k], "optimizer state of parameter ",
              k, " has ", exp_avg[k].size(), "/", exp_avg_sq[k].size(), " values, the parameter ", sizes_[k]);
  settings_ = settings;
  set_lr(lr);
  step_count_ = step_count;
  exp_avg_ = std::move(exp_avg);
  exp_avg_sq_ = std::move(exp_avg_sq);
}

// ---- gradients ---------------------------------------------------------------------

template <class T>
void zero_grads(std::vector<Parameter<T>>& params) {
  for (auto& p : params) p.grad.assign(p.value.size(), T(0));
}

template <class T>
double global_grad_norm(const std::vector<Parameter<T>>& params, MPI_Comm comm) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  double square = 0;
  for (const auto& p : params) {
    check_parameter(p);
    if (p.replicated && rank != 0) continue;  // counted once, from rank 0's copy
    double s = 0;
    for (T g : p.grad) s += static_cast<double>(g) * static_cast<double>(g);
    square += s;
  }
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &square, 1, MPI_DOUBLE, MPI_SUM, comm));
  return std::sqrt(square);
}

template <class T>
double clip_grad_norm(std::vector<Parameter<T>>& params, double max_norm, MPI_Comm comm) {
  FNO_CHECK(max_norm > 0, "max_norm ", max_norm, " must be positive");
  const double norm = global_grad_norm(params, comm);
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient < 1)
    for (auto& p : params)
      for (T& g : p.grad) g = static_cast<T>(static_cast<double>(g) * coefficient);
  return norm;
}

template class AdamOptimizer<float>;
template class AdamOptimizer<double>;
template void zero_grads(std::vector<Parameter<float>>&);
template void zero_grads(std::vector<Parameter<double>>&);
template double global_grad_norm(const std::vector<Parameter<float>>&, MPI_Comm);
template double global_grad_norm(const std::vector<Parameter<double>>&, MPI_Comm);
template double clip_grad_norm(std::vector<Parameter<float>>&, double, MPI_Comm);
template double clip_grad_norm(std::vector<Parameter<double>>&, double, MPI_Comm);

}  // namespace fno
