// StageTimer: a profiling observer (surrogate/common/profiling.hpp) that times every stage of the
// model exclusive of the stages nested inside it, separately for forward and backward
// (whichever of the two is open outermost), and counts its calls.
#pragma once
#include <array>
#include <chrono>
#include <vector>

#include "common/profiling.hpp"

namespace fno::bench {

class StageTimer {
 public:
  enum Phase { forward_phase = 0, backward_phase = 1, phase_count = 2 };
  static constexpr int stages = profile::stage_count;

  StageTimer() { stack_.reserve(64); }
  ~StageTimer() { detach(); }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

  void attach() {
    profile::Observer o;
    o.begin = &StageTimer::on_begin;
    o.end = &StageTimer::on_end;
    o.context = this;
    profile::set_observer(&o);
  }
  void detach() { profile::set_observer(nullptr); }
  void reset() {
    for (auto& p : seconds_) p.fill(0.0);
    for (auto& p : calls_) p.fill(0);
    stack_.clear();
  }
  // Exclusive seconds and calls of a stage in a phase since the last reset.
  double seconds(Phase phase, profile::Stage s) const { return seconds_[phase][static_cast<int>(s)]; }
  long calls(Phase phase, profile::Stage s) const { return calls_[phase][static_cast<int>(s)]; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Frame {
    profile::Stage stage;
    Clock::time_point start;
    double nested;  // seconds spent in stages nested inside this one
  };
  static void on_begin(profile::Stage s, void* self) {
    auto* t = static_cast<StageTimer*>(self);
    t->stack_.push_back({s, Clock::now(), 0.0});
  }
  static void on_end(profile::Stage s, void* self) {
    auto* t = static_cast<StageTimer*>(self);
    const Clock::time_point now = Clock::now();
    const Frame f = t->stack_.back();
    t->stack_.pop_back();
    const double elapsed = std::chrono::duration<double>(now - f.start).count();
    // The phase is the outermost open stage (forward or backward); stages outside both count
    // as forward.
    const Frame& root = t->stack_.empty() ? f : t->stack_.front();
    const Phase phase = root.stage == profile::Stage::backward ? backward_phase : forward_phase;
    t->seconds_[phase][static_cast<int>(s)] += elapsed - f.nested;
    t->calls_[phase][static_cast<int>(s)] += 1;
    if (!t->stack_.empty()) t->stack_.back().nested += elapsed;
  }

  std::vector<Frame> stack_;
  std::array<std::array<double, stages>, phase_count> seconds_{};
  std::array<std::array<long, stages>, phase_count> calls_{};
};

}  // namespace fno::bench
