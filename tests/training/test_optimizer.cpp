// Adam / AdamW, learning-rate schedules and gradient clipping against numbers computed
// independently by PyTorch, on any rank count (one parameter distributed over the ranks,
// one replicated).
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "distributed_field.hpp"
#include "common/error.hpp"
#include "training/optimizer.hpp"

namespace {

using fno::Index;
using fno::Parameter;

// ---- reference numbers ---------------------------------------------------------------
// Produced by tests/training/torch_reference.py with Debian's python3-torch 1.13.1
// (/usr/bin/python3 tests/training/torch_reference.py), float64, pasted unchanged.
// Problem: p0 = (0.5, -1.25, 2.0), p1 = (0.75, -0.3); gradient 2 c (p - t) with
// c0 = (1, 2, 0.5), t0 = (0.1, 0.2, -0.3), c1 = (3, 0.25), t1 = (-0.5, 1.5);
// lr 0.1, betas (0.9, 0.99), eps 1e-6; weight_decay 0 / 0.1 (Adam) and 0.1 (AdamW).

// torch_adam: parameters [p0 (3 values), p1 (2 values)] after each of 5 steps
const std::vector<std::vector<double>> torch_adam = {
    {0.4000001249998438, -1.1500000172413762, 1.900000043478242, 0.6500000133333316, -0.20000011111098767},
    {0.3016804398548618, -1.0502337159885573, 1.800130552708414, 0.5502849835892917, -0.10017700941208468},
    {0.20716060388347163, -0.950884356156693, 1.700487265179451, 0.4510851089132371, -0.00066451218593859},
    {0.11969917166802778, -0.8521584689543319, 1.601172791104063, 0.35266567357946216, 0.09839054943609564},
    {0.04368605879867361, -0.7542880105930361, 1.5022968306056665, 0.2553310869962144, 0.19682751782726027},
};
// torch_adam_l2: parameters [p0 (3 values), p1 (2 values)] after each of 5 steps
const std::vector<std::vector<double>> torch_adam_l2 = {
    {0.40000011764692045, -1.1500000168776343, 1.900000039999984, 0.6500000132013184, -0.20000010752676609},
    {0.3016450895558278, -1.0502347549463913, 1.8001324524487132, 0.5502875402801809, -0.10021437117812756},
    {0.20699564579299357, -0.9508884039116466, 1.700494502408811, 0.45109517691359713, -0.0008087600735816047},
    {0.11921035030860708, -0.8521686401274178, 1.6011905415305605, 0.35269125783420097, 0.09803134409530397},
    {0.04255560875567489, -0.754308811863878, 1.5023322422230823, 0.25538400799317074, 0.19609953740845676},
};
// torch_adamw: parameters [p0 (3 values), p1 (2 values)] after each of 5 steps
const std::vector<std::vector<double>> torch_adamw = {
    {0.39500012499984377, -1.1375000172413765, 1.880000043478242, 0.6425000133333315, -0.19700011111098767},
    {0.2928856739613429, -1.0263984241230955, 1.7613634394193178, 0.536389600203466, -0.09521376291539889},
    {0.19595824599308237, -0.9168954963160764, 1.6441963191936673, 0.4319069863404302, 0.005234931379144742},
    {0.10772863431995447, -0.8092164085055125, 1.5286122099942532, 0.3293243916892479, 0.10421217896110252},
    {0.03279036182604725, -0.7036131763083658, 1.414732148902352, 0.22895115813623862, 0.2015743004692579},
};
// learning rates of epochs 0..11 with base lr 0.1
const std::vector<double> torch_step_lr = {0.1,   0.1,   0.1,   0.05,   0.05,   0.05,
                                           0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125};  // StepLR(3, 0.5)
const std::vector<double> torch_cosine_lr = {  // CosineAnnealingLR(T_max 7, eta_min 0.001)
    0.1, 0.09509795896116975, 0.08136274519200731, 0.061514786230837566, 0.03948521376916245, 0.019637254807992697,
    0.005902041038830259, 0.001, 0.005902041038830253, 0.019637254807992683, 0.03948521376916243,
    0.061514786230837525};
// clip_grad_norm_(max_norm=1.5) at the initial point: returned norm, clipped gradients
const double torch_clip_norm = 9.830055951010655;
const std::vector<double> torch_clipped_grads = {0.1220745725055667, -0.8850406506653585, 0.35096439595350426,
                                                 1.1444491172396878, -0.13733389406876254};

// ---- the problem on this rank's partition ---------------------------------------------------

const std::vector<double> initial_p0{0.5, -1.25, 2.0}, initial_p1{0.75, -0.3};
const std::vector<double> c0{1.0, 2.0, 0.5}, t0{0.1, 0.2, -0.3}, c1{3.0, 0.25}, t1{-0.5, 1.5};

// p0 split over the ranks of comm (DMDA rule; ranks beyond 3 hold nothing), p1 replicated.
template <class T>
std::vector<Parameter<T>> problem_parameters(MPI_Comm comm) {
  fno::test::DistributedField split(comm, 1, 1, 3);
  Parameter<T> p0;
  p0.name = "p0";
  p0.global_shape = {3};
  p0.local_start = {split.local_start};
  p0.local_shape = {split.local_points};
  p0.replicated = false;
  for (Index i = 0; i < split.local_points; ++i) p0.value.push_back(static_cast<T>(initial_p0[split.local_start + i]));
  Parameter<T> p1;
  p1.name = "p1";
  p1.global_shape = p1.local_shape = {2};
  p1.local_start = {0};
  p1.value = {static_cast<T>(initial_p1[0]), static_cast<T>(initial_p1[1])};
  std::vector<Parameter<T>> params{p0, p1};
  fno::zero_grads(params);
  return params;
}

// grad = 2 c (p - t), element by element at the global index.
template <class T>
void set_problem_gradients(std::vector<Parameter<T>>& params) {
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& c = k == 0 ? c0 : c1;
    const auto& t = k == 0 ? t0 : t1;
    auto& p = params[k];
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      const std::size_t g = static_cast<std::size_t>(p.local_start[0]) + i;
      p.grad[i] = static_cast<T>(2 * c[g] * (static_cast<double>(p.value[i]) - t[g]));
    }
  }
}

// This rank's entries of a reference row [p0 (3), p1 (2)], checked against the parameters.
template <class T>
void expect_row(const std::vector<Parameter<T>>& params, const std::vector<double>& row, double tolerance,
                int step) {
  for (std::size_t i = 0; i < params[0].value.size(); ++i)
    EXPECT_NEAR(params[0].value[i], row[params[0].local_start[0] + i], tolerance) << "p0 step " << step;
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(params[1].value[i], row[3 + i], tolerance) << "p1 step " << step;
}

template <class T>
void run_against_torch(fno::OptimizerKind kind, double weight_decay, const std::vector<std::vector<double>>& reference,
                       double tolerance) {
  auto params = problem_parameters<T>(MPI_COMM_WORLD);
  fno::AdamSettings settings;
  settings.kind = kind;
  settings.lr = 0.1;
  settings.beta1 = 0.9;
  settings.beta2 = 0.99;
  settings.eps = 1e-6;
  settings.weight_decay = weight_decay;
  fno::AdamOptimizer<T> optimizer(settings, params);
  for (int step = 0; step < static_cast<int>(reference.size()); ++step) {
    set_problem_gradients(params);
    optimizer.step(params);
    EXPECT_EQ(optimizer.step_count(), step + 1);
    expect_row(params, reference[step], tolerance, step);
  }
}

TEST(AdamOptimizer, AdamMatchesPyTorch) {
  run_against_torch<double>(fno::OptimizerKind::adam, 0.0, torch_adam, 1e-13);
  run_against_torch<float>(fno::OptimizerKind::adam, 0.0, torch_adam, 2e-6);
}

TEST(AdamOptimizer, AdamWithL2WeightDecayMatchesPyTorch) {
  run_against_torch<double>(fno::OptimizerKind::adam, 0.1, torch_adam_l2, 1e-13);
  run_against_torch<float>(fno::OptimizerKind::adam, 0.1, torch_adam_l2, 2e-6);
}

TEST(AdamOptimizer, AdamWMatchesPyTorch) {
  run_against_torch<double>(fno::OptimizerKind::adamw, 0.1, torch_adamw, 1e-13);
  run_against_torch<float>(fno::OptimizerKind::adamw, 0.1, torch_adamw, 2e-6);
}

TEST(AdamOptimizer, FirstStepMatchesHandComputation) {
  // At step 1 the bias corrections cancel: m_hat = g, v_hat = g^2, so
  // p1 = p0 - lr * g / (|g| + eps) (Adam), and AdamW first scales p0 by 1 - lr * wd.
  std::vector<Parameter<double>> params(1);
  params[0].name = "w";
  params[0].global_shape = params[0].local_shape = {2};
  params[0].local_start = {0};
  params[0].value = {1.0, -2.0};
  params[0].grad = {0.5, -4.0};
  fno::AdamSettings settings;
  settings.kind = fno::OptimizerKind::adamw;
  settings.lr = 0.01;
  settings.eps = 1e-8;
  settings.weight_decay = 0.5;
  fno::AdamOptimizer<double> optimizer(settings, params);
  optimizer.step(params);
  EXPECT_NEAR(params[0].value[0], 1.0 * (1 - 0.005) - 0.01 * 0.5 / (0.5 + 1e-8), 1e-15);
  EXPECT_NEAR(params[0].value[1], -2.0 * (1 - 0.005) + 0.01 * 4.0 / (4.0 + 1e-8), 1e-15);
  EXPECT_NEAR(optimizer.exp_avg()[0][0], 0.1 * 0.5, 1e-16);
  EXPECT_NEAR(optimizer.exp_avg_sq()[0][1], 0.001 * 16.0, 1e-16);
}

TEST(AdamOptimizer, RestoredStateContinuesIdentically) {
  auto params = problem_parameters<double>(MPI_COMM_WORLD);
  fno::AdamSettings settings;
  settings.kind = fno::OptimizerKind::adamw;
  settings.lr = 0.05;
  settings.weight_decay = 0.01;
  fno::AdamOptimizer<double> original(settings, params);
  for (int i = 0; i < 3; ++i) {
    set_problem_gradients(params);
    original.step(params);
  }
  original.set_lr(0.02);
  auto copy = params;
  fno::AdamOptimizer<double> resumed(fno::AdamSettings{}, copy);
  resumed.restore(original.settings(), original.lr(), original.step_count(), original.exp_avg(),
                  original.exp_avg_sq());
  EXPECT_EQ(resumed.step_count(), 3);
  EXPECT_EQ(resumed.lr(), 0.02);
  EXPECT_EQ(resumed.settings().kind, fno::OptimizerKind::adamw);
  for (int i = 0; i < 2; ++i) {
    set_problem_gradients(params);
    set_problem_gradients(copy);
    original.step(params);
    resumed.step(copy);
  }
  for (std::size_t k = 0; k < params.size(); ++k) EXPECT_EQ(params[k].value, copy[k].value);
}

TEST(AdamOptimizer, RejectsMismatchedParametersAndSettings) {
  auto params = problem_parameters<double>(MPI_COMM_WORLD);
  fno::AdamOptimizer<double> optimizer(fno::AdamSettings{}, params);
  auto fewer = params;
  fewer.pop_back();
  EXPECT_THROW(optimizer.step(fewer), fno::Error);
  auto grown = params;
  grown[1].value.push_back(0.0);
  grown[1].local_shape = {3};
  grown[1].grad.push_back(0.0);
  EXPECT_THROW(optimizer.step(grown), fno::Error);
  EXPECT_THROW(optimizer.restore(fno::AdamSettings{}, 0.1, 1, {}, {}), fno::Error);
  fno::AdamSettings bad;
  bad.beta1 = 1.0;
  EXPECT_THROW((void)fno::AdamOptimizer<double>(bad, params), fno::Error);
  EXPECT_THROW(optimizer.set_lr(-1), fno::Error);
  EXPECT_EQ(fno::optimizer_kind_from_string("adamw"), fno::OptimizerKind::adamw);
  EXPECT_THROW(fno::optimizer_kind_from_string("sgd"), fno::Error);
}

TEST(LrSchedule, StepMatchesPyTorch) {
  const auto schedule = fno::LrSchedule::step(3, 0.5);
  for (std::size_t e = 0; e < torch_step_lr.size(); ++e)
    EXPECT_NEAR(schedule.lr_at(0.1, static_cast<std::int64_t>(e)), torch_step_lr[e], 1e-15) << "epoch " << e;
}

TEST(LrSchedule, CosineMatchesPyTorch) {
  // Epochs 0..11 cross t_max = 7, where the rate turns back up as in PyTorch.
  const auto schedule = fno::LrSchedule::cosine(7, 0.001);
  for (std::size_t e = 0; e < torch_cosine_lr.size(); ++e)
    EXPECT_NEAR(schedule.lr_at(0.1, static_cast<std::int64_t>(e)), torch_cosine_lr[e], 1e-14) << "epoch " << e;
}

TEST(LrSchedule, ConstantAndInvalid) {
  EXPECT_EQ(fno::LrSchedule::constant().lr_at(0.3, 100), 0.3);
  EXPECT_THROW(fno::LrSchedule::step(0, 0.5), fno::Error);
  EXPECT_THROW(fno::LrSchedule::cosine(0), fno::Error);
  EXPECT_THROW(fno::LrSchedule::constant().lr_at(0.3, -1), fno::Error);
  EXPECT_EQ(fno::schedule_kind_from_string(fno::to_string(fno::ScheduleKind::cosine)), fno::ScheduleKind::cosine);
  EXPECT_THROW(fno::schedule_kind_from_string("linear"), fno::Error);
}

TEST(GradientClipping, MatchesPyTorch) {
  auto params = problem_parameters<double>(MPI_COMM_WORLD);
  set_problem_gradients(params);
  const double norm = fno::clip_grad_norm(params, 1.5, MPI_COMM_WORLD);
  EXPECT_NEAR(norm, torch_clip_norm, 1e-13);
  for (std::size_t i = 0; i < params[0].grad.size(); ++i)
    EXPECT_NEAR(params[0].grad[i], torch_clipped_grads[params[0].local_start[0] + i], 1e-14);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(params[1].grad[i], torch_clipped_grads[3 + i], 1e-14);
  EXPECT_NEAR(fno::global_grad_norm(params, MPI_COMM_WORLD), 1.5, 1e-6);
}

// A larger list: a distributed [5][29] tensor and two replicated ones, with random
// partition-independent gradients; the global norm equals the serial norm of all the
// global gradients, and a norm below max_norm leaves the gradients untouched.
TEST(GradientClipping, GlobalNormEqualsSerialNormOnAnyRankCount) {
  const std::uint64_t seed = fno::test::fresh_seed(MPI_COMM_WORLD);
  fno::test::DistributedField field(MPI_COMM_WORLD, 1, 5, 29);
  const auto distributed_grad = fno::test::random_global_field(field.global_size(), seed);
  const auto replicated_a = fno::test::random_global_field(12, seed + 1, 3.0);
  const auto replicated_b = fno::test::random_global_field(4, seed + 2, 0.1);
  double serial = 0;
  for (const auto* g : {&distributed_grad, &replicated_a, &replicated_b})
    for (double v : *g) serial += v * v;
  serial = std::sqrt(serial);

  std::vector<Parameter<double>> params(3);
  params[0].name = "distributed";
  params[0].global_shape = {5, 29};
  params[0].local_start = {0, field.local_start};
  params[0].local_shape = {5, field.local_points};
  params[0].replicated = false;
  params[0].grad = field.local_part(distributed_grad);
  params[1].name = "a";
  params[1].global_shape = params[1].local_shape = {3, 4};
  params[1].local_start = {0, 0};
  params[1].grad = replicated_a;
  params[2].name = "b";
  params[2].global_shape = params[2].local_shape = {4};
  params[2].local_start = {0};
  params[2].grad = replicated_b;
  for (auto& p : params) p.value.assign(p.grad.size(), 0.0);

  EXPECT_NEAR(fno::global_grad_norm(params, MPI_COMM_WORLD), serial, 1e-13 * serial);
  const auto before = params;
  EXPECT_NEAR(fno::clip_grad_norm(params, 2 * serial, MPI_COMM_WORLD), serial, 1e-13 * serial);
  for (std::size_t k = 0; k < params.size(); ++k) EXPECT_EQ(params[k].grad, before[k].grad);
  fno::clip_grad_norm(params, 0.25 * serial, MPI_COMM_WORLD);
  EXPECT_NEAR(fno::global_grad_norm(params, MPI_COMM_WORLD), 0.25 * serial, 1e-6 * serial);
  EXPECT_THROW(fno::clip_grad_norm(params, 0.0, MPI_COMM_WORLD), fno::Error);
}

}  // namespace
