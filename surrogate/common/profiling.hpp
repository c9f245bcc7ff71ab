// Profiling hook of the core: the model's stages announce where they begin and end, and a
// host observes them without the core depending on it (the plugin turns them into
// PetscLogEvents, fno-bench into per-stage timers). With no observer set a stage costs
// one load and one branch.
#pragma once

namespace fno::profile {

enum class Stage : int {
  forward,            // Fno::forward, whole
  backward,           // Fno::backward, whole
  lift,               // a = [x, coordinates], v_0 = pad_t(P a)
  transpose,          // Repartition inside the truncated FFT (all-to-all in a sub-communicator)
  time_dft,           // truncated real DFT along time (forward, inverse and adjoints)
  space_dft,          // truncated complex DFT along a space axis
  spectral_multiply,  // Y = X R on the retained modes (and its adjoints)
  pointwise,          // W v + bias of the Fourier blocks (and its gradients)
  activation,         // GELU (and its slope)
  projection,         // y = Q2 GELU(Q1 u) (and its backward)
  count_
};
inline constexpr int stage_count = static_cast<int>(Stage::count_);

// "forward", "backward", "lift", "transpose", "time_dft", ...
const char* stage_name(Stage stage);

// begin/end are called in properly nested pairs on the calling thread. A stage may nest
// inside another stage and inside itself (the fused forward runs the next layer's time DFT
// inside the inverse transform's epilogue).
struct Observer {
  void (*begin)(Stage stage, void* context) = nullptr;
  void (*end)(Stage stage, void* context) = nullptr;
  void* context = nullptr;
};

// Installs `observer` for this process (copied), or removes the current one (nullptr).
// Not to be called while a stage is open.
void set_observer(const Observer* observer);

namespace detail {
extern Observer current;
}

// RAII: begin at construction, end at destruction, for the observer present at construction.
class Scope {
 public:
  explicit Scope(Stage stage) : stage_(stage), observer_(detail::current.begin ? &detail::current : nullptr) {
    if (observer_) observer_->begin(stage_, observer_->context);
  }
  ~Scope() {
    if (observer_) observer_->end(stage_, observer_->context);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Stage stage_;
  const Observer* observer_;
};

}  // namespace fno::profile
