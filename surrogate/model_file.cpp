#include "model_file.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <ios>
#include <set>
#include <sstream>
#include <type_traits>

#include "error.hpp"
#include "hdf5_handles.hpp"

namespace fno {

namespace {

// ---- agreement across ranks ------------------------------------------------------------

void broadcast_string(MPI_Comm comm, std::string& text, int root) {
  std::uint64_t length = text.size();
  FNO_MPI(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm));
  text.resize(length);
  if (length > 0) FNO_MPI(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm));
}

// The error message of the lowest rank whose `local_error` is not empty, on every rank
// ("" if no rank failed). Collective.
std::string agreed_error(MPI_Comm comm, const std::string& local_error) {
  int rank = 0, size = 1;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  FNO_MPI(MPI_Comm_size(comm, &size));
  int failing = local_error.empty() ? size : rank;
  FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, comm));
  if (failing == size) return {};
  std::string message = local_error;
  broadcast_string(comm, message, failing);
  return message;
}

// Throws the same fno::Error on every rank if any rank has a local error.
void agree_on_error(MPI_Comm comm, const std::string& local_error) {
  const std::string message = agreed_error(comm, local_error);
  if (!message.empty()) throw Error(message);
}

// Runs `check` (which may throw fno::Error) and agrees on its outcome across ranks.
template <class F>
void checked_on_every_rank(MPI_Comm comm, F&& check) {
  std::string error;
  try {
    check();
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree_on_error(comm, error);
}

// Every rank must describe the same model; compares each rank's description with rank 0's.
void require_same_on_all_ranks(MPI_Comm comm, const std::string& context, const std::string& description) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  std::string rank0_description = description;
  broadcast_string(comm, rank0_description, 0);
  std::string error;
  if (rank0_description != description)
    error = context + ": rank " + std::to_string(rank) +
            " passed a different configuration, parameter list (names, global shapes, replicated flags), "
            "normalizers or optimizer settings than rank 0";
  agree_on_error(comm, error);
}

// ---- small serialization for broadcasts and descriptions ---------------------------------

class Packer {
 public:
  void integer(std::int64_t v) { bytes_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void integers(const std::vector<std::int64_t>& values) {
    integer(static_cast<std::int64_t>(values.size()));
    for (auto v : values) integer(v);
  }
  void text(const std::string& s) {
    integer(static_cast<std::int64_t>(s.size()));
    bytes_ += s;
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Unpacker {
 public:
  explicit Unpacker(const std::string& bytes) : bytes_(bytes) {}
  std::int64_t integer() {
    FNO_CHECK(position_ + sizeof(std::int64_t) <= bytes_.size(), "message too short");
    std::int64_t v = 0;
    std::memcpy(&v, bytes_.data() + position_, sizeof v);
    position_ += sizeof v;
    return v;
  }
  std::vector<std::int64_t> integers() {
    std::vector<std::int64_t> values(static_cast<std::size_t>(integer()));
    for (auto& v : values) v = integer();
    return values;
  }
  std::string text() {
    const auto length = static_cast<std::size_t>(integer());
    FNO_CHECK(position_ + length <= bytes_.size(), "message too short");
    std::string s = bytes_.substr(position_, length);
    position_ += length;
    return s;
  }

 private:
  const std::string& bytes_;
  std::size_t position_ = 0;
};

std::string shape_text(const std::vector<Index>& shape) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

void pack_config(Packer& p, const FnoConfig& c) {
  p.integer(c.space_dims);
  p.integers(c.grid);
  p.integer(c.width);
  p.integers(c.modes);
  p.integer(c.layers);
  p.integer(c.proj_width);
  p.integer(c.in_channels);
  p.integer(c.out_channels);
  p.integer(c.padding);
}

FnoConfig unpack_config(Unpacker& u) {
  FnoConfig c;
  c.space_dims = static_cast<int>(u.integer());
  c.grid = u.integers();
  c.width = u.integer();
  c.modes = u.integers();
  c.layers = static_cast<int>(u.integer());
  c.proj_width = u.integer();
  c.in_channels = u.integer();
  c.out_channels = u.integer();
  c.padding = u.integer();
  return c;
}

// "" if equal, else the differing fields as "name: file X, requested Y; ...".
std::string config_differences(const FnoConfig& file, const FnoConfig& requested) {
  std::ostringstream os;
  auto field = [&](const char* name, const auto& a, const auto& b) {
    if (a == b) return;
    if (os.tellp() > 0) os << "; ";
    if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::vector<Index>>)
      os << name << " " << shape_text(a) << " in the file, " << shape_text(b) << " requested";
    else
      os << name << " " << a << " in the file, " << b << " requested";
  };
  field("space_dims", file.space_dims, requested.space_dims);
  field("grid", file.grid, requested.grid);
  field("width", file.width, requested.width);
  field("modes", file.modes, requested.modes);
  field("layers", file.layers, requested.layers);
  field("proj_width", file.proj_width, requested.proj_width);
  field("in_channels", file.in_channels, requested.in_channels);
  field("out_channels", file.out_channels, requested.out_channels);
  field("padding", file.padding, requested.padding);
  return os.str();
}

std::string exact(double v) {
  std::ostringstream os;
  os << std::hexfloat << v;
  return os.str();
}

// What every rank must agree on before a collective write or read.
template <class T>
std::string describe_request(const FnoConfig& config, const std::vector<Parameter<T>>& params,
                             const Normalizers<T>* normalizers, const AdamOptimizer<T>* optimizer,
                             const TrainingProgress* progress) {
  Packer p;
  pack_config(p, config);
  for (const auto& param : params) {
    p.text(param.name);
    p.integers(param.global_shape);
    p.integer(param.replicated ? 1 : 0);
  }
  if (normalizers) {
    for (const auto* n : {&normalizers->input, &normalizers->output}) {
      p.integer(n->has_value() ? 1 : 0);
      if (!n->has_value()) continue;
      p.text(exact((*n)->epsilon()));
      for (T v : (*n)->mean()) p.text(exact(static_cast<double>(v)));
      for (T v : (*n)->stddev()) p.text(exact(static_cast<double>(v)));
    }
  }
  if (optimizer) {
    const AdamSettings& s = optimizer->settings();
    p.text(to_string(s.kind));
    for (double v : {s.lr, s.beta1, s.beta2, s.eps, s.weight_decay, optimizer->lr()}) p.text(exact(v));
    p.integer(optimizer->step_count());
  }
  if (progress) {
    p.integer(progress->epoch);
    p.text(to_string(progress->schedule.kind));
    p.integer(progress->schedule.step_size);
    p.integer(progress->schedule.t_max);
    p.text(exact(progress->schedule.gamma));
    p.text(exact(progress->schedule.eta_min));
  }
  return p.bytes();
}

// ---- argument checks -------------------------------------------------------------------

template <class T>
void check_parameter_list(const std::vector<Parameter<T>>& params, const std::string& context, bool check_values) {
  std::set<std::string> names;
  for (const auto& p : params) {
    FNO_CHECK(!p.name.empty() && p.name.find('/') == std::string::npos && p.name != "." && p.name != "..", context,
              ": parameter name '", p.name, "' cannot be a dataset name (empty, '.', '..' or containing '/')");
    FNO_CHECK(names.insert(p.name).second, context, ": parameter '", p.name, "' appears twice in the list");
    const std::size_t rank = p.global_shape.size();
    FNO_CHECK(p.local_start.size() == rank && p.local_shape.size() == rank, context, ": parameter '", p.name,
              "' has a ", rank, "-dimensional global shape but a hyperslab of ", p.local_start.size(), "/",
              p.local_shape.size(), " dimensions");
    std::size_t count = 1;
    for (std::size_t a = 0; a < rank; ++a) {
      FNO_CHECK(p.global_shape[a] >= 0 && p.local_start[a] >= 0 && p.local_shape[a] >= 0 &&
                    p.local_start[a] + p.local_shape[a] <= p.global_shape[a],
                context, ": parameter '", p.name, "': hyperslab start ", shape_text(p.local_start), " shape ",
                shape_text(p.local_shape), " does not fit the global shape ", shape_text(p.global_shape));
      count *= static_cast<std::size_t>(p.local_shape[a]);
    }
    if (p.replicated)
      FNO_CHECK(p.local_shape == p.global_shape, context, ": replicated parameter '", p.name, "' holds the hyperslab ",
                shape_text(p.local_shape), " instead of its whole shape ", shape_text(p.global_shape));
    if (check_values)
      FNO_CHECK(p.value.size() == count, context, ": parameter '", p.name, "' holds ", p.value.size(),
                " values but its local shape ", shape_text(p.local_shape), " needs ", count);
  }
}

// The hyperslabs of every distributed parameter must tile its global shape: their element
// counts summed over the ranks equal the tensor's (overlaps would be written twice and
// holes never). Identical outcome on every rank.
template <class T>
void require_exact_tiling(MPI_Comm comm, const std::string& context, const std::vector<Parameter<T>>& params) {
  std::vector<std::int64_t> counts;
  for (const auto& p : params) counts.push_back(p.replicated ? 0 : static_cast<std::int64_t>(p.value.size()));
  if (!counts.empty())
    FNO_MPI(MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(counts.size()), MPI_INT64_T, MPI_SUM, comm));
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (params[k].replicated) continue;
    std::int64_t global = 1;
    for (Index e : params[k].global_shape) global *= e;
    if (counts[k] != global)
      throw Error(context + ": the ranks' hyperslabs of distributed parameter '" + params[k].name + "' hold " +
                  std::to_string(counts[k]) + " elements together but the tensor " + shape_text(params[k].global_shape) +
                  " has " + std::to_string(global) + "; they must tile it without overlap");
  }
}

// ---- attributes ------------------------------------------------------------------------

h5::Dataspace make_space(const std::vector<Index>& shape) {
  if (shape.empty()) return h5::Dataspace(H5Screate(H5S_SCALAR));
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return h5::Dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
}

void write_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type, const std::vector<Index>& shape,
                     const void* data, const std::string& context) {
  h5::Dataspace space = make_space(shape);
  h5::check(space.get(), context, "creating a dataspace");
  h5::Attribute attribute(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  h5::check(attribute.get(), context, (std::string("creating attribute '") + name + "'").c_str());
  h5::check(H5Awrite(attribute.get(), memory_type, data), context,
            (std::string("writing attribute '") + name + "'").c_str());
}

void write_int_attribute(hid_t object, const char* name, std::int64_t value, const std::string& context) {
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &value, context);
}

void write_ints_attribute(hid_t object, const char* name, const std::vector<std::int64_t>& values,
                          const std::string& context) {
  const std::int64_t dummy = 0;
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {static_cast<Index>(values.size())},
                  values.empty() ? &dummy : values.data(), context);
}

void write_double_attribute(hid_t object, const char* name, double value, const std::string& context) {
  write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value, context);
}

void write_string_attribute(hid_t object, const char* name, const std::string& value, const std::string& context) {
  h5::Datatype type(H5Tcopy(H5T_C_S1));
  h5::check(type.get(), context, "creating a string type");
  h5::check(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), context, "sizing a string type");
  h5::check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), context, "setting string padding");
  h5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), context, "setting a string character set");
  std::string padded = value;
  if (padded.empty()) padded.push_back('\0');
  write_attribute(object, name, type.get(), type.get(), {}, padded.data(), context);
}

bool has_attribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

h5::Attribute open_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  if (!has_attribute(object, name)) throw Error(context + ": " + where + " has no attribute '" + name + "'");
  h5::Attribute attribute(H5Aopen(object, name, H5P_DEFAULT));
  h5::check(attribute.get(), context, (std::string("opening attribute '") + name + "'").c_str());
  return attribute;
}

H5T_class_t attribute_class(hid_t attribute) {
  h5::Datatype type(H5Aget_type(attribute));
  return type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
}

hssize_t attribute_points(hid_t attribute) {
  h5::Dataspace space(H5Aget_space(attribute));
  return space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
}

std::vector<std::int64_t> read_ints_attribute(hid_t object, const char* name, const std::string& context,
                                              const std::string& where) {
  h5::Attribute attribute = open_attribute(object, name, context, where);
  if (attribute_class(attribute.get()) != H5T_INTEGER)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not an integer");
  const hssize_t points = attribute_points(attribute.get());
  h5::check(points, context, "sizing an attribute");
  std::vector<std::int64_t> values(static_cast<std::size_t>(points));
  if (!values.empty())
    h5::check(H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()), context,
              (std::string("reading attribute '") + name + "'").c_str());
  return values;
}

std::int64_t read_int_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  const auto values = read_ints_attribute(object, name, context, where);
  if (values.size() != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " holds " + std::to_string(values.size()) +
                " values instead of one");
  return values[0];
}

double read_double_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  h5::Attribute attribute = open_attribute(object, name, context, where);
  const H5T_class_t type_class = attribute_class(attribute.get());
  if ((type_class != H5T_FLOAT && type_class != H5T_INTEGER) || attribute_points(attribute.get()) != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not a number");
  double value = 0;
  h5::check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), context,
            (std::string("reading attribute '") + name + "'").c_str());
  return value;
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& context,
                                  const std::string& where) {
  h5::Attribute attribute = open_attribute(object, name, context, where);
  h5::Datatype type(H5Aget_type(attribute.get()));
  h5::check(type.get(), context, "reading an attribute's type");
  if (H5Tget_class(type.get()) != H5T_STRING || attribute_points(attribute.get()) != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    h5::Datatype memory_type(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    char* text = nullptr;
    h5::check(H5Aread(attribute.get(), memory_type.get(), &text), context, "reading a string attribute");
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string value(size, '\0');
  h5::check(H5Aread(attribute.get(), type.get(), value.data()), context, "reading a string attribute");
  value.resize(std::strlen(value.c_str()));  // drop null padding
  return value;
}

bool has_link(hid_t location, const char* name) { return H5Lexists(location, name, H5P_DEFAULT) > 0; }

h5::Group create_group(hid_t location, const char* name, const std::string& context) {
  h5::Group group(H5Gcreate2(location, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  h5::check(group.get(), context, (std::string("creating group '") + name + "'").c_str());
  return group;
}

h5::Group open_group(hid_t location, const char* name, const std::string& context, const std::string& what) {
  if (!has_link(location, name)) throw Error(context + ": " + what);
  h5::Group group(H5Gopen2(location, name, H5P_DEFAULT));
  h5::check(group.get(), context, (std::string("opening group '") + name + "'").c_str());
  return group;
}

// ---- config attributes -------------------------------------------------------------------

void write_config(hid_t root, const FnoConfig& c, const std::string& context) {
  write_int_attribute(root, "space_dims", c.space_dims, context);
  write_ints_attribute(root, "grid", c.grid, context);
  write_int_attribute(root, "width", c.width, context);
  write_ints_attribute(root, "modes", c.modes, context);
  write_int_attribute(root, "layers", c.layers, context);
  write_int_attribute(root, "proj_width", c.proj_width, context);
  write_int_attribute(root, "in_channels", c.in_channels, context);
  write_int_attribute(root, "out_channels", c.out_channels, context);
  write_int_attribute(root, "padding", c.padding, context);
}

FnoConfig read_config(hid_t root, const std::string& context) {
  const std::string where = "the root group";
  FnoConfig c;
  c.space_dims = static_cast<int>(read_int_attribute(root, "space_dims", context, where));
  c.grid = read_ints_attribute(root, "grid", context, where);
  c.width = read_int_attribute(root, "width", context, where);
  c.modes = read_ints_attribute(root, "modes", context, where);
  c.layers = static_cast<int>(read_int_attribute(root, "layers", context, where));
  c.proj_width = read_int_attribute(root, "proj_width", context, where);
  c.in_channels = read_int_attribute(root, "in_channels", context, where);
  c.out_channels = read_int_attribute(root, "out_channels", context, where);
  c.padding = read_int_attribute(root, "padding", context, where);
  return c;
}

// ---- datasets ----------------------------------------------------------------------------

template <class T>
hid_t memory_type() {
  return std::is_same_v<T, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
}

template <class T>
bool stored_as_float32(StoredPrecision precision) {
  return precision == StoredPrecision::float32 || (precision == StoredPrecision::native && std::is_same_v<T, float>);
}

// The part of a global tensor one rank writes or reads.
struct Slab {
  std::vector<Index> global_shape;
  std::vector<Index> start;
  std::vector<Index> count;
  bool participates = true;  // false: this rank transfers nothing (still takes part in the collective call)
  Index elements() const {
    Index n = 1;
    for (Index c : count) n *= c;
    return participates ? n : 0;
  }
};

// Selects `slab` in file_space and returns the matching memory space.
h5::Dataspace select(hid_t file_space, const Slab& slab, const std::string& context) {
  if (slab.elements() == 0) {
    h5::check(H5Sselect_none(file_space), context, "selecting nothing");
    const hsize_t one = 1;
    h5::Dataspace memory(H5Screate_simple(1, &one, nullptr));
    h5::check(memory.get(), context, "creating a memory dataspace");
    h5::check(H5Sselect_none(memory.get()), context, "selecting nothing");
    return memory;
  }
  if (!slab.global_shape.empty()) {
    std::vector<hsize_t> start(slab.start.begin(), slab.start.end()), count(slab.count.begin(), slab.count.end());
    h5::check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), context,
              "selecting a hyperslab");
  }
  h5::Dataspace memory = make_space(slab.count);
  h5::check(memory.get(), context, "creating a memory dataspace");
  return memory;
}

template <class T>
void write_dataset(hid_t parent, const std::string& name, hid_t file_type, const Slab& slab, const T* data,
                   hid_t transfer, const std::string& context) {
  const std::string what = "dataset '" + name + "'";
  h5::Dataspace file_space = make_space(slab.global_shape);
  h5::check(file_space.get(), context, ("creating the dataspace of " + what).c_str());
  h5::Dataset dataset(
      H5Dcreate2(parent, name.c_str(), file_type, file_space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  h5::check(dataset.get(), context, ("creating " + what).c_str());
  h5::Dataspace memory_space = select(file_space.get(), slab, context);
  const T dummy{};
  h5::check(H5Dwrite(dataset.get(), memory_type<T>(), memory_space.get(), file_space.get(), transfer,
                     slab.elements() > 0 ? data : &dummy),
            context, ("writing " + what).c_str());
}

template <class T>
void read_dataset(hid_t parent, const std::string& name, const Slab& slab, T* data, hid_t transfer,
                  const std::string& context) {
  const std::string what = "dataset '" + name + "'";
  h5::Dataset dataset(H5Dopen2(parent, name.c_str(), H5P_DEFAULT));
  h5::check(dataset.get(), context, ("opening " + what).c_str());
  h5::Dataspace file_space(H5Dget_space(dataset.get()));
  h5::check(file_space.get(), context, ("reading the dataspace of " + what).c_str());
  h5::Dataspace memory_space = select(file_space.get(), slab, context);
  T dummy{};
  h5::check(H5Dread(dataset.get(), memory_type<T>(), memory_space.get(), file_space.get(), transfer,
                    slab.elements() > 0 ? data : &dummy),
            context, ("reading " + what).c_str());
}

template <class T>
Slab write_slab(const Parameter<T>& p, int rank) {
  if (p.replicated) return {p.global_shape, std::vector<Index>(p.global_shape.size(), 0), p.global_shape, rank == 0};
  return {p.global_shape, p.local_start, p.local_shape, true};
}

template <class T>
Slab read_slab(const Parameter<T>& p) {
  if (p.replicated) return {p.global_shape, std::vector<Index>(p.global_shape.size(), 0), p.global_shape, true};
  return {p.global_shape, p.local_start, p.local_shape, true};
}

// Rank-0 check of one dataset: present, floating point, of the expected shape and wholly
// inside the file.
void check_dataset(hid_t group, const std::string& name, const std::vector<Index>& expected_shape,
                   std::uintmax_t file_size, const std::string& context, const std::string& what) {
  if (!has_link(group, name.c_str())) throw Error(context + ": missing " + what + " '" + name + "'");
  h5::Dataset dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT));
  if (!dataset.valid())
    throw Error(context + ": " + what + " '" + name + "' cannot be opened as a dataset (" + h5::error_stack_text() +
                ")");
  h5::Datatype type(H5Dget_type(dataset.get()));
  if (!type.valid() || H5Tget_class(type.get()) != H5T_FLOAT)
    throw Error(context + ": " + what + " '" + name + "' is not stored as floating point");
  h5::Dataspace space(H5Dget_space(dataset.get()));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0) throw Error(context + ": " + what + " '" + name + "' has an unreadable dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  const std::vector<Index> shape(dims.begin(), dims.end());
  if (shape != expected_shape)
    throw Error(context + ": " + what + " '" + name + "' has shape " + shape_text(shape) + " in the file but " +
                shape_text(expected_shape) + " is expected");
  const haddr_t offset = H5Dget_offset(dataset.get());
  const hsize_t bytes = H5Dget_storage_size(dataset.get());
  if (offset != HADDR_UNDEF && offset + bytes > file_size)
    throw Error(context + ": the data of " + what + " '" + name + "' lies beyond the end of the file (truncated file)");
}

// ---- rank-0 inspection -------------------------------------------------------------------

struct ParameterSpec {
  std::string name;
  std::vector<Index> global_shape;
};

struct ReadRequest {
  const FnoConfig* expected_config = nullptr;
  std::vector<ParameterSpec> params;
  bool need_checkpoint = false;
};

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names);
  std::sort(names.begin(), names.end());
  return names;
}

// ---- the problem description (optional /problem group) -----------------------------------

void write_doubles_attribute(hid_t object, const char* name, const std::vector<double>& values,
                             const std::string& context) {
  const double dummy = 0;
  write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {static_cast<Index>(values.size())},
                  values.empty() ? &dummy : values.data(), context);
}

std::vector<double> read_doubles_attribute(hid_t object, const char* name, const std::string& context,
                                           const std::string& where) {
  h5::Attribute attribute = open_attribute(object, name, context, where);
  if (attribute_class(attribute.get()) != H5T_FLOAT)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not floating point");
  const hssize_t points = attribute_points(attribute.get());
  h5::check(points, context, "sizing an attribute");
  std::vector<double> values(static_cast<std::size_t>(points));
  if (!values.empty())
    h5::check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()), context,
              (std::string("reading attribute '") + name + "'").c_str());
  return values;
}

void write_problem(hid_t file, const ProblemDescription& p, const std::string& context) {
  h5::Group group = create_group(file, "problem", context);
  write_string_attribute(group.get(), "description", p.description, context);
  write_doubles_attribute(group.get(), "times", p.times, context);
  h5::Group inputs = create_group(group.get(), "inputs", context);
  for (std::size_t k = 0; k < p.inputs.size(); ++k) {
    h5::Group g = create_group(inputs.get(), std::to_string(k).c_str(), context);
    write_string_attribute(g.get(), "name", p.inputs[k].name, context);
    write_string_attribute(g.get(), "source", p.inputs[k].source, context);
    write_string_attribute(g.get(), "transform", p.inputs[k].transform, context);
    write_double_attribute(g.get(), "scale", p.inputs[k].scale, context);
    write_string_attribute(g.get(), "units", p.inputs[k].units, context);
  }
  h5::Group outputs = create_group(group.get(), "outputs", context);
  for (std::size_t k = 0; k < p.outputs.size(); ++k) {
    h5::Group g = create_group(outputs.get(), std::to_string(k).c_str(), context);
    write_string_attribute(g.get(), "name", p.outputs[k].name, context);
    write_string_attribute(g.get(), "units", p.outputs[k].units, context);
    write_double_attribute(g.get(), "initial_value", p.outputs[k].initial_value, context);
    write_double_attribute(g.get(), "min", p.outputs[k].min, context);
    write_double_attribute(g.get(), "max", p.outputs[k].max, context);
  }
}

// Reads /problem (rank 0's inspection) for a model of `config`; throws if it is malformed.
ProblemDescription read_problem(hid_t file, const FnoConfig& config, const std::string& context) {
  h5::Group group = open_group(file, "problem", context, "no /problem group");
  ProblemDescription p;
  p.description = read_string_attribute(group.get(), "description", context, "/problem");
  p.times = read_doubles_attribute(group.get(), "times", context, "/problem");
  h5::Group inputs = open_group(group.get(), "inputs", context, "no /problem/inputs group");
  h5::Group outputs = open_group(group.get(), "outputs", context, "no /problem/outputs group");
  for (Index k = 0; k < config.in_channels; ++k) {
    const std::string name = std::to_string(k), where = "/problem/inputs/" + name;
    h5::Group g = open_group(inputs.get(), name.c_str(), context, "no group " + where);
    p.inputs.push_back({read_string_attribute(g.get(), "name", context, where),
                        read_string_attribute(g.get(), "source", context, where),
                        read_string_attribute(g.get(), "transform", context, where),
                        read_double_attribute(g.get(), "scale", context, where),
                        read_string_attribute(g.get(), "units", context, where)});
  }
  for (Index k = 0; k < config.out_channels; ++k) {
    const std::string name = std::to_string(k), where = "/problem/outputs/" + name;
    h5::Group g = open_group(outputs.get(), name.c_str(), context, "no group " + where);
    p.outputs.push_back({read_string_attribute(g.get(), "name", context, where),
                         read_string_attribute(g.get(), "units", context, where),
                         read_double_attribute(g.get(), "initial_value", context, where),
                         read_double_attribute(g.get(), "min", context, where),
                         read_double_attribute(g.get(), "max", context, where)});
  }
  if (link_names(inputs.get()).size() != p.inputs.size() || link_names(outputs.get()).size() != p.outputs.size())
    throw Error(context + ": /problem describes a different number of input or output fields than the model has");
  try {
    validate_problem(p, config);
  } catch (const Error& e) {
    throw Error(context + ": /problem: " + e.what());
  }
  return p;
}

void pack_double(Packer& packer, double v) {
  std::int64_t bits = 0;
  std::memcpy(&bits, &v, sizeof v);
  packer.integer(bits);
}

double unpack_double(Unpacker& unpacker) {
  const std::int64_t bits = unpacker.integer();
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

void pack_problem(Packer& packer, const ProblemDescription& p) {
  packer.text(p.description);
  packer.integer(static_cast<std::int64_t>(p.times.size()));
  for (double t : p.times) pack_double(packer, t);
  packer.integer(static_cast<std::int64_t>(p.inputs.size()));
  for (const auto& in : p.inputs) {
    packer.text(in.name);
    packer.text(in.source);
    packer.text(in.transform);
    pack_double(packer, in.scale);
    packer.text(in.units);
  }
  packer.integer(static_cast<std::int64_t>(p.outputs.size()));
  for (const auto& out : p.outputs) {
    packer.text(out.name);
    packer.text(out.units);
    pack_double(packer, out.initial_value);
    pack_double(packer, out.min);
    pack_double(packer, out.max);
  }
}

ProblemDescription unpack_problem(Unpacker& u) {
  ProblemDescription p;
  p.description = u.text();
  p.times.resize(static_cast<std::size_t>(u.integer()));
  for (double& t : p.times) t = unpack_double(u);
  p.inputs.resize(static_cast<std::size_t>(u.integer()));
  for (auto& in : p.inputs) {
    in.name = u.text();
    in.source = u.text();
    in.transform = u.text();
    in.scale = unpack_double(u);
    in.units = u.text();
  }
  p.outputs.resize(static_cast<std::size_t>(u.integer()));
  for (auto& out : p.outputs) {
    out.name = u.text();
    out.units = u.text();
    out.initial_value = unpack_double(u);
    out.min = unpack_double(u);
    out.max = unpack_double(u);
  }
  return p;
}

void check_normalizer_group(hid_t normalizers, const char* which, std::uintmax_t file_size,
                            const std::string& context) {
  h5::Group group = open_group(normalizers, which, context, std::string("missing normalizer group ") + which);
  const std::string where = std::string("normalizer '") + which + "'";
  read_double_attribute(group.get(), "epsilon", context, where);
  h5::Dataset mean(H5Dopen2(group.get(), "mean", H5P_DEFAULT));
  if (!mean.valid()) throw Error(context + ": " + where + " has no dataset 'mean'");
  h5::Dataspace space(H5Dget_space(mean.get()));
  hsize_t channels = 0;
  if (H5Sget_simple_extent_ndims(space.get()) != 1 || H5Sget_simple_extent_dims(space.get(), &channels, nullptr) < 0)
    throw Error(context + ": " + where + "'s mean is not one-dimensional");
  const std::vector<Index> shape{static_cast<Index>(channels)};
  check_dataset(group.get(), "mean", shape, file_size, context, where + " statistic");
  check_dataset(group.get(), "std", shape, file_size, context, where + " statistic");
}

// Opens the file alone (rank 0) and checks everything a read needs, so that the
// collective read that follows cannot fail on some ranks only.
ModelFileInfo inspect(const std::string& path, const ReadRequest& request) {
  const std::string context = "model file '" + path + "'";
  h5::QuietErrors quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(context + ": no such file");
  const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(context + ": cannot determine its size (" + ec.message() + ")");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error(context + ": not an HDF5 file (no HDF5 signature: the file is corrupt or of another kind)");
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid())
    throw Error(context + ": HDF5 cannot open it; the file is corrupt or truncated (" + h5::error_stack_text() + ")");
  h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
  h5::check(root.get(), context, "opening the root group");

  if (!has_attribute(root.get(), "format"))
    throw Error(context + ": no 'format' attribute; not a petsc-fno model file");
  const std::string format = read_string_attribute(root.get(), "format", context, "the root group");
  if (format != model_file_format)
    throw Error(context + ": format is '" + format + "', not '" + model_file_format + "'; not a petsc-fno model file");
  ModelFileInfo info;
  info.version = read_int_attribute(root.get(), "version", context, "the root group");
  if (info.version != model_file_version)
    throw Error(context + ": unsupported model file version " + std::to_string(info.version) +
                " (this build reads version " + std::to_string(model_file_version) + ")");
  info.config = read_config(root.get(), context);

  h5::Group params = open_group(file.get(), "params", context, "no /params group");
  info.precision = read_string_attribute(params.get(), "dtype", context, "/params");
  if (info.precision != "float32" && info.precision != "float64")
    throw Error(context + ": /params has dtype '" + info.precision + "' (expected float32 or float64)");
  info.parameter_names = link_names(params.get());
  if (has_link(file.get(), "normalizers")) {
    h5::Group normalizers = open_group(file.get(), "normalizers", context, "no /normalizers group");
    info.has_input_normalizer = has_link(normalizers.get(), "input");
    info.has_output_normalizer = has_link(normalizers.get(), "output");
    if (info.has_input_normalizer) check_normalizer_group(normalizers.get(), "input", file_size, context);
    if (info.has_output_normalizer) check_normalizer_group(normalizers.get(), "output", file_size, context);
  }
  info.has_checkpoint = has_link(file.get(), "optimizer") && has_link(file.get(), "checkpoint");
  if (has_link(file.get(), "problem")) info.problem = read_problem(file.get(), info.config, context);

  if (request.expected_config) {
    const std::string differences = config_differences(info.config, *request.expected_config);
    if (!differences.empty())
      throw Error(context + ": the file's model configuration does not match the requested model (" + differences +
                  ")");
  }
  for (const auto& spec : request.params)
    check_dataset(params.get(), spec.name, spec.global_shape, file_size, context, "parameter");

  if (request.need_checkpoint) {
    if (!info.has_checkpoint) throw Error(context + ": not a checkpoint (no /optimizer and /checkpoint groups)");
    h5::Group optimizer = open_group(file.get(), "optimizer", context, "no /optimizer group");
    const std::string where = "/optimizer";
    optimizer_kind_from_string(read_string_attribute(optimizer.get(), "kind", context, where));
    for (const char* name : {"lr", "current_lr", "beta1", "beta2", "eps", "weight_decay", "gamma", "eta_min"})
      read_double_attribute(optimizer.get(), name, context, where);
    for (const char* name : {"step", "step_size", "t_max"}) read_int_attribute(optimizer.get(), name, context, where);
    schedule_kind_from_string(read_string_attribute(optimizer.get(), "schedule", context, where));
    for (const char* moment : {"exp_avg", "exp_avg_sq"}) {
      h5::Group moments =
          open_group(optimizer.get(), moment, context, std::string("no /optimizer/") + moment + " group");
      for (const auto& spec : request.params)
        check_dataset(moments.get(), spec.name, spec.global_shape, file_size, context,
                      std::string("optimizer moment ") + moment + " of parameter");
    }
    h5::Group checkpoint = open_group(file.get(), "checkpoint", context, "no /checkpoint group");
    read_int_attribute(checkpoint.get(), "epoch", context, "/checkpoint");
    read_string_attribute(checkpoint.get(), "rng_state", context, "/checkpoint");
  }
  return info;
}

// Rank 0 inspects; every rank gets the same info or throws the same error.
ModelFileInfo inspect_collectively(const std::string& path, MPI_Comm comm, const ReadRequest& request) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  ModelFileInfo info;
  std::string error;
  Packer packer;
  if (rank == 0) {
    try {
      info = inspect(path, request);
    } catch (const Error& e) {
      error = e.what();
    } catch (const std::exception& e) {  // anything else must not leave the other ranks waiting
      error = "model file '" + path + "': " + e.what();
    }
  }
  agree_on_error(comm, error);
  if (rank == 0) {
    pack_config(packer, info.config);
    packer.integer(info.version);
    packer.text(info.precision);
    packer.integer(static_cast<std::int64_t>(info.parameter_names.size()));
    for (const auto& name : info.parameter_names) packer.text(name);
    packer.integer(info.has_input_normalizer);
    packer.integer(info.has_output_normalizer);
    packer.integer(info.has_checkpoint);
    packer.integer(info.problem.has_value());
    if (info.problem) pack_problem(packer, *info.problem);
  }
  broadcast_string(comm, packer.bytes(), 0);
  if (rank != 0) {
    Unpacker unpacker(packer.bytes());
    info.config = unpack_config(unpacker);
    info.version = unpacker.integer();
    info.precision = unpacker.text();
    info.parameter_names.resize(static_cast<std::size_t>(unpacker.integer()));
    for (auto& name : info.parameter_names) name = unpacker.text();
    info.has_input_normalizer = unpacker.integer() != 0;
    info.has_output_normalizer = unpacker.integer() != 0;
    info.has_checkpoint = unpacker.integer() != 0;
    if (unpacker.integer() != 0) info.problem = unpack_problem(unpacker);
  }
  return info;
}

// ---- parallel file access ----------------------------------------------------------------

h5::PropertyList parallel_access(MPI_Comm comm, const std::string& context) {
  h5::PropertyList access(H5Pcreate(H5P_FILE_ACCESS));
  h5::check(access.get(), context, "creating a file-access property list");
  h5::check(H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL), context, "selecting MPI-IO");
  return access;
}

h5::PropertyList collective_transfer(const std::string& context) {
  h5::PropertyList transfer(H5Pcreate(H5P_DATASET_XFER));
  h5::check(transfer.get(), context, "creating a transfer property list");
  h5::check(H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE), context, "selecting collective transfers");
  return transfer;
}

// ---- writing -----------------------------------------------------------------------------

std::string temporary_name(const std::string& path) {
  std::random_device entropy;
  std::ostringstream os;
  os << path << ".tmp." << getpid() << '.' << std::hex << entropy();
  return os.str();
}

template <class T>
void write_normalizer(hid_t normalizers, const char* which, const UnitGaussianNormalizer<T>& normalizer,
                      hid_t file_type, int rank, hid_t transfer, const std::string& context) {
  h5::Group group = create_group(normalizers, which, context);
  write_double_attribute(group.get(), "epsilon", normalizer.epsilon(), context);
  const Slab slab{{normalizer.channels()}, {0}, {normalizer.channels()}, rank == 0};
  write_dataset(group.get(), "mean", file_type, slab, normalizer.mean().data(), transfer, context);
  write_dataset(group.get(), "std", file_type, slab, normalizer.stddev().data(), transfer, context);
}

template <class T>
void write_contents(const std::string& file_name, MPI_Comm comm, const FnoConfig& config,
                    const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                    const AdamOptimizer<T>* optimizer, const TrainingProgress* progress, const std::string& rng_state,
                    const ModelWriteOptions& options, const std::string& context) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  h5::QuietErrors quiet;
  h5::PropertyList access = parallel_access(comm, context);
  h5::File file(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()));
  h5::check(file.get(), context, ("creating '" + file_name + "'").c_str());
  h5::PropertyList transfer = collective_transfer(context);
  const bool float32 = stored_as_float32<T>(options.precision);
  const hid_t file_type = float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  {
    h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
    h5::check(root.get(), context, "opening the root group");
    write_string_attribute(root.get(), "format", model_file_format, context);
    write_int_attribute(root.get(), "version", model_file_version, context);
    write_config(root.get(), config, context);

    h5::Group group = create_group(file.get(), "params", context);
    write_string_attribute(group.get(), "dtype", float32 ? "float32" : "float64", context);
    for (const auto& p : params)
      write_dataset(group.get(), p.name, file_type, write_slab(p, rank), p.value.data(), transfer.get(), context);

    if (normalizers.input || normalizers.output) {
      h5::Group normalizer_group = create_group(file.get(), "normalizers", context);
      if (normalizers.input)
        write_normalizer(normalizer_group.get(), "input", *normalizers.input, file_type, rank, transfer.get(), context);
      if (normalizers.output)
        write_normalizer(normalizer_group.get(), "output", *normalizers.output, file_type, rank, transfer.get(),
                         context);
    }

    if (options.problem) write_problem(file.get(), *options.problem, context);

    if (optimizer) {
      h5::Group group_opt = create_group(file.get(), "optimizer", context);
      const AdamSettings& s = optimizer->settings();
      write_string_attribute(group_opt.get(), "kind", to_string(s.kind), context);
      write_double_attribute(group_opt.get(), "lr", s.lr, context);
      write_double_attribute(group_opt.get(), "current_lr", optimizer->lr(), context);
      write_double_attribute(group_opt.get(), "beta1", s.beta1, context);
      write_double_attribute(group_opt.get(), "beta2", s.beta2, context);
      write_double_attribute(group_opt.get(), "eps", s.eps, context);
      write_double_attribute(group_opt.get(), "weight_decay", s.weight_decay, context);
      write_int_attribute(group_opt.get(), "step", optimizer->step_count(), context);
      write_string_attribute(group_opt.get(), "schedule", to_string(progress->schedule.kind), context);
      write_int_attribute(group_opt.get(), "step_size", progress->schedule.step_size, context);
      write_double_attribute(group_opt.get(), "gamma", progress->schedule.gamma, context);
      write_int_attribute(group_opt.get(), "t_max", progress->schedule.t_max, context);
      write_double_attribute(group_opt.get(), "eta_min", progress->schedule.eta_min, context);
      const std::vector<std::vector<T>>* moments[] = {&optimizer->exp_avg(), &optimizer->exp_avg_sq()};
      const char* moment_names[] = {"exp_avg", "exp_avg_sq"};
      for (int which = 0; which < 2; ++which) {
        h5::Group moment_group = create_group(group_opt.get(), moment_names[which], context);
        for (std::size_t k = 0; k < params.size(); ++k)
          write_dataset(moment_group.get(), params[k].name, file_type, write_slab(params[k], rank),
                        (*moments[which])[k].data(), transfer.get(), context);
      }
      h5::Group checkpoint = create_group(file.get(), "checkpoint", context);
      write_int_attribute(checkpoint.get(), "epoch", progress->epoch, context);
      write_string_attribute(checkpoint.get(), "rng_engine", "std::mt19937_64", context);
      write_string_attribute(checkpoint.get(), "rng_state", rng_state, context);
    }
  }
  if (!file.close()) throw Error(context + ": closing '" + file_name + "' failed (" + h5::error_stack_text() + ")");
}

template <class T>
void write_file(const std::string& path, MPI_Comm comm, const FnoConfig& config,
                const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                const AdamOptimizer<T>* optimizer, const TrainingProgress* progress,
                const ModelWriteOptions& options) {
  const std::string context = "model file '" + path + "'";
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  checked_on_every_rank(comm, [&] {
    check_parameter_list(params, context, true);
    if (options.problem) {
      try {
        validate_problem(*options.problem, config);
      } catch (const Error& e) {
        throw Error(context + ": " + e.what());
      }
    }
    if (optimizer) {
      FNO_CHECK(optimizer->exp_avg().size() == params.size(), context, ": the optimizer holds state for ",
                optimizer->exp_avg().size(), " parameters, the list has ", params.size());
      for (std::size_t k = 0; k < params.size(); ++k)
        FNO_CHECK(optimizer->exp_avg()[k].size() == params[k].value.size() &&
                      optimizer->exp_avg_sq()[k].size() == params[k].value.size(),
                  context, ": the optimizer state of parameter '", params[k].name, "' does not match its local size");
    }
  });
  std::string description = describe_request(config, params, &normalizers, optimizer, progress);
  if (options.problem) {
    Packer packer;
    pack_problem(packer, *options.problem);
    description += packer.bytes();
  }
  require_same_on_all_ranks(comm, context, description);
  require_exact_tiling(comm, context, params);

  std::string temporary = rank == 0 ? temporary_name(path) : std::string();
  broadcast_string(comm, temporary, 0);
  std::string rng_state;
  if (progress && rank == 0) {
    std::ostringstream os;
    os << progress->rng;
    rng_state = os.str();
  }
  broadcast_string(comm, rng_state, 0);

  std::string error;
  try {
    write_contents(temporary, comm, config, params, normalizers, optimizer, progress, rng_state, options, context);
  } catch (const Error& e) {
    error = e.what();
  } catch (const std::exception& e) {
    error = context + ": " + e.what();
  }
  error = agreed_error(comm, error);  // also a barrier: every rank has closed the file
  if (error.empty() && rank == 0) {
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) error = context + ": renaming the complete temporary file '" + temporary + "' failed (" + ec.message() + ")";
  }
  error = agreed_error(comm, error);
  if (!error.empty()) {
    if (rank == 0) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
    }
    throw Error(error);
  }
}

// ---- reading -----------------------------------------------------------------------------

template <class T>
ReadRequest make_request(const FnoConfig& expected_config, const std::vector<Parameter<T>>& params,
                         bool need_checkpoint) {
  ReadRequest request;
  request.expected_config = &expected_config;
  for (const auto& p : params) request.params.push_back({p.name, p.global_shape});
  request.need_checkpoint = need_checkpoint;
  return request;
}

template <class T>
std::optional<UnitGaussianNormalizer<T>> read_normalizer(hid_t file, const char* which, hid_t transfer,
                                                         const std::string& context) {
  h5::Group normalizers = open_group(file, "normalizers", context, "no /normalizers group");
  h5::Group group = open_group(normalizers.get(), which, context, std::string("missing normalizer group ") + which);
  const double epsilon = read_double_attribute(group.get(), "epsilon", context, which);
  h5::Dataset mean_dataset(H5Dopen2(group.get(), "mean", H5P_DEFAULT));
  h5::check(mean_dataset.get(), context, "opening a normalizer's mean");
  h5::Dataspace space(H5Dget_space(mean_dataset.get()));
  hsize_t channels = 0;
  h5::check(H5Sget_simple_extent_dims(space.get(), &channels, nullptr), context, "sizing a normalizer");
  const Index n = static_cast<Index>(channels);
  std::vector<T> mean(channels), stddev(channels);
  const Slab slab{{n}, {0}, {n}, true};
  read_dataset(group.get(), "mean", slab, mean.data(), transfer, context);
  read_dataset(group.get(), "std", slab, stddev.data(), transfer, context);
  try {
    return UnitGaussianNormalizer<T>(std::move(mean), std::move(stddev), epsilon);
  } catch (const Error& e) {
    throw Error(context + ": invalid " + which + " normalizer: " + e.what());
  }
}

template <class T>
TrainingProgress read_file(const std::string& path, MPI_Comm comm, const FnoConfig& expected_config,
                           std::vector<Parameter<T>>& params, Normalizers<T>* normalizers, AdamOptimizer<T>* optimizer) {
  const std::string context = "model file '" + path + "'";
  checked_on_every_rank(comm, [&] { check_parameter_list(params, context, false); });
  require_same_on_all_ranks(comm, context, describe_request<T>(expected_config, params, nullptr, nullptr, nullptr));
  const ModelFileInfo info = inspect_collectively(path, comm, make_request(expected_config, params, optimizer != nullptr));

  TrainingProgress progress;
  std::string error;
  try {
    h5::QuietErrors quiet;
    h5::PropertyList access = parallel_access(comm, context);
    h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()));
    h5::check(file.get(), context, "opening the file on every rank");
    h5::PropertyList transfer = collective_transfer(context);
    {
      h5::Group group = open_group(file.get(), "params", context, "no /params group");
      for (auto& p : params) {
        const Slab slab = read_slab(p);
        p.value.resize(static_cast<std::size_t>(slab.elements()));
        read_dataset(group.get(), p.name, slab, p.value.data(), transfer.get(), context);
      }
    }
    if (normalizers) {
      normalizers->input.reset();
      normalizers->output.reset();
      if (info.has_input_normalizer) normalizers->input = read_normalizer<T>(file.get(), "input", transfer.get(), context);
      if (info.has_output_normalizer)
        normalizers->output = read_normalizer<T>(file.get(), "output", transfer.get(), context);
    }
    if (optimizer) {
      h5::Group group = open_group(file.get(), "optimizer", context, "no /optimizer group");
      const std::string where = "/optimizer";
      AdamSettings settings;
      settings.kind = optimizer_kind_from_string(read_string_attribute(group.get(), "kind", context, where));
      settings.lr = read_double_attribute(group.get(), "lr", context, where);
      settings.beta1 = read_double_attribute(group.get(), "beta1", context, where);
      settings.beta2 = read_double_attribute(group.get(), "beta2", context, where);
      settings.eps = read_double_attribute(group.get(), "eps", context, where);
      settings.weight_decay = read_double_attribute(group.get(), "weight_decay", context, where);
      const double current_lr = read_double_attribute(group.get(), "current_lr", context, where);
      const std::int64_t step = read_int_attribute(group.get(), "step", context, where);
      progress.schedule.kind = schedule_kind_from_string(read_string_attribute(group.get(), "schedule", context, where));
      progress.schedule.step_size = read_int_attribute(group.get(), "step_size", context, where);
      progress.schedule.gamma = read_double_attribute(group.get(), "gamma", context, where);
      progress.schedule.t_max = read_int_attribute(group.get(), "t_max", context, where);
      progress.schedule.eta_min = read_double_attribute(group.get(), "eta_min", context, where);
      std::vector<std::vector<T>> moments[2];
      const char* moment_names[] = {"exp_avg", "exp_avg_sq"};
      for (int which = 0; which < 2; ++which) {
        h5::Group moment_group = open_group(group.get(), moment_names[which], context, "no optimizer moments");
        for (const auto& p : params) {
          const Slab slab = read_slab(p);
          std::vector<T> values(static_cast<std::size_t>(slab.elements()));
          read_dataset(moment_group.get(), p.name, slab, values.data(), transfer.get(), context);
          moments[which].push_back(std::move(values));
        }
      }
      h5::Group checkpoint = open_group(file.get(), "checkpoint", context, "no /checkpoint group");
      progress.epoch = read_int_attribute(checkpoint.get(), "epoch", context, "/checkpoint");
      std::istringstream rng_text(read_string_attribute(checkpoint.get(), "rng_state", context, "/checkpoint"));
      rng_text >> progress.rng;
      if (rng_text.fail()) throw Error(context + ": /checkpoint's rng_state is not a std::mt19937_64 state");
      try {
        optimizer->restore(settings, current_lr, step, std::move(moments[0]), std::move(moments[1]));
      } catch (const Error& e) {
        throw Error(context + ": cannot restore the optimizer: " + e.what());
      }
    }
    if (!file.close()) throw Error(context + ": closing the file failed (" + h5::error_stack_text() + ")");
  } catch (const Error& e) {
    error = e.what();
  } catch (const std::exception& e) {
    error = context + ": " + e.what();
  }
  agree_on_error(comm, error);
  return progress;
}

}  // namespace

// ---- public entry points -------------------------------------------------------------------

template <class T>
void write_model(const std::string& path, MPI_Comm comm, const FnoConfig& config,
                 const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                 const ModelWriteOptions& options) {
  write_file<T>(path, comm, config, params, normalizers, nullptr, nullptr, options);
}

template <class T>
void write_checkpoint(const std::string& path, MPI_Comm comm, const FnoConfig& config,
                      const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                      const AdamOptimizer<T>& optimizer, const TrainingProgress& progress,
                      const ModelWriteOptions& options) {
  write_file<T>(path, comm, config, params, normalizers, &optimizer, &progress, options);
}

FnoConfig read_model_config(const std::string& path, MPI_Comm comm) { return read_model_info(path, comm).config; }

ModelFileInfo read_model_info(const std::string& path, MPI_Comm comm) {
  return inspect_collectively(path, comm, ReadRequest{});
}

template <class T>
void read_model(const std::string& path, MPI_Comm comm, const FnoConfig& expected_config,
                std::vector<Parameter<T>>& params, std::type_identity_t<Normalizers<T>>* normalizers) {
  read_file<T>(path, comm, expected_config, params, normalizers, nullptr);
}

template <class T>
TrainingProgress read_checkpoint(const std::string& path, MPI_Comm comm, const FnoConfig& expected_config,
                                 std::vector<Parameter<T>>& params, std::type_identity_t<Normalizers<T>>* normalizers,
                                 AdamOptimizer<T>& optimizer) {
  return read_file<T>(path, comm, expected_config, params, normalizers, &optimizer);
}

#define FNO_MODEL_FILE_INSTANTIATE(T)                                                                             \
  template void write_model<T>(const std::string&, MPI_Comm, const FnoConfig&, const std::vector<Parameter<T>>&, \
                               const Normalizers<T>&, const ModelWriteOptions&);                                  \
  template void write_checkpoint<T>(const std::string&, MPI_Comm, const FnoConfig&,                               \
                                    const std::vector<Parameter<T>>&, const Normalizers<T>&,                      \
                                    const AdamOptimizer<T>&, const TrainingProgress&, const ModelWriteOptions&);  \
  template void read_model<T>(const std::string&, MPI_Comm, const FnoConfig&, std::vector<Parameter<T>>&,         \
                              Normalizers<T>*);                                                                    \
  template TrainingProgress read_checkpoint<T>(const std::string&, MPI_Comm, const FnoConfig&,                    \
                                               std::vector<Parameter<T>>&, Normalizers<T>*, AdamOptimizer<T>&);

FNO_MODEL_FILE_INSTANTIATE(float)
FNO_MODEL_FILE_INSTANTIATE(double)

}  // namespace fno
