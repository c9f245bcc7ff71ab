#include "split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "common/error.hpp"

namespace fno::training {

std::uint64_t UniformBelow(std::mt19937_64& rng, std::uint64_t n) {
  FNO_CHECK(n >= 1, "empty range");
  // Largest multiple of n that fits in 2^64, minus 1: draws above it are rejected.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - (std::numeric_limits<std::uint64_t>::max() % n + 1) % n;
  std::uint64_t draw;
  do {
    draw = rng();
  } while (draw > limit);
  return draw % n;
}

SplitSpec SplitSpec::Parse(const std::string& text) {
  SplitSpec spec;
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  auto number = [&](const std::string& item, double& value) {
    std::size_t used = 0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    return used > 0 && used == item.size() && std::isfinite(value) && value >= 0 &&
           (value < 1 || value == std::floor(value));
  };
  if (items.size() != 2 || !number(items[0], spec.val) || !number(items[1], spec.test))
    throw Error("-split expects val,test, each a fraction in [0, 1) or a whole number of cases, got '" + text + "'");
  return spec;
}

std::string SplitSpec::ToString() const {
  std::ostringstream os;
  os.precision(17);
  os << val << ',' << test;
  return os.str();
}

DataSplit MakeSplit(const std::vector<Index>& usable, const SplitSpec& spec, std::uint64_t seed) {
  const auto n = static_cast<Index>(usable.size());
  auto count = [&](double v) { return v >= 1 ? static_cast<Index>(v) : static_cast<Index>(std::llround(v * static_cast<double>(n))); };
  const Index n_test = count(spec.test), n_val = count(spec.val);
  if (spec.test > 0 && n_test == 0)
    throw Error("the test split is empty (" + std::to_string(spec.test) + " of " + std::to_string(n) +
                " cases rounds to 0); ask for 0 to train without a test split, or for more cases");
  if (spec.val > 0 && n_val == 0)
    throw Error("the validation split is empty (" + std::to_string(spec.val) + " of " + std::to_string(n) +
                " cases rounds to 0); ask for 0 to train without validation, or for more cases");
  if (n_test + n_val >= n)
    throw Error("the training split is empty: " + std::to_string(n) + " usable case(s), " + std::to_string(n_val) +
                " for validation and " + std::to_string(n_test) + " for testing");
  std::vector<Index> order = usable;
  std::mt19937_64 rng(seed);
  Shuffle(order, rng);
  DataSplit split;
  split.test.assign(order.begin(), order.begin() + n_test);
  split.val.assign(order.begin() + n_test, order.begin() + n_test + n_val);
  split.train.assign(order.begin() + n_test + n_val, order.end());
  for (auto* part : {&split.train, &split.val, &split.test}) std::sort(part->begin(), part->end());
  return split;
}

}  // namespace fno::training
