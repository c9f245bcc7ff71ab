#include "layers/fno_config.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include "common/error.hpp"

namespace fno {

namespace {

std::string list_text(const std::vector<Index>& values) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < values.size(); ++i) os << (i ? ", " : "") << values[i];
  os << ']';
  return os.str();
}

// Mode-block extents of the spectral weights: 2m per space axis (m low + m high), m along time.
std::vector<Index> mode_block(const FnoConfig& c) {
  std::vector<Index> block;
  for (int a = 0; a < c.ndim(); ++a) block.push_back(a + 1 < c.ndim() ? 2 * c.modes[a] : c.modes[a]);
  return block;
}

Index product(const std::vector<Index>& extents, const char* what) {
  Index n = 1;
  for (Index e : extents) n = checked_mul(n, e, what);
  return n;
}

std::atomic<std::uint64_t> memory_limit_override{0};

}  // namespace

void validate_config(const FnoConfig& c) {
  FNO_CHECK(c.space_dims == 2 || c.space_dims == 3, "space_dims = ", c.space_dims, "; it must be 2 or 3");
  const int d = c.ndim();
  FNO_CHECK(static_cast<int>(c.grid.size()) == d, "grid has ", c.grid.size(), " extents but space_dims = ",
            c.space_dims, " needs ", d, " (space axes, then time)");
  FNO_CHECK(static_cast<int>(c.modes.size()) == d, "modes has ", c.modes.size(), " entries but space_dims = ",
            c.space_dims, " needs ", d);
  for (int a = 0; a < d; ++a)
    FNO_CHECK(c.grid[a] >= 1 && c.grid[a] <= max_config_extent, "grid ", list_text(c.grid), ": extent ", a, " = ",
              c.grid[a], " must lie in 1..", max_config_extent);
  auto in_range = [](const char* name, Index v, Index low, Index high) {
    FNO_CHECK_AS("validate_config", v >= low && v <= high, name, " = ", v, "; it must lie in ", low, "..", high);
  };
  in_range("width", c.width, 1, max_config_extent);
  in_range("layers", c.layers, 1, max_config_layers);
  in_range("proj_width", c.proj_width, 1, max_config_extent);
  in_range("in_channels", c.in_channels, 1, max_config_extent - d);
  in_range("out_channels", c.out_channels, 1, max_config_extent);
  in_range("padding", c.padding, 0, max_config_extent - c.grid.back());
  const Index padded_time = c.grid.back() + c.padding;
  for (int a = 0; a + 1 < d; ++a)
    FNO_CHECK(c.modes[a] >= 1 && c.modes[a] <= c.grid[a] / 2, "modes ", list_text(c.modes), ": space axis ", a,
              " keeps ", c.modes[a], " low and high modes but its extent ", c.grid[a], " allows 1..", c.grid[a] / 2);
  FNO_CHECK(c.modes[d - 1] >= 1 && c.modes[d - 1] <= padded_time / 2 + 1, "modes ", list_text(c.modes),
            ": the time axis keeps ", c.modes[d - 1], " modes but its padded extent ", padded_time,
            " (grid ", c.grid[d - 1], " + padding ", c.padding, ") allows 1..", padded_time / 2 + 1);

  // Sizes: every product is checked before it is formed.
  std::vector<Index> padded = c.grid;
  padded.back() = padded_time;
  Index points = 1;
  for (Index e : padded) {
    FNO_CHECK(!__builtin_mul_overflow(points, e, &points) && points <= max_config_elements, "grid ",
              list_text(c.grid), " with padding ", c.padding, " has more than ", max_config_elements, " points");
  }
  const Index widest = std::max({c.width, c.proj_width, c.in_channels + d, c.out_channels});
  Index tensor = 0;
  FNO_CHECK(!__builtin_mul_overflow(points, widest, &tensor) && tensor <= max_config_elements, "grid ",
            list_text(c.grid), " (padding ", c.padding, ") times ", widest,
            " channels (the widest of width, proj_width, in_channels + ", d, ", out_channels) exceeds ",
            max_config_elements, " elements per sample");
  Index total = 0;
  bool overflow = false;
  Index modes = 1;
  for (Index e : mode_block(c)) overflow = overflow || __builtin_mul_overflow(modes, e, &modes);
  auto add_product = [&](std::initializer_list<Index> factors) {
    Index term = 1;
    for (Index f : factors) overflow = overflow || __builtin_mul_overflow(term, f, &term);
    overflow = overflow || __builtin_add_overflow(total, term, &total);
  };
  add_product({c.width, c.in_channels + d});
  add_product({c.width});
  for (int l = 0; l < c.layers && !overflow; ++l) {
    add_product({c.width, c.width, modes, 2});
    add_product({c.width, c.width});
    add_product({c.width});
  }
  add_product({c.proj_width, c.width});
  add_product({c.proj_width});
  add_product({c.out_channels, c.proj_width});
  add_product({c.out_channels});
  FNO_CHECK(!overflow && total <= max_config_elements, "the parameters of width = ", c.width, ", layers = ", c.layers,
            ", modes ", list_text(c.modes), ", proj_width = ", c.proj_width, ", in_channels = ", c.in_channels,
            ", out_channels = ", c.out_channels, " would hold more than ", max_config_elements, " elements");
}

const FnoConfig& validated_config(const FnoConfig& config, Index batch) {
  validate_config(config);
  FNO_CHECK(batch >= 1, "batch must be positive, got ", batch);
  std::vector<Index> padded = config.grid;
  padded.back() += config.padding;
  const Index widest = std::max({config.width, config.proj_width, config.in_channels + config.ndim(),
                                 config.out_channels});
  Index elements = 0;
  FNO_CHECK(!__builtin_mul_overflow(product(padded, "grid points"), widest, &elements) &&
                !__builtin_mul_overflow(elements, batch, &elements) && elements <= max_config_elements,
            "batch ", batch, " of this configuration exceeds ", max_config_elements, " elements per tensor");
  return config;
}

std::vector<ParameterShape> parameter_shapes(const FnoConfig& c) {
  validate_config(c);
  std::vector<ParameterShape> shapes;
  auto linear = [&](const std::string& name, Index in, Index out) {
    shapes.push_back({name + ".weight", {out, in}, true});
    shapes.push_back({name + ".bias", {out}, true});
  };
  linear("lift", c.in_channels + c.ndim(), c.width);
  std::vector<Index> spectral{c.width, c.width};
  for (Index e : mode_block(c)) spectral.push_back(e);
  spectral.push_back(2);  // (real, imaginary)
  for (int l = 0; l < c.layers; ++l) {
    const std::string prefix = "layers." + std::to_string(l);
    shapes.push_back({prefix + ".spectral.weights", spectral, false});
    linear(prefix + ".pointwise", c.width, c.width);
  }
  linear("proj.fc1", c.width, c.proj_width);
  linear("proj.fc2", c.proj_width, c.out_channels);
  return shapes;
}

Index parameter_elements(const FnoConfig& config) {
  Index total = 0;
  for (const auto& p : parameter_shapes(config)) total = checked_add(total, product(p.global_shape, "parameter size"),
                                                                     "parameter count");
  return total;
}

std::uint64_t rank_memory_limit() {
  if (const std::uint64_t limit = memory_limit_override.load()) return limit;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t limit = pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                                              : ~std::uint64_t{0};
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit r{};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
      limit = std::min<std::uint64_t>(limit, static_cast<std::uint64_t>(r.rlim_cur));
  }
  return limit;
}

void set_rank_memory_limit(std::uint64_t bytes) { memory_limit_override.store(bytes); }

void check_model_memory(const FnoConfig& c, Index hidden_local_elements, std::size_t scalar_bytes) {
  validate_config(c);
  // Scalars (as long double: no overflow, and precision does not matter for a bound).
  long double scalars = 2.0L * static_cast<long double>(hidden_local_elements);
  const int d = c.ndim();
  const long double padded_time = static_cast<long double>(c.grid.back() + c.padding);
  scalars += 4.0L * padded_time * static_cast<long double>(c.modes.back());  // real DFT of time, both ways
  for (int a = 0; a + 1 < d; ++a)  // complex DFT of each space axis, both ways
    scalars += 8.0L * static_cast<long double>(c.grid[a]) * static_cast<long double>(c.modes[a]);
  for (const auto& p : parameter_shapes(c))
    if (p.replicated) scalars += static_cast<long double>(product(p.global_shape, "parameter size"));
  const long double bytes = scalars * static_cast<long double>(scalar_bytes);
  const std::uint64_t limit = rank_memory_limit();
  FNO_CHECK(bytes <= static_cast<long double>(limit), "a model of grid ", list_text(c.grid), ", width ", c.width,
            " and modes ", list_text(c.modes), " needs at least ",
            static_cast<double>(bytes / (1024.0L * 1024.0L)), " MiB on this rank (two hidden tensors of ",
            hidden_local_elements, " elements, the DFT matrices and the parameters), more than the ",
            static_cast<double>(limit) / (1024.0 * 1024.0), " MiB this rank may use");
}

}  // namespace fno
