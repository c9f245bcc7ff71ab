#include "dmda_surrogate.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.hpp"
#include "layers/fno_model.hpp"

namespace fno::plugin {

namespace {

template <class T>
class DmdaSurrogateOf final : public DmdaSurrogate {
 public:
  DmdaSurrogateOf(const std::string& path, const ModelFileInfo& info, MPI_Comm comm, const DmdaBlock& block)
      : config_(info.config),
        problem_(*info.problem),
        block_(block),
        grid_(std::make_shared<const ProcessGrid>(comm, block.procs)),
        model_(config_, grid_, /*batch=*/1, /*seed=*/0, block.ownership, /*initialize_parameters=*/false),
        path_(path),
        comm_(comm) {
    const Layout& in = model_.input_layout();
    for (int a = 0; a < block.dim; ++a)
      FNO_CHECK(in.start(a) == block.start[static_cast<std::size_t>(a)] &&
                    in.local(a) == block.local[static_cast<std::size_t>(a)],
                "the model's block of axis ", a, " [", in.start(a), ", +", in.local(a),
                ") differs from the DMDA's owned block; this is a bug");
    input_.assign(static_cast<std::size_t>(in.local_count()), T(0));
    output_.assign(static_cast<std::size_t>(model_.output_layout().local_count()), T(0));
  }

  void read_weights() override { read_model(path_, comm_, config_, model_.parameters(), &normalizers_); }

  Index set_input(Index k, const double* host) override {
    const ProblemInput& field = problem_.inputs[static_cast<std::size_t>(k)];
    double scale = 1, shift = 0;
    if (normalizers_.input) {
      scale = 1.0 / (static_cast<double>(normalizers_.input->stddev()[static_cast<std::size_t>(k)]) +
                     normalizers_.input->epsilon());
      shift = -static_cast<double>(normalizers_.input->mean()[static_cast<std::size_t>(k)]) * scale;
    }
    const Index nt = config_.grid.back(), points = block_.points();
    T* channel = input_.data() + k * points * nt;
    Index bad = -1;
    for_each_cell([&](Index host_index, Index core_index) {
      const double value = transform_input(field, host[host_index]);
      if (!std::isfinite(value) && (bad < 0 || host_index < bad)) bad = host_index;
      const T encoded = static_cast<T>(value * scale + shift);
      std::fill(channel + core_index * nt, channel + (core_index + 1) * nt, encoded);
    });
    return bad;
  }

  void predict() override {
    model_.forward(input_.data(), output_.data(), /*keep_for_backward=*/false);
    const Index nt = config_.grid.back(), points = block_.points();
    for (Index c = 0; c < config_.out_channels; ++c) {
      double scale = 1, shift = 0;
      if (normalizers_.output) {
        scale = static_cast<double>(normalizers_.output->stddev()[static_cast<std::size_t>(c)]) +
                normalizers_.output->epsilon();
        shift = static_cast<double>(normalizers_.output->mean()[static_cast<std::size_t>(c)]);
      }
      const ProblemOutput& field = problem_.outputs[static_cast<std::size_t>(c)];
      const double low = std::isnan(field.min) ? -HUGE_VAL : field.min;
      const double high = std::isnan(field.max) ? HUGE_VAL : field.max;
      T* y = output_.data() + c * points * nt;
      for (Index i = 0; i < points * nt; ++i)
        y[i] = static_cast<T>(std::clamp(static_cast<double>(y[i]) * scale + shift, low, high));
    }
  }

  void output_time_slice(Index c, Index t, double* host, Index dof, Index component) const override {
    const Index nt = config_.grid.back(), points = block_.points();
    const T* y = output_.data() + c * points * nt + t;
    for_each_cell([&](Index host_index, Index core_index) {
      host[host_index * dof + component] = static_cast<double>(y[core_index * nt]);
    });
  }

  void set_initial_state(Index c, const double* host, Index dof, Index component) override {
    const Index nt = config_.grid.back(), points = block_.points();
    T* y = output_.data() + c * points * nt;
    for_each_cell([&](Index host_index, Index core_index) {
      y[core_index * nt] = static_cast<T>(host[host_index * dof + component]);
    });
  }

  std::size_t bytes() const override {
    std::size_t n = (input_.size() + output_.size()) * sizeof(T);
    for (const auto& p : model_.parameters()) n += (p.value.size() + p.grad.size()) * sizeof(T);
    return n;
  }

  std::string describe_partition() const override {
    std::ostringstream os;
    os << model_.input_layout().describe();
    return os.str();
  }

 private:
  // Calls f(host_index, core_index) for every owned cell: host order [z][y][x] (x fastest),
  // core order [x][y][z] (the last space axis fastest).
  template <class F>
  void for_each_cell(F&& f) const {
    const Index nx = block_.local[0], ny = block_.local[1], nz = block_.dim == 3 ? block_.local[2] : 1;
    for (Index k = 0; k < nz; ++k)
      for (Index j = 0; j < ny; ++j)
        for (Index i = 0; i < nx; ++i) f((k * ny + j) * nx + i, (i * ny + j) * nz + k);
  }

  FnoConfig config_;
  ProblemDescription problem_;
  DmdaBlock block_;
  std::shared_ptr<const ProcessGrid> grid_;
  Fno<T> model_;
  std::string path_;
  MPI_Comm comm_;
  Normalizers<T> normalizers_;
  std::vector<T> input_;   // [1][in][x][y][z][t]
  std::vector<T> output_;  // [1][out][x][y][z][t], decoded
};

}  // namespace

std::unique_ptr<DmdaSurrogate> DmdaSurrogate::create(Precision precision, const std::string& path,
                                                     const ModelFileInfo& info, MPI_Comm comm,
                                                     const DmdaBlock& block) {
  FNO_CHECK(info.problem.has_value(), "model file '", path,
            "' has no /problem description (input fields, output fields, times); a model written by fno-train "
            "or fno-init has one");
  if (precision == Precision::single) return std::make_unique<DmdaSurrogateOf<float>>(path, info, comm, block);
  return std::make_unique<DmdaSurrogateOf<double>>(path, info, comm, block);
}

}  // namespace fno::plugin
