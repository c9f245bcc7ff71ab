#include "common/profiling.hpp"

namespace fno::profile {

namespace detail {
Observer current;
}

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::forward: return "forward";
    case Stage::backward: return "backward";
    case Stage::lift: return "lift";
    case Stage::transpose: return "transpose";
    case Stage::time_dft: return "time_dft";
    case Stage::space_dft: return "space_dft";
    case Stage::spectral_multiply: return "spectral_multiply";
    case Stage::pointwise: return "pointwise";
    case Stage::activation: return "activation";
    case Stage::projection: return "projection";
    case Stage::count_: break;
  }
  return "unknown";
}

void set_observer(const Observer* observer) {
  if (observer && observer->begin && observer->end)
    detail::current = *observer;
  else
    detail::current = Observer{};
}

}  // namespace fno::profile
