#include "torch_import.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.hpp"
#include "files/hdf5_handles.hpp"
#include "fft/tensor_slice.hpp"

namespace fno::tools {

namespace {

h5::File open_read_only(const std::string& path) {
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  FNO_CHECK(file.valid(), "cannot open ", path, " as an HDF5 file");
  return file;
}

// True when every component of the slash-separated `name` exists.
bool exists(hid_t file, const std::string& name) {
  std::size_t at = 0;
  while (true) {
    const std::size_t slash = name.find('/', at);
    const std::string prefix = name.substr(0, slash);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    at = slash + 1;
  }
}

std::vector<Index> int_attribute(hid_t file, const std::string& path, const char* name) {
  FNO_CHECK(H5Aexists(file, name) > 0, path, " has no root attribute '", name, "'");
  h5::Attribute attr(H5Aopen(file, name, H5P_DEFAULT));
  h5::Dataspace space(H5Aget_space(attr.get()));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  FNO_CHECK(n >= 1, path, ": attribute '", name, "' is empty");
  std::vector<long long> values(static_cast<std::size_t>(n));
  FNO_CHECK(H5Aread(attr.get(), H5T_NATIVE_LLONG, values.data()) >= 0, path, ": cannot read attribute '", name,
            "' as integers");
  return {values.begin(), values.end()};
}

Index int_scalar(hid_t file, const std::string& path, const char* name) {
  const std::vector<Index> v = int_attribute(file, path, name);
  FNO_CHECK(v.size() == 1, path, ": attribute '", name, "' should be one integer, has ", v.size());
  return v[0];
}

std::vector<Index> dataset_shape(hid_t file, const std::string& path, const std::string& name) {
  FNO_CHECK(exists(file, name), path, " has no dataset /", name);
  h5::Dataset set(H5Dopen2(file, name.c_str(), H5P_DEFAULT));
  h5::Dataspace space(H5Dget_space(set.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

// The hyperslab [start, start + count) of dataset `name`, converted to double.
std::vector<double> read_slab(hid_t file, const std::string& path, const std::string& name,
                              const std::vector<Index>& start, const std::vector<Index>& count) {
  const std::vector<Index> shape = dataset_shape(file, path, name);
  FNO_CHECK(shape.size() == count.size(), path, ": /", name, " has rank ", shape.size(), ", expected ", count.size());
  for (std::size_t a = 0; a < shape.size(); ++a)
    FNO_CHECK(start[a] + count[a] <= shape[a], path, ": /", name, " axis ", a, " has extent ", shape[a],
              ", needed ", start[a] + count[a]);
  h5::Dataset set(H5Dopen2(file, name.c_str(), H5P_DEFAULT));
  h5::Dataspace space(H5Dget_space(set.get()));
  std::vector<double> data(static_cast<std::size_t>(element_count(count)));
  if (!shape.empty()) {
    std::vector<hsize_t> s(start.begin(), start.end()), c(count.begin(), count.end());
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, s.data(), nullptr, c.data(), nullptr);
    h5::Dataspace memory(H5Screate_simple(static_cast<int>(c.size()), c.data(), nullptr));
    FNO_CHECK(H5Dread(set.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, data.data()) >= 0, path,
              ": cannot read /", name);
  } else {
    FNO_CHECK(H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0, path,
              ": cannot read /", name);
  }
  return data;
}

std::vector<double> read_whole(hid_t file, const std::string& path, const std::string& name,
                               const std::vector<Index>& expected_shape) {
  const std::vector<Index> shape = dataset_shape(file, path, name);
  FNO_CHECK(shape == expected_shape, path, ": /", name, " has an unexpected shape");
  return read_slab(file, path, name, std::vector<Index>(shape.size(), 0), shape);
}

const std::string spectral_suffix = ".spectral.weights";

bool is_spectral(const std::string& name) {
  return name.size() > spectral_suffix.size() &&
         name.compare(name.size() - spectral_suffix.size(), spectral_suffix.size(), spectral_suffix) == 0;
}

// Shape of one PyTorch corner tensor [in, out, m_1..m_d, 2].
std::vector<Index> corner_shape(const FnoConfig& c) {
  std::vector<Index> s{c.width, c.width};
  s.insert(s.end(), c.modes.begin(), c.modes.end());
  s.push_back(2);
  return s;
}

std::string corner_key(const std::string& name, Index corner) { return name + "." + std::to_string(corner); }

// The part of PyTorch's corner tensors that this rank's slice of our spectral weights
// covers: per corner a box [start, start + count) of the corner tensor (count 0: none).
struct CornerBox {
  std::vector<Index> start, count;
  bool empty() const { return element_count(count) == 0; }
};

template <class T>
std::vector<CornerBox> corner_boxes(const FnoConfig& c, const Parameter<T>& p) {
  const int d = c.ndim();
  const Index corners = Index{1} << (d - 1);
  const std::vector<Index> shape = corner_shape(c);
  std::vector<CornerBox> boxes(static_cast<std::size_t>(corners));
  for (Index k = 0; k < corners; ++k) {
    CornerBox& box = boxes[static_cast<std::size_t>(k)];
    box.start.assign(shape.size(), 0);
    box.count = shape;
    for (int a = 0; a < d; ++a) {
      const auto axis = static_cast<std::size_t>(a + 2);
      const Index lo = p.local_start[axis], hi = lo + p.local_shape[axis];
      Index first = lo, last = hi;  // in our index space
      Index shift = 0;
      if (a < d - 1) {
        const Index m = c.modes[static_cast<std::size_t>(a)];
        const bool high = (k >> a) & 1;
        shift = high ? m : 0;
        first = std::max(lo, shift);
        last = std::min(hi, shift + m);
      }
      box.start[axis] = first - shift;
      box.count[axis] = std::max<Index>(0, last - first);
    }
  }
  return boxes;
}

// Calls visit(corner, offset in that corner's box, local_offset) for every element of this
// rank's slice of our spectral weight tensor.
template <class T, class Visit>
void for_each_spectral_element(const FnoConfig& c, const Parameter<T>& p, const std::vector<CornerBox>& boxes,
                               Visit&& visit) {
  const int d = c.ndim();
  const std::size_t rank = p.global_shape.size();
  std::vector<Index> stride(rank, 1);
  for (std::size_t a = rank - 1; a-- > 0;) stride[a] = stride[a + 1] * p.global_shape[a + 1];
  std::vector<Index> golden(rank);
  for_each_in_hyperslab(p.global_shape, p.local_start, p.local_shape, [&](Index global, Index local) {
    Index rest = global, corner_index = 0;
    for (std::size_t a = 0; a < rank; ++a) {
      Index i = rest / stride[a];
      rest %= stride[a];
      const int axis = static_cast<int>(a) - 2;  // grid axis, or channel/complex axes
      if (axis >= 0 && axis < d - 1 && i >= c.modes[static_cast<std::size_t>(axis)]) {
        corner_index |= Index{1} << axis;
        i -= c.modes[static_cast<std::size_t>(axis)];
      }
      golden[a] = i;
    }
    const CornerBox& box = boxes[static_cast<std::size_t>(corner_index)];
    Index offset = 0;
    for (std::size_t a = 0; a < rank; ++a) offset = offset * box.count[a] + (golden[a] - box.start[a]);
    visit(corner_index, offset, local);
  });
}

// Each corner's box of dataset group/<name>.k (empty boxes are not read).
template <class T>
std::vector<std::vector<double>> read_corner_boxes(hid_t file, const std::string& path, const std::string& group,
                                                   const FnoConfig& c, const Parameter<T>& p,
                                                   const std::vector<CornerBox>& boxes) {
  std::vector<std::vector<double>> data;
  for (std::size_t k = 0; k < boxes.size(); ++k) {
    const std::string name = group + corner_key(p.name, static_cast<Index>(k));
    FNO_CHECK(dataset_shape(file, path, name) == corner_shape(c), path, ": /", name, " has an unexpected shape");
    data.push_back(boxes[k].empty() ? std::vector<double>{} : read_slab(file, path, name, boxes[k].start, boxes[k].count));
  }
  return data;
}


// Our [1][C][local grid] block <- golden [1, n.., C] hyperslab (channels last).
std::vector<double> read_channels_last(hid_t file, const std::string& path, const std::string& name,
                                       const Layout& layout, Index channels) {
  std::vector<Index> start{0}, count{1};
  for (int a = 0; a < layout.ndim(); ++a) {
    start.push_back(layout.start(a));
    count.push_back(layout.local(a));
  }
  start.push_back(0);
  count.push_back(channels);
  const std::vector<double> slab = read_slab(file, path, name, start, count);
  const Index points = element_count(layout.local());
  std::vector<double> ours(slab.size());
  for (Index p = 0; p < points; ++p)
    for (Index ch = 0; ch < channels; ++ch) ours[static_cast<std::size_t>(ch * points + p)] = slab[static_cast<std::size_t>(p * channels + ch)];
  return ours;
}

// max|a - b| and max|b| reduced over comm -> relative difference.
double relative_difference(double local_diff, double local_ref, MPI_Comm comm) {
  double v[2] = {local_diff, local_ref};
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, comm));
  return v[1] > 0 ? v[0] / v[1] : v[0];
}

template <class T>
double compare(const std::vector<T>& ours, const std::vector<double>& reference, MPI_Comm comm) {
  double diff = 0, ref = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ours[i]) - reference[i]));
    ref = std::max(ref, std::abs(reference[i]));
  }
  return relative_difference(diff, ref, comm);
}

}  // namespace

FnoConfig read_torch_config(const std::string& path) {
  h5::File file = open_read_only(path);
  const hid_t f = file.get();
  FnoConfig c;
  const Index d = int_scalar(f, path, "d");
  FNO_CHECK(d == 3 || d == 4, path, ": d = ", d, "; petsc-fno supports 2 or 3 space axes plus time (d = 3 or 4)");
  c.space_dims = static_cast<int>(d - 1);
  c.grid = int_attribute(f, path, "grid");
  c.modes = int_attribute(f, path, "modes");
  FNO_CHECK(static_cast<Index>(c.grid.size()) == d && static_cast<Index>(c.modes.size()) == d, path,
            ": grid and modes need d = ", d, " entries");
  c.in_channels = int_scalar(f, path, "in_channels");
  c.out_channels = int_scalar(f, path, "out_channels");
  c.width = int_scalar(f, path, "width");
  c.layers = static_cast<int>(int_scalar(f, path, "n_layers"));
  c.padding = int_scalar(f, path, "padding");
  c.proj_width = int_scalar(f, path, "proj_hidden");
  return c;
}

bool has_torch_reference(const std::string& path) {
  h5::File file = open_read_only(path);
  for (const char* name : {"input", "loss_weight", "f64/output", "f64/grad_input", "f64/grads"})
    if (!exists(file.get(), name)) return false;
  return true;
}

template <class T>
void load_torch_parameters(const std::string& path, Fno<T>& model) {
  h5::File file = open_read_only(path);
  const FnoConfig& c = model.config();
  for (Parameter<T>& p : model.parameters()) {
    if (is_spectral(p.name)) {
      const std::vector<CornerBox> boxes = corner_boxes(c, p);
      const std::vector<std::vector<double>> corner = read_corner_boxes(file.get(), path, "params/", c, p, boxes);
      for_each_spectral_element(c, p, boxes, [&](Index k, Index offset, Index local) {
        p.value[static_cast<std::size_t>(local)] = static_cast<T>(corner[static_cast<std::size_t>(k)][static_cast<std::size_t>(offset)]);
      });
    } else {
      const std::vector<double> full = read_whole(file.get(), path, "params/" + p.name, p.global_shape);
      std::vector<T> converted(full.begin(), full.end());
      extract_hyperslab(p.global_shape, p.local_start, p.local_shape, converted.data(), p.value.data());
    }
  }
}

template <class T>
ParityReport check_torch_parity(const std::string& path, Fno<T>& model) {
  FNO_CHECK(model.batch() == 1, "the PyTorch reference has batch 1; the model was built for ", model.batch());
  h5::File file = open_read_only(path);
  const hid_t f = file.get();
  const FnoConfig& c = model.config();
  const MPI_Comm comm = model.grid().comm();
  const Layout& in_layout = model.input_layout();
  const Layout& out_layout = model.output_layout();

  const std::vector<double> input = read_channels_last(f, path, "input", in_layout, c.in_channels);
  const std::vector<double> weight = read_channels_last(f, path, "loss_weight", out_layout, c.out_channels);
  const std::vector<T> x(input.begin(), input.end()), dy(weight.begin(), weight.end());
  std::vector<T> y(static_cast<std::size_t>(out_layout.local_count()));
  std::vector<T> dx(static_cast<std::size_t>(in_layout.local_count()));
  model.zero_grad();
  model.forward(x.data(), y.data());
  model.backward(dy.data(), dx.data());

  ParityReport r;
  r.output_rel = compare(y, read_channels_last(f, path, "f64/output", out_layout, c.out_channels), comm);
  r.grad_input_rel = compare(dx, read_channels_last(f, path, "f64/grad_input", in_layout, c.in_channels), comm);
  const Index corners = Index{1} << (c.ndim() - 1);
  for (Parameter<T>& p : model.parameters()) {
    if (is_spectral(p.name)) {
      const std::vector<CornerBox> boxes = corner_boxes(c, p);
      const std::vector<std::vector<double>> reference = read_corner_boxes(f, path, "f64/grads/", c, p, boxes);
      std::vector<double> diff(static_cast<std::size_t>(corners), 0.0), ref(diff.size(), 0.0);
      for_each_spectral_element(c, p, boxes, [&](Index k, Index offset, Index local) {
        const double g = reference[static_cast<std::size_t>(k)][static_cast<std::size_t>(offset)];
        const auto kk = static_cast<std::size_t>(k);
        diff[kk] = std::max(diff[kk], std::abs(static_cast<double>(p.grad[static_cast<std::size_t>(local)]) - g));
        ref[kk] = std::max(ref[kk], std::abs(g));
      });
      for (Index k = 0; k < corners; ++k)
        r.params.push_back({corner_key(p.name, k), relative_difference(diff[static_cast<std::size_t>(k)], ref[static_cast<std::size_t>(k)], comm)});
    } else {
      const std::vector<double> reference = read_whole(f, path, "f64/grads/" + p.name, p.global_shape);
      std::vector<double> local(p.grad.size());
      extract_hyperslab(p.global_shape, p.local_start, p.local_shape, reference.data(), local.data());
      r.params.push_back({p.name, compare(p.grad, local, comm)});
    }
  }
  for (const TensorDifference& t : r.params)
    if (r.worst_param.empty() || t.relative > r.grad_params_rel_max) {
      r.grad_params_rel_max = t.relative;
      r.worst_param = t.name;
    }
  return r;
}

std::string to_json(const ParityReport& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"output_rel\": %.6e, \"grad_input_rel\": %.6e, \"grad_params_rel_max\": %.6e, \"worst_param\": \"%s\"}",
                r.output_rel, r.grad_input_rel, r.grad_params_rel_max, r.worst_param.c_str());
  return buf;
}

template void load_torch_parameters<float>(const std::string&, Fno<float>&);
template void load_torch_parameters<double>(const std::string&, Fno<double>&);
template ParityReport check_torch_parity<float>(const std::string&, Fno<float>&);
template ParityReport check_torch_parity<double>(const std::string&, Fno<double>&);

}  // namespace fno::tools
