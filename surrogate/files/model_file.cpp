#include "files/model_file.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <ios>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "common/error.hpp"
#include "files/hdf5_handles.hpp"
#include "common/rank_agreement.hpp"

namespace fno {

namespace {

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

// Throws unless every value is finite (and, for a second moment, not negative).
template <class T>
void require_finite(const std::vector<T>& values, const std::string& context, const std::string& what,
                    bool non_negative = false) {
  for (T v : values)
    if (!std::isfinite(static_cast<double>(v)) || (non_negative && v < 0))
      throw Error(context + ": " + what + " holds " + (std::isfinite(static_cast<double>(v)) ? "negative" : "non-finite") +
                  " values (" + std::to_string(static_cast<double>(v)) + ")");
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

// Reading treats every file as untrusted: each read is bounded before anything is
// allocated for it (counts, string sizes), every object is reached through a hard link
// inside the file, and a failing HDF5 call says the file is corrupt.

// Largest string attribute read (names, units, settings; /problem's description may be longer).
constexpr std::size_t max_short_string = 4096;
constexpr std::size_t max_long_string = std::size_t{1} << 20;

[[noreturn]] void corrupt(const std::string& context, const std::string& what) { h5::fail_corrupt(context, what); }

bool has_attribute(hid_t object, const char* name, const std::string& context) {
  const htri_t exists = H5Aexists(object, name);
  if (exists < 0) corrupt(context, std::string("looking up attribute '") + name + "'");
  return exists > 0;
}

// The attribute's element count, refusing more than `max_points` (or an unreadable dataspace).
std::size_t attribute_points(hid_t attribute, std::size_t max_points, const std::string& context, const char* name,
                             const std::string& where) {
  const std::uint64_t points = h5::attribute_points(attribute, context, name);
  if (points > max_points)
    throw Error(context + ": attribute '" + name + "' of " + where + " holds " + std::to_string(points) +
                " values; at most " + std::to_string(max_points) + " are expected");
  return static_cast<std::size_t>(points);
}

// Class and size of the attribute's stored type.
std::pair<H5T_class_t, std::size_t> attribute_type(hid_t attribute, const std::string& context, const char* name) {
  h5::Datatype type(H5Aget_type(attribute));
  if (!type.valid()) corrupt(context, std::string("reading the type of attribute '") + name + "'");
  return {H5Tget_class(type.get()), H5Tget_size(type.get())};
}

std::vector<std::int64_t> read_ints_attribute(hid_t object, const char* name, const std::string& context,
                                              const std::string& where, std::size_t max_points) {
  h5::Attribute attribute = h5::open_attribute(object, name, context, where);
  const auto [type_class, type_size] = attribute_type(attribute.get(), context, name);
  if (type_class != H5T_INTEGER || type_size < 1 || type_size > 8)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not an integer");
  std::vector<std::int64_t> values(attribute_points(attribute.get(), max_points, context, name, where));
  if (!values.empty() && H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()) < 0)
    corrupt(context, std::string("reading attribute '") + name + "'");
  return values;
}

std::int64_t read_int_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  const auto values = read_ints_attribute(object, name, context, where, 1);
  if (values.size() != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " holds " + std::to_string(values.size()) +
                " values instead of one");
  return values[0];
}

double read_double_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  h5::Attribute attribute = h5::open_attribute(object, name, context, where);
  const auto [type_class, type_size] = attribute_type(attribute.get(), context, name);
  if (!((type_class == H5T_FLOAT && (type_size == 4 || type_size == 8)) ||
        (type_class == H5T_INTEGER && type_size >= 1 && type_size <= 8)) ||
      attribute_points(attribute.get(), 1, context, name, where) != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not a number");
  double value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0) corrupt(context, std::string("reading attribute '") + name + "'");
  return value;
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& context,
                                  const std::string& where, std::size_t max_bytes = max_short_string) {
  return h5::read_string_attribute(object, name, context, where, max_bytes);
}

bool has_link(hid_t location, const char* name, const std::string& context) {
  return h5::hard_link_exists(location, name, context);
}

h5::Group create_group(hid_t location, const char* name, const std::string& context) {
  h5::PropertyList create = h5::compact_group_creation();
  h5::check(create.get(), context, "preparing a group's creation properties");
  h5::Group group(H5Gcreate2(location, name, H5P_DEFAULT, create.get(), H5P_DEFAULT));
  h5::check(group.get(), context, (std::string("creating group '") + name + "'").c_str());
  return group;
}

h5::Group open_group(hid_t location, const char* name, const std::string& context, const std::string& what) {
  if (!has_link(location, name, context)) throw Error(context + ": " + what);
  H5O_info_t info{};
  if (H5Oget_info_by_name2(location, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    corrupt(context, std::string("reading object '") + name + "'");
  if (info.type != H5O_TYPE_GROUP) throw Error(context + ": '" + name + "' is not a group");
  h5::Group group(H5Gopen2(location, name, H5P_DEFAULT));
  if (!group.valid()) corrupt(context, std::string("opening group '") + name + "'");
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

// Reads the configuration attributes; validate_config() then judges their values. Fields
// stored in an int are range-checked before the narrowing.
FnoConfig read_config(hid_t root, const std::string& context) {
  const std::string where = "the root group";
  auto narrow = [&](const char* name) {
    const std::int64_t v = read_int_attribute(root, name, context, where);
    if (v < 0 || v > max_config_layers)
      throw Error(context + ": root attribute '" + name + "' = " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
  };
  FnoConfig c;
  c.space_dims = narrow("space_dims");
  c.grid = read_ints_attribute(root, "grid", context, where, 4);
  c.width = read_int_attribute(root, "width", context, where);
  c.modes = read_ints_attribute(root, "modes", context, where, 4);
  c.layers = narrow("layers");
  c.proj_width = read_int_attribute(root, "proj_width", context, where);
  c.in_channels = read_int_attribute(root, "in_channels", context, where);
  c.out_channels = read_int_attribute(root, "out_channels", context, where);
  c.padding = read_int_attribute(root, "padding", context, where);
  try {
    validate_config(c);
  } catch (const Error& e) {
    throw Error(context + ": invalid model configuration in the root attributes: " + e.what());
  }
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
  // Converted to the stored precision here: parallel HDF5 writes a filtered dataset only
  // collectively, and a conversion inside HDF5 would make it fall back to independent I/O.
  if (H5Tequal(file_type, H5T_IEEE_F32LE) > 0 && !std::is_same_v<T, float>) {
    std::vector<float> stored(data, data + slab.elements());
    write_dataset<float>(parent, name, file_type, slab, stored.data(), transfer, context);
    return;
  }
  if (H5Tequal(file_type, H5T_IEEE_F64LE) > 0 && !std::is_same_v<T, double>) {
    std::vector<double> stored(data, data + slab.elements());
    write_dataset<double>(parent, name, file_type, slab, stored.data(), transfer, context);
    return;
  }
  const std::string what = "dataset '" + name + "'";
  h5::Dataspace file_space = make_space(slab.global_shape);
  h5::check(file_space.get(), context, ("creating the dataspace of " + what).c_str());
  // Chunked with a fletcher32 checksum (README, "Files users hand us"); parallel HDF5 writes
  // filtered datasets collectively, as every write here is.
  const std::vector<hsize_t> dims(slab.global_shape.begin(), slab.global_shape.end());
  h5::PropertyList create = h5::checksummed_dataset_creation(dims, H5Tget_size(file_type));
  h5::check(create.get(), context, ("preparing the storage of " + what).c_str());
  h5::Dataset dataset(
      H5Dcreate2(parent, name.c_str(), file_type, file_space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
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
  if (H5Dread(dataset.get(), memory_type<T>(), memory_space.get(), file_space.get(), transfer,
              slab.elements() > 0 ? data : &dummy) < 0)
    corrupt(context, "reading " + what);
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

// Rank-0 check of one dataset before anything is allocated for it: IEEE floating point (of
// `element_bytes` bytes, unless 0), of exactly `expected_shape`, and stored completely in
// the file (h5::check_stored_dataset).
void check_dataset(hid_t group, const std::string& name, const std::vector<Index>& expected_shape,
                   std::uintmax_t file_size, std::size_t element_bytes, const std::string& context,
                   const std::string& what) {
  const std::string label = what + " '" + name + "'";
  const h5::StoredDataset stored = h5::check_stored_dataset(group, name, file_size, context, label);
  if (!stored.ieee_float) throw Error(context + ": " + label + " is not stored as IEEE float32 or float64");
  if (element_bytes != 0 && stored.type_size != element_bytes)
    throw Error(context + ": " + label + " is stored as float" + std::to_string(8 * stored.type_size) +
                " but /params says float" + std::to_string(8 * element_bytes));
  const std::vector<Index> shape(stored.dims.begin(), stored.dims.end());
  if (shape != expected_shape)
    throw Error(context + ": " + label + " has shape " + shape_text(shape) + " in the file but " +
                shape_text(expected_shape) + " is expected");
}

// Rank 0 reads every value of a dataset that check_dataset() accepted, in pieces of at most
// 16 MiB with a chunk cache holding a whole chunk, so that HDF5 verifies each chunk's
// fletcher32 checksum once, and checks that every value is finite (and, with non_negative,
// not negative). The collective read that follows then cannot fail on some ranks only.
void verify_values(hid_t group, const std::string& name, const std::string& context, const std::string& label,
                   bool non_negative = false) {
  h5::Dataset probe(H5Dopen2(group, name.c_str(), H5P_DEFAULT));
  if (!probe.valid()) corrupt(context, "opening " + label);
  h5::Dataspace space(H5Dget_space(probe.get()));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 1 || rank > H5S_MAX_RANK) corrupt(context, "reading the dataspace of " + label);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), chunk(static_cast<std::size_t>(rank), 0);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  h5::PropertyList create(H5Dget_create_plist(probe.get()));
  std::size_t chunk_bytes = 0;
  if (create.valid() && H5Pget_layout(create.get()) == H5D_CHUNKED &&
      H5Pget_chunk(create.get(), rank, chunk.data()) == rank) {
    chunk_bytes = sizeof(double);
    for (hsize_t c : chunk) chunk_bytes *= static_cast<std::size_t>(c);
  }
  probe.close();
  h5::PropertyList access(H5Pcreate(H5P_DATASET_ACCESS));
  if (!access.valid() || H5Pset_chunk_cache(access.get(), 521, std::max<std::size_t>(chunk_bytes + 4096, 1 << 20), 1.0) < 0)
    corrupt(context, "preparing to read " + label);
  h5::Dataset dataset(H5Dopen2(group, name.c_str(), access.get()));
  if (!dataset.valid()) corrupt(context, "opening " + label);
  hsize_t row = 1;
  for (int a = 1; a < rank; ++a) row *= dims[static_cast<std::size_t>(a)];
  if (dims[0] == 0 || row == 0) return;
  const hsize_t rows_per_piece = std::max<hsize_t>(1, (hsize_t{16} << 20) / (sizeof(double) * row));
  std::vector<double> values;
  for (hsize_t first = 0; first < dims[0]; first += rows_per_piece) {
    std::vector<hsize_t> start(dims.size(), 0), count = dims;
    start[0] = first;
    count[0] = std::min(rows_per_piece, dims[0] - first);
    values.resize(static_cast<std::size_t>(count[0] * row));
    h5::Dataspace file_space(H5Dget_space(dataset.get()));
    const hsize_t n = values.size();
    h5::Dataspace memory(H5Screate_simple(1, &n, nullptr));
    if (!file_space.valid() || !memory.valid() ||
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
        H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), H5P_DEFAULT, values.data()) < 0)
      corrupt(context, "reading the values of " + label);
    require_finite(values, context, label, non_negative);
  }
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

// The names of the links in `group`, sorted; refuses more than `max_links` (each name is
// held in memory, so the count must be bounded by what the caller can justify).
std::vector<std::string> link_names(hid_t group, std::size_t max_links, const std::string& context,
                                    const std::string& where) {
  H5G_info_t info{};
  if (H5Gget_info(group, &info) < 0) corrupt(context, "reading the links of " + where);
  if (info.nlinks > max_links)
    throw Error(context + ": " + where + " holds " + std::to_string(info.nlinks) + " objects; at most " +
                std::to_string(max_links) + " are expected");
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    auto& list = *static_cast<std::vector<std::string>*>(out);
    list.emplace_back(name, strnlen(name, max_short_string));
    return 0;
  };
  hsize_t index = 0;
  // Native order walks the index in place; the sorted orders first build a table whose
  // release on a damaged file crashes HDF5 1.10 (H5G__link_release_table).
  if (H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, &index, collect, &names) < 0 || names.size() > max_links)
    corrupt(context, "listing the links of " + where);
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
                                           const std::string& where, std::size_t max_points) {
  h5::Attribute attribute = h5::open_attribute(object, name, context, where);
  const auto [type_class, type_size] = attribute_type(attribute.get(), context, name);
  if (type_class != H5T_FLOAT || (type_size != 4 && type_size != 8))
    throw Error(context + ": attribute '" + name + "' of " + where + " is not floating point");
  std::vector<double> values(attribute_points(attribute.get(), max_points, context, name, where));
  if (!values.empty() && H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) < 0)
    corrupt(context, std::string("reading attribute '") + name + "'");
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
    write_string_attribute(g.get(), "kind", p.inputs[k].kind, context);
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

// Reads /problem (rank 0's inspection) for a model of `config` (validated); throws if it is
// malformed. Counts are checked against the configuration before anything is read per
// field, strings are bounded.
ProblemDescription read_problem(hid_t file, const FnoConfig& config, const std::string& context) {
  h5::Group group = open_group(file, "problem", context, "no /problem group");
  ProblemDescription p;
  p.description = read_string_attribute(group.get(), "description", context, "/problem", max_long_string);
  p.times = read_doubles_attribute(group.get(), "times", context, "/problem",
                                   static_cast<std::size_t>(config.grid.back()));
  h5::Group inputs = open_group(group.get(), "inputs", context, "no /problem/inputs group");
  h5::Group outputs = open_group(group.get(), "outputs", context, "no /problem/outputs group");
  const auto in_count = static_cast<std::size_t>(config.in_channels);
  const auto out_count = static_cast<std::size_t>(config.out_channels);
  if (link_names(inputs.get(), in_count, context, "/problem/inputs").size() != in_count ||
      link_names(outputs.get(), out_count, context, "/problem/outputs").size() != out_count)
    throw Error(context + ": /problem describes a different number of input or output fields than the model has (" +
                std::to_string(in_count) + " in, " + std::to_string(out_count) + " out)");
  for (std::size_t k = 0; k < in_count; ++k) {
    const std::string name = std::to_string(k), where = "/problem/inputs/" + name;
    h5::Group g = open_group(inputs.get(), name.c_str(), context, "no group " + where);
    p.inputs.push_back({read_string_attribute(g.get(), "name", context, where),
                        read_string_attribute(g.get(), "source", context, where),
                        read_string_attribute(g.get(), "transform", context, where),
                        read_double_attribute(g.get(), "scale", context, where),
                        read_string_attribute(g.get(), "units", context, where)});
    // Files written before initial-state inputs existed have no kind: a static field.
    if (has_attribute(g.get(), "kind", context)) p.inputs.back().kind = read_string_attribute(g.get(), "kind", context, where);
  }
  for (std::size_t k = 0; k < out_count; ++k) {
    const std::string name = std::to_string(k), where = "/problem/outputs/" + name;
    h5::Group g = open_group(outputs.get(), name.c_str(), context, "no group " + where);
    p.outputs.push_back({read_string_attribute(g.get(), "name", context, where),
                         read_string_attribute(g.get(), "units", context, where),
                         read_double_attribute(g.get(), "initial_value", context, where),
                         read_double_attribute(g.get(), "min", context, where),
                         read_double_attribute(g.get(), "max", context, where)});
  }
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
    packer.text(in.kind);
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
    in.kind = u.text();
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

// A normalizer's group: epsilon and two statistics of `channels` values.
void check_normalizer_group(hid_t normalizers, const char* which, Index channels, std::uintmax_t file_size,
                            std::size_t element_bytes, const std::string& context) {
  h5::Group group = open_group(normalizers, which, context, std::string("missing normalizer group ") + which);
  const std::string where = std::string("normalizer '") + which + "'";
  const double epsilon = read_double_attribute(group.get(), "epsilon", context, where);
  if (!(std::isfinite(epsilon) && epsilon >= 0))
    throw Error(context + ": " + where + " has epsilon " + std::to_string(epsilon) + "; it must be finite and >= 0");
  check_dataset(group.get(), "mean", {channels}, file_size, element_bytes, context, where + " statistic");
  check_dataset(group.get(), "std", {channels}, file_size, element_bytes, context, where + " statistic");
  verify_values(group.get(), "mean", context, where + " statistic 'mean'");
  verify_values(group.get(), "std", context, where + " statistic 'std'", true);
}

// The optimizer settings, schedule and progress of a checkpoint, read and checked.
struct CheckpointState {
  AdamSettings settings;
  double current_lr = 0;
  std::int64_t step = 0;
  LrSchedule schedule;
  std::int64_t epoch = 0;
  std::mt19937_64 rng;
};

CheckpointState read_checkpoint_state(hid_t file, const std::string& context) {
  h5::Group group = open_group(file, "optimizer", context, "no /optimizer group");
  const std::string where = "/optimizer";
  CheckpointState state;
  auto number = [&](const char* name, double low, double high, bool high_included) {
    const double v = read_double_attribute(group.get(), name, context, where);
    if (!(std::isfinite(v) && v >= low && (v < high || (high_included && v == high))))
      throw Error(context + ": /optimizer attribute '" + name + "' = " + std::to_string(v) + " is out of range");
    return v;
  };
  auto count = [&](const char* name, std::int64_t low) {
    const std::int64_t v = read_int_attribute(group.get(), name, context, where);
    if (v < low) throw Error(context + ": /optimizer attribute '" + name + "' = " + std::to_string(v) + " is out of range");
    return v;
  };
  const double huge = std::numeric_limits<double>::max();
  const std::string kind = read_string_attribute(group.get(), "kind", context, where);
  const std::string schedule = read_string_attribute(group.get(), "schedule", context, where);
  try {
    state.settings.kind = optimizer_kind_from_string(kind);
    state.schedule.kind = schedule_kind_from_string(schedule);
  } catch (const Error& e) {
    throw Error(context + ": /optimizer: " + e.what());
  }
  state.settings.lr = number("lr", 0, huge, true);
  state.current_lr = number("current_lr", 0, huge, true);
  state.settings.beta1 = number("beta1", 0, 1, false);
  state.settings.beta2 = number("beta2", 0, 1, false);
  state.settings.eps = number("eps", 0, huge, true);
  state.settings.weight_decay = number("weight_decay", 0, huge, true);
  state.schedule.gamma = number("gamma", 0, huge, true);
  state.schedule.eta_min = number("eta_min", 0, huge, true);
  state.step = count("step", 0);
  state.schedule.step_size = count("step_size", 1);
  state.schedule.t_max = count("t_max", 1);
  h5::Group checkpoint = open_group(file, "checkpoint", context, "no /checkpoint group");
  state.epoch = read_int_attribute(checkpoint.get(), "epoch", context, "/checkpoint");
  if (state.epoch < 0) throw Error(context + ": /checkpoint attribute 'epoch' = " + std::to_string(state.epoch) + " is negative");
  std::istringstream rng_text(read_string_attribute(checkpoint.get(), "rng_state", context, "/checkpoint", 65536));
  rng_text >> state.rng;
  if (rng_text.fail()) throw Error(context + ": /checkpoint's rng_state is not a std::mt19937_64 state");
  return state;
}

// Opens the file alone (rank 0) and checks everything a read needs before anything is
// allocated from it, so that the collective read that follows cannot fail on some ranks
// only: the checksummed format, the configuration against itself (validate_config), every
// parameter the configuration implies present with its shape and all its bytes in the file,
// the normalizers, /problem and a checkpoint's state and moments likewise.
ModelFileInfo inspect(const std::string& path, const ReadRequest& request) {
  const std::string context = "model file '" + path + "'";
  h5::QuietErrors quiet;
  const auto [file, file_size] = h5::open_untrusted(path, context);
  h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
  if (!root.valid()) corrupt(context, "opening the root group");

  if (!has_attribute(root.get(), "format", context))
    throw Error(context + ": no 'format' attribute; not a petsc-fno model file");
  const std::string format = read_string_attribute(root.get(), "format", context, "the root group");
  if (format != model_file_format)
    throw Error(context + ": format is '" + format + "', not '" + model_file_format + "'; not a petsc-fno model file");
  ModelFileInfo info;
  info.version = read_int_attribute(root.get(), "version", context, "the root group");
  if (info.version != model_file_version)
    throw Error(context + ": unsupported model file version " + std::to_string(info.version) +
                " (this build reads version " + std::to_string(model_file_version) + ")");
  info.config = read_config(root.get(), context);  // validated
  if (request.expected_config) {
    const std::string differences = config_differences(info.config, *request.expected_config);
    if (!differences.empty())
      throw Error(context + ": the file's model configuration does not match the requested model (" + differences +
                  ")");
  }

  h5::Group params = open_group(file.get(), "params", context, "no /params group");
  info.precision = read_string_attribute(params.get(), "dtype", context, "/params");
  if (info.precision != "float32" && info.precision != "float64")
    throw Error(context + ": /params has dtype '" + info.precision + "' (expected float32 or float64)");
  const std::size_t element_bytes = info.precision == "float32" ? 4 : 8;
  // The parameters the configuration implies: their count bounds the listing, and each must
  // be stored with its shape, so that every size the configuration gives is backed by data.
  const std::size_t implied = 3 * static_cast<std::size_t>(info.config.layers) + 6;
  constexpr std::size_t max_extra_datasets = 4096;
  info.parameter_names = link_names(params.get(), implied + max_extra_datasets, context, "/params");
  if (info.parameter_names.size() < implied)
    throw Error(context + ": the root attributes (layers = " + std::to_string(info.config.layers) + ") imply " +
                std::to_string(implied) + " parameters but /params holds " +
                std::to_string(info.parameter_names.size()) + " datasets");
  const std::vector<ParameterShape> shapes = parameter_shapes(info.config);
  for (const auto& shape : shapes)
    check_dataset(params.get(), shape.name, shape.global_shape, file_size, element_bytes, context, "parameter");
  for (const auto& shape : shapes) verify_values(params.get(), shape.name, context, "parameter '" + shape.name + "'");
  for (const auto& spec : request.params) {
    check_dataset(params.get(), spec.name, spec.global_shape, file_size, element_bytes, context, "parameter");
    verify_values(params.get(), spec.name, context, "parameter '" + spec.name + "'");
  }

  if (has_link(file.get(), "normalizers", context)) {
    h5::Group normalizers = open_group(file.get(), "normalizers", context, "no /normalizers group");
    info.has_input_normalizer = has_link(normalizers.get(), "input", context);
    info.has_output_normalizer = has_link(normalizers.get(), "output", context);
    if (info.has_input_normalizer)
      check_normalizer_group(normalizers.get(), "input", info.config.in_channels, file_size, element_bytes, context);
    if (info.has_output_normalizer)
      check_normalizer_group(normalizers.get(), "output", info.config.out_channels, file_size, element_bytes, context);
  }
  if (has_link(file.get(), "problem", context)) info.problem = read_problem(file.get(), info.config, context);

  info.has_checkpoint = has_link(file.get(), "optimizer", context) && has_link(file.get(), "checkpoint", context);
  if (request.need_checkpoint && !info.has_checkpoint)
    throw Error(context + ": not a checkpoint (no /optimizer and /checkpoint groups)");
  if (info.has_checkpoint) {
    read_checkpoint_state(file.get(), context);
    h5::Group optimizer = open_group(file.get(), "optimizer", context, "no /optimizer group");
    for (const char* moment : {"exp_avg", "exp_avg_sq"}) {
      h5::Group moments =
          open_group(optimizer.get(), moment, context, std::string("no /optimizer/") + moment + " group");
      const std::string what = std::string("optimizer moment ") + moment + " of parameter";
      for (const auto& shape : shapes)
        check_dataset(moments.get(), shape.name, shape.global_shape, file_size, element_bytes, context, what);
      for (const auto& shape : shapes)
        verify_values(moments.get(), shape.name, context,
                      std::string("optimizer moment ") + moment + " of '" + shape.name + "'",
                      std::string(moment) == "exp_avg_sq");
      if (request.need_checkpoint)
        for (const auto& spec : request.params) {
          check_dataset(moments.get(), spec.name, spec.global_shape, file_size, element_bytes, context, what);
          verify_values(moments.get(), spec.name, context,
                        std::string("optimizer moment ") + moment + " of '" + spec.name + "'",
                        std::string(moment) == "exp_avg_sq");
        }
    }
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
  h5::check(h5::use_checksummed_format(access.get()), context, "selecting the checksummed 1.10 file format");
  h5::PropertyList create = h5::compact_file_creation();
  h5::check(create.get(), context, "preparing the file's creation properties");
  h5::File file(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, create.get(), access.get()));
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
  on_every_rank(comm, [&] {
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
  // Nothing a reader would refuse (README, "Files users hand us"): a valid configuration,
  // every parameter it implies with its global shape, normalizers of its channel counts,
  // finite values.
  on_every_rank(comm, [&] {
    try {
      validate_config(config);
    } catch (const Error& e) {
      throw Error(context + ": invalid model configuration: " + e.what());
    }
    for (const auto& shape : parameter_shapes(config)) {
      const auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.name == shape.name; });
      if (it == params.end())
        throw Error(context + ": the configuration implies parameter '" + shape.name + "', which the list lacks");
      if (it->global_shape != shape.global_shape)
        throw Error(context + ": parameter '" + shape.name + "' has the global shape " + shape_text(it->global_shape) +
                    " but the configuration implies " + shape_text(shape.global_shape));
    }
    if (normalizers.input && normalizers.input->channels() != config.in_channels)
      throw Error(context + ": the input normalizer has " + std::to_string(normalizers.input->channels()) +
                  " channels, the model " + std::to_string(config.in_channels));
    if (normalizers.output && normalizers.output->channels() != config.out_channels)
      throw Error(context + ": the output normalizer has " + std::to_string(normalizers.output->channels()) +
                  " channels, the model " + std::to_string(config.out_channels));
    for (const auto& p : params) require_finite(p.value, context, "parameter '" + p.name + "'");
    if (optimizer)
      for (std::size_t k = 0; k < params.size(); ++k) {
        require_finite(optimizer->exp_avg()[k], context, "optimizer moment exp_avg of '" + params[k].name + "'");
        require_finite(optimizer->exp_avg_sq()[k], context, "optimizer moment exp_avg_sq of '" + params[k].name + "'",
                       true);
      }
  });

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
std::optional<UnitGaussianNormalizer<T>> read_normalizer(hid_t file, const char* which, Index channels, hid_t transfer,
                                                         const std::string& context) {
  h5::Group normalizers = open_group(file, "normalizers", context, "no /normalizers group");
  h5::Group group = open_group(normalizers.get(), which, context, std::string("missing normalizer group ") + which);
  const double epsilon = read_double_attribute(group.get(), "epsilon", context, which);
  std::vector<T> mean(static_cast<std::size_t>(channels)), stddev(static_cast<std::size_t>(channels));
  const Slab slab{{channels}, {0}, {channels}, true};
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
  on_every_rank(comm, [&] { check_parameter_list(params, context, false); });
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
        require_finite(p.value, context, "parameter '" + p.name + "'");
      }
    }
    if (normalizers) {
      normalizers->input.reset();
      normalizers->output.reset();
      if (info.has_input_normalizer)
        normalizers->input = read_normalizer<T>(file.get(), "input", info.config.in_channels, transfer.get(), context);
      if (info.has_output_normalizer)
        normalizers->output =
            read_normalizer<T>(file.get(), "output", info.config.out_channels, transfer.get(), context);
    }
    if (optimizer) {
      const CheckpointState state = read_checkpoint_state(file.get(), context);
      h5::Group group = open_group(file.get(), "optimizer", context, "no /optimizer group");
      progress.schedule = state.schedule;
      progress.epoch = state.epoch;
      progress.rng = state.rng;
      std::vector<std::vector<T>> moments[2];
      const char* moment_names[] = {"exp_avg", "exp_avg_sq"};
      for (int which = 0; which < 2; ++which) {
        h5::Group moment_group = open_group(group.get(), moment_names[which], context, "no optimizer moments");
        for (const auto& p : params) {
          const Slab slab = read_slab(p);
          std::vector<T> values(static_cast<std::size_t>(slab.elements()));
          read_dataset(moment_group.get(), p.name, slab, values.data(), transfer.get(), context);
          require_finite(values, context, std::string("optimizer moment ") + moment_names[which] + " of '" + p.name + "'",
                         which == 1);
          moments[which].push_back(std::move(values));
        }
      }
      try {
        optimizer->restore(state.settings, state.current_lr, state.step, std::move(moments[0]), std::move(moments[1]));
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
