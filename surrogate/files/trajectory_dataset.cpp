#include "files/trajectory_dataset.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <set>
#include <sstream>

#include <unistd.h>  // getpid: the temporary name of a new file

#include "common/error.hpp"
#include "common/rank_agreement.hpp"

namespace fno {

namespace {

// Bounds on what a file may make a reader hold (names, lists, times, chunks).
constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxNames = 1024;
constexpr std::size_t kMaxAttributeBytes = 1 << 20;
constexpr hsize_t kMaxTimes = hsize_t{1} << 20;
constexpr hsize_t kMaxParameters = 4096;
constexpr std::uint64_t kMaxChunkLookups = std::uint64_t{1} << 22;
constexpr std::uint64_t kChunkBytes = std::uint64_t{64} << 20;

const char* const kBoundaries[] = {"none", "periodic", "ghosted", "mirror", "twist"};

std::string context_of(const std::string& path) { return "dataset '" + path + "'"; }

// ---- text ------------------------------------------------------------------------------

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t k = 0; k < names.size(); ++k) text += (k ? "," : "") + names[k];
  return text;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> names;
  if (text.empty()) return names;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = text.find(',', begin);
    names.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return names;
}

std::string grid_text(const std::vector<Index>& grid) {
  std::ostringstream os;
  for (std::size_t a = 0; a < grid.size(); ++a) os << (a ? "x" : "") << grid[a];
  return os.str();
}

std::string number(double v) {
  std::ostringstream os;
  os << std::setprecision(10) << v;
  return os.str();
}

std::string list_or(const std::vector<std::string>& names, const char* none) {
  return names.empty() ? std::string(none) : join(names);
}

// ---- serialization for broadcasts ------------------------------------------------------

class Packer {
 public:
  void integer(std::int64_t v) { raw(&v, sizeof v); }
  void real(double v) { raw(&v, sizeof v); }
  void text(const std::string& s) {
    integer(static_cast<std::int64_t>(s.size()));
    bytes_ += s;
  }
  void texts(const std::vector<std::string>& v) {
    integer(static_cast<std::int64_t>(v.size()));
    for (const auto& s : v) text(s);
  }
  std::string& bytes() { return bytes_; }

 private:
  void raw(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string bytes_;
};

class Unpacker {
 public:
  explicit Unpacker(const std::string& bytes) : bytes_(bytes) {}
  std::int64_t integer() {
    std::int64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  double real() {
    double v = 0;
    raw(&v, sizeof v);
    return v;
  }
  std::string text() {
    const auto n = static_cast<std::size_t>(integer());
    FNO_CHECK(n <= bytes_.size() - at_, "message too short");
    std::string s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::vector<std::string> texts() {
    std::vector<std::string> v(count());
    for (auto& s : v) s = text();
    return v;
  }
  std::size_t count() {
    const auto n = static_cast<std::size_t>(integer());
    FNO_CHECK(n <= bytes_.size() - at_, "message too short");
    return n;
  }

 private:
  void raw(void* p, std::size_t n) {
    FNO_CHECK(n <= bytes_.size() - at_, "message too short");
    std::memcpy(p, bytes_.data() + at_, n);
    at_ += n;
  }
  const std::string& bytes_;
  std::size_t at_ = 0;
};

void pack_layout(Packer& p, const TrajectoryLayout& l) {
  p.integer(static_cast<std::int64_t>(l.grid.size()));
  for (Index n : l.grid) p.integer(n);
  p.texts(l.boundary);
  p.texts(l.components);
  p.texts(l.input_fields);
  p.texts(l.initial_inputs);
  p.texts(l.output_fields);
  p.integer(static_cast<std::int64_t>(l.times.size()));
  for (double t : l.times) p.real(t);
  p.text(l.time_units);
  p.text(l.host);
  p.texts(l.parameter_names);
}

TrajectoryLayout unpack_layout(Unpacker& u) {
  TrajectoryLayout l;
  l.grid.resize(u.count());
  for (auto& n : l.grid) n = u.integer();
  l.boundary = u.texts();
  l.components = u.texts();
  l.input_fields = u.texts();
  l.initial_inputs = u.texts();
  l.output_fields = u.texts();
  l.times.resize(u.count());
  for (auto& t : l.times) t = u.real();
  l.time_units = u.text();
  l.host = u.text();
  l.parameter_names = u.texts();
  return l;
}

// ---- attributes ------------------------------------------------------------------------

void write_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type, hsize_t count,
                     bool scalar, const void* data, const std::string& context) {
  h5::Dataspace space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr));
  h5::check(space.get(), context, "creating a dataspace");
  h5::Attribute attribute(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  h5::check(attribute.get(), context, (std::string("creating attribute '") + name + "'").c_str());
  h5::check(H5Awrite(attribute.get(), memory_type, data), context, (std::string("writing attribute '") + name + "'").c_str());
}

void write_string_attribute(hid_t object, const char* name, const std::string& value, const std::string& context) {
  h5::Datatype type(H5Tcopy(H5T_C_S1));
  h5::check(type.get(), context, "creating a string type");
  h5::check(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), context, "sizing a string type");
  h5::check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), context, "setting string padding");
  h5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), context, "setting a string character set");
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  write_attribute(object, name, type.get(), type.get(), 1, true, padded.data(), context);
}

void write_ints_attribute(hid_t object, const char* name, const std::vector<Index>& values, const std::string& context) {
  std::vector<std::int64_t> v(values.begin(), values.end());
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v.size(), false, v.data(), context);
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  return h5::read_string_attribute(object, name, context, where, kMaxAttributeBytes);
}

std::vector<std::string> read_names_attribute(hid_t object, const char* name, const std::string& context,
                                              const std::string& where) {
  std::vector<std::string> names = split(read_string_attribute(object, name, context, where));
  if (names.size() > kMaxNames)
    throw Error(context + ": attribute '" + name + "' of " + where + " lists " + std::to_string(names.size()) +
                " names; at most " + std::to_string(kMaxNames) + " are expected");
  return names;
}

std::vector<Index> read_ints_attribute(hid_t object, const char* name, std::size_t max_points, const std::string& context,
                                       const std::string& where) {
  h5::Attribute attribute = h5::open_attribute(object, name, context, where);
  h5::Datatype type(H5Aget_type(attribute.get()));
  if (!type.valid()) h5::fail_corrupt(context, std::string("reading the type of attribute '") + name + "'");
  const std::size_t size = H5Tget_size(type.get());
  if (H5Tget_class(type.get()) != H5T_INTEGER || size < 1 || size > 8)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not an integer list");
  const auto points = static_cast<hssize_t>(h5::attribute_points(attribute.get(), context, name));
  if (static_cast<std::uint64_t>(points) > max_points)
    throw Error(context + ": attribute '" + name + "' of " + where + " holds " + std::to_string(points) +
                " values; at most " + std::to_string(max_points) + " are expected");
  std::vector<std::int64_t> values(static_cast<std::size_t>(points));
  if (!values.empty() && H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()) < 0)
    h5::fail_corrupt(context, std::string("reading attribute '") + name + "'");
  return {values.begin(), values.end()};
}

// ---- datasets --------------------------------------------------------------------------

// File dims of a per-case array: [cases][lead...][grid reversed].
std::vector<hsize_t> file_dims(hsize_t cases, const std::vector<hsize_t>& lead, const std::vector<Index>& grid) {
  std::vector<hsize_t> dims{cases};
  dims.insert(dims.end(), lead.begin(), lead.end());
  for (auto a = grid.rbegin(); a != grid.rend(); ++a) dims.push_back(static_cast<hsize_t>(*a));
  return dims;
}

// Creation properties of a per-case array: chunks of one index of the first `unit_axes`
// axes (case, time) and everything else, halved along the next axes while a chunk exceeds
// kChunkBytes; fletcher32; every chunk allocated (and filled with `fill`) when the case
// axis grows.
h5::PropertyList per_case_creation(const std::vector<hsize_t>& dims, std::size_t unit_axes, hid_t type, const void* fill,
                                   const std::string& context) {
  h5::PropertyList create(H5Pcreate(H5P_DATASET_CREATE));
  h5::check(create.get(), context, "creating a dataset-creation property list");
  std::vector<hsize_t> chunk = dims;
  for (std::size_t a = 0; a < chunk.size(); ++a) chunk[a] = a < unit_axes ? 1 : std::max<hsize_t>(chunk[a], 1);
  auto bytes = [&] {
    long double b = static_cast<long double>(H5Tget_size(type));
    for (hsize_t c : chunk) b *= static_cast<long double>(c);
    return b;
  };
  for (std::size_t a = unit_axes; a < chunk.size() && bytes() > static_cast<long double>(kChunkBytes);)
    if (chunk[a] > 1)
      chunk[a] = (chunk[a] + 1) / 2;
    else
      ++a;
  h5::check(H5Pset_attr_phase_change(create.get(), 65535, 65535), context, "keeping attributes compact");
  h5::check(H5Pset_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()), context, "setting the chunk shape");
  h5::check(H5Pset_fletcher32(create.get()), context, "adding the fletcher32 checksum");
  h5::check(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), context, "choosing early allocation");
  h5::check(H5Pset_fill_value(create.get(), type, fill), context, "setting the fill value");
  return create;
}

h5::Dataset create_per_case(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                            std::size_t unit_axes, const void* fill, const std::string& context) {
  std::vector<hsize_t> max = dims;
  max[0] = H5S_UNLIMITED;
  for (std::size_t a = 1; a < max.size(); ++a) max[a] = std::max<hsize_t>(max[a], 1);
  h5::Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max.data()));
  h5::check(space.get(), context, "creating a dataspace");
  h5::PropertyList create = per_case_creation(dims, unit_axes, type, fill, context);
  h5::Dataset dataset(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
  h5::check(dataset.get(), context, (std::string("creating /") + name).c_str());
  return dataset;
}

std::vector<hsize_t> dataset_dims(hid_t dataset, const std::string& context, const std::string& label) {
  h5::Dataspace space(H5Dget_space(dataset));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > H5S_MAX_RANK) h5::fail_corrupt(context, "reading the dataspace of " + label);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    h5::fail_corrupt(context, "reading the dataspace of " + label);
  return dims;
}

// Transfers a hyperslab (start, count) of `dataset` from or to contiguous memory; with
// `participate` false this rank selects nothing (collective transfers need every rank).
void transfer_slab(bool write, hid_t dataset, hid_t memory_type, const std::vector<hsize_t>& start,
                   const std::vector<hsize_t>& count, void* data, bool participate, hid_t transfer,
                   const std::string& context, const std::string& what) {
  hsize_t elements = 1;
  for (hsize_t c : count) elements *= c;
  if (elements == 0) participate = false;
  h5::Dataspace file_space(H5Dget_space(dataset));
  h5::check(file_space.get(), context, ("reading the dataspace of " + what).c_str());
  const hsize_t memory_elements = std::max<hsize_t>(elements, 1);
  h5::Dataspace memory_space(H5Screate_simple(1, &memory_elements, nullptr));
  h5::check(memory_space.get(), context, "creating a dataspace");
  if (participate) {
    h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
              context, ("selecting a block of " + what).c_str());
  } else {
    h5::check(H5Sselect_none(file_space.get()), context, "selecting nothing");
    h5::check(H5Sselect_none(memory_space.get()), context, "selecting nothing");
  }
  double dummy = 0;
  void* buffer = data ? data : &dummy;
  const herr_t rc = write ? H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), transfer, buffer)
                          : H5Dread(dataset, memory_type, memory_space.get(), file_space.get(), transfer, buffer);
  h5::check(rc, context, ((write ? "writing " : "reading ") + what).c_str());
}

// The first non-finite value of `values`, or -1.
std::ptrdiff_t first_non_finite(std::span<const double> values) {
  for (std::size_t k = 0; k < values.size(); ++k)
    if (!std::isfinite(values[k])) return static_cast<std::ptrdiff_t>(k);
  return -1;
}

// Grid point of local point `p` of `block` (x fastest), as "(i, j, k)" in DMDA order.
std::string point_text(const GridBlock& block, Index p) {
  std::string text = "(";
  for (std::size_t a = 0; a < block.extent.size(); ++a) {
    const Index e = std::max<Index>(block.extent[a], 1);
    text += (a ? ", " : "") + std::to_string(block.start[a] + p % e);
    p /= e;
  }
  return text + ")";
}

// Checks the layout of stored chunks of the first `cases` rows of a per-case array: each
// chunk allocated, checksummed (no filter skipped) and inside the file.
void check_chunks(hid_t group, const char* name, const std::vector<hsize_t>& dims, hsize_t cases, std::uint64_t file_size,
                  std::uint64_t& lookups, const std::string& context, const std::string& label) {
  h5::Dataset dataset(H5Dopen2(group, name, H5P_DEFAULT));
  if (!dataset.valid()) h5::fail_corrupt(context, "opening " + label);
  h5::PropertyList create(H5Dget_create_plist(dataset.get()));
  if (!create.valid()) h5::fail_corrupt(context, "reading the storage of " + label);
  if (H5Pget_layout(create.get()) != H5D_CHUNKED) return;  // contiguous/compact: checked whole
  std::vector<hsize_t> chunk(dims.size());
  if (H5Pget_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()) != static_cast<int>(chunk.size()))
    h5::fail_corrupt(context, "reading the chunk shape of " + label);
  std::vector<hsize_t> per_axis(dims.size());
  long double total = 1;
  for (std::size_t a = 0; a < dims.size(); ++a) {
    if (chunk[a] == 0) h5::fail_corrupt(context, "reading the chunk shape of " + label);
    const hsize_t extent = a == 0 ? cases : dims[a];
    per_axis[a] = extent / chunk[a] + (extent % chunk[a] != 0);
    total *= static_cast<long double>(per_axis[a]);
  }
  if (total == 0) return;
  if (total + static_cast<long double>(lookups) > static_cast<long double>(kMaxChunkLookups))
    throw Error(context + ": " + label + " is stored in more chunks than a dataset of this size needs (at most " +
                std::to_string(kMaxChunkLookups) + " chunks are looked at)");
  h5::Dataspace space(H5Dget_space(dataset.get()));
  std::vector<hsize_t> index(dims.size(), 0), offset(dims.size(), 0);
  for (;;) {
    for (std::size_t a = 0; a < dims.size(); ++a) offset[a] = index[a] * chunk[a];
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(dataset.get(), offset.data(), &mask, &address, &size) < 0)
      h5::fail_corrupt(context, "reading the chunk index of " + label);
    ++lookups;
    if (address == HADDR_UNDEF)
      throw Error(context + ": " + label + " has an unallocated chunk in case " + std::to_string(offset[0]) +
                  " (not written by petsc-fno, or truncated)");
    if (mask != 0 || address > file_size || size > file_size - address)
      throw Error(context + ": a chunk of " + label + " in case " + std::to_string(offset[0]) +
                  " lies beyond the end of the file or skips its checksum (truncated or damaged file)");
    std::size_t a = dims.size();
    while (a > 0 && ++index[a - 1] == per_axis[a - 1]) index[--a] = 0;
    if (a == 0) break;
  }
}

// h5::check_stored_dataset for a per-case array of which only the first `rows` rows must be
// stored: a chunked array may hold more rows (a recording killed after growing it and before
// growing /done, or /done's own last row before its growth was flushed), whose chunks may be
// unallocated or lie beyond the end of the file; check_chunks checks the first `rows` rows
// chunk by chunk. Every other array is checked whole by h5::check_stored_dataset.
h5::StoredDataset check_per_case(hid_t group, const char* name, std::uint64_t file_size, hsize_t rows,
                                 const std::string& context, const std::string& label) {
  if (!h5::hard_link_exists(group, name, context)) throw Error(context + ": missing " + label);
  H5O_info_t object{};
  if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    h5::fail_corrupt(context, "reading object " + label);
  if (object.type != H5O_TYPE_DATASET) throw Error(context + ": " + label + " is not a dataset");
  h5::Dataset dataset(H5Dopen2(group, name, H5P_DEFAULT));
  if (!dataset.valid()) h5::fail_corrupt(context, "opening " + label);
  h5::PropertyList create(H5Dget_create_plist(dataset.get()));
  if (!create.valid()) h5::fail_corrupt(context, "reading the storage of " + label);
  const std::vector<hsize_t> dims = dataset_dims(dataset.get(), context, label);
  if (H5Pget_layout(create.get()) != H5D_CHUNKED || dims.empty() || dims[0] <= rows)
    return h5::check_stored_dataset(group, name, file_size, context, label, 0);
  h5::StoredDataset stored;
  stored.dims = dims;
  h5::read_stored_type(dataset.get(), stored, context, label);
  h5::check_storage_kind(create.get(), context, label);
  return stored;
}

// Reads the first `rows` rows of a dataset (row = the remaining axes) converted to `memory_type`.
void read_rows(hid_t group, const char* name, hsize_t rows, const std::vector<hsize_t>& dims, hid_t memory_type,
               void* out, const std::string& context, const std::string& label) {
  h5::Dataset dataset(H5Dopen2(group, name, H5P_DEFAULT));
  if (!dataset.valid()) h5::fail_corrupt(context, "opening " + label);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  count[0] = rows;
  hsize_t elements = 1;
  for (hsize_t c : count) elements *= c;
  if (elements == 0) return;
  h5::Dataspace file_space(H5Dget_space(dataset.get()));
  h5::Dataspace memory_space(H5Screate_simple(1, &elements, nullptr));
  if (!file_space.valid() || !memory_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
      H5Dread(dataset.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, out) < 0)
    h5::fail_corrupt(context, "reading " + label);
}

// read_rows() that reports a failed read (false) instead of throwing.
bool try_read_rows(hid_t group, const char* name, hsize_t rows, const std::vector<hsize_t>& dims, hid_t memory_type,
                   void* out, const std::string& context, const std::string& label) {
  try {
    read_rows(group, name, rows, dims, memory_type, out, context, label);
    return true;
  } catch (const Error&) {
    return false;
  }
}

void check_name(const std::string& name, const char* what) {
  FNO_CHECK_AS("TrajectoryLayout", !name.empty() && name.size() <= kMaxName && name.find(',') == std::string::npos,
               what, " name '", name, "' must be 1 to ", kMaxName, " characters without a comma");
  for (char ch : name)
    FNO_CHECK_AS("TrajectoryLayout", static_cast<unsigned char>(ch) >= 0x20, what, " name '", name,
                 "' holds a control character");
}

void check_names(const std::vector<std::string>& names, const char* what) {
  FNO_CHECK_AS("TrajectoryLayout", names.size() <= kMaxNames, "more than ", kMaxNames, " ", what, " names");
  std::set<std::string> seen;
  for (const auto& n : names) {
    check_name(n, what);
    FNO_CHECK_AS("TrajectoryLayout", seen.insert(n).second, what, " '", n, "' is listed twice");
  }
}

// `subset` must be a subsequence of `components` (the same order).
void check_subset(const std::vector<std::string>& subset, const std::vector<std::string>& components, const char* what) {
  std::size_t at = 0;
  for (const auto& n : subset) {
    const auto it = std::find(components.begin(), components.end(), n);
    FNO_CHECK_AS("TrajectoryLayout", it != components.end(), what, " '", n, "' is not a component (components: ",
                 join(components), ")");
    const auto k = static_cast<std::size_t>(it - components.begin());
    FNO_CHECK_AS("TrajectoryLayout", k >= at, what, " (", join(subset), ") must be listed in component order (",
                 join(components), ")");
    at = k + 1;
  }
}

}  // namespace

// ---- layout ------------------------------------------------------------------------------

Index TrajectoryLayout::points() const {
  Index n = 1;
  for (Index e : grid) n = checked_mul(n, e, "grid points");
  return n;
}

void TrajectoryLayout::validate() const {
  FNO_CHECK_AS("TrajectoryLayout", !grid.empty() && grid.size() <= 3, "the grid has ", grid.size(),
               " axes; a DMDA has 1 to 3");
  for (Index n : grid) FNO_CHECK_AS("TrajectoryLayout", n >= 1, "grid ", grid_text(grid), " has an empty axis");
  (void)points();
  FNO_CHECK_AS("TrajectoryLayout", boundary.size() == grid.size(), "boundary lists ", boundary.size(),
               " axes for a grid of ", grid.size());
  for (const auto& b : boundary)
    FNO_CHECK_AS("TrajectoryLayout", std::find(std::begin(kBoundaries), std::end(kBoundaries), b) != std::end(kBoundaries),
                 "boundary '", b, "' is not one of none, periodic, ghosted, mirror, twist");
  FNO_CHECK_AS("TrajectoryLayout", !components.empty(), "no components");
  check_names(components, "component");
  check_names(input_fields, "input field");
  for (const auto& f : input_fields)
    FNO_CHECK_AS("TrajectoryLayout", std::find(components.begin(), components.end(), f) == components.end(),
                 "input field '", f, "' is also a component");
  check_subset(initial_inputs, components, "initial input");
  check_subset(output_fields, components, "output");
  FNO_CHECK_AS("TrajectoryLayout", !output_fields.empty(), "no output fields");
  FNO_CHECK_AS("TrajectoryLayout", !input_fields.empty() || !initial_inputs.empty(),
               "neither input fields nor initial inputs: a model would have no input");
  FNO_CHECK_AS("TrajectoryLayout", !times.empty() && times.size() <= kMaxTimes, times.size(),
               " times; 1 to ", kMaxTimes, " are expected");
  for (std::size_t k = 0; k < times.size(); ++k) {
    FNO_CHECK_AS("TrajectoryLayout", std::isfinite(times[k]), "time ", k, " is not finite");
    FNO_CHECK_AS("TrajectoryLayout", k == 0 || times[k] > times[k - 1], "times are not strictly increasing (time ", k,
                 " = ", number(times[k]), " after ", number(times[k - 1]), ")");
  }
  FNO_CHECK_AS("TrajectoryLayout", time_units.size() <= kMaxName && host.size() <= 4096, "time_units or host too long");
  check_names(parameter_names, "parameter");
  FNO_CHECK_AS("TrajectoryLayout", parameter_names.size() <= kMaxParameters, "more than ", kMaxParameters, " parameters");
}

std::string TrajectoryLayout::difference(const TrajectoryLayout& other) const {
  if (grid != other.grid || components != other.components)
    return "holds cases of a " + grid_text(grid) + " grid with components " + join(components) + "; this run has a " +
           grid_text(other.grid) + " grid with components " + join(other.components);
  if (boundary != other.boundary)
    return "holds cases of a " + grid_text(grid) + " grid with boundaries " + join(boundary) +
           "; this run has boundaries " + join(other.boundary);
  if (input_fields != other.input_fields)
    return "holds cases with input fields " + list_or(input_fields, "(none)") + "; this run has input fields " +
           list_or(other.input_fields, "(none)");
  if (initial_inputs != other.initial_inputs)
    return "holds cases whose model takes " + list_or(initial_inputs, "nothing") +
           " from the initial state; this run takes " + list_or(other.initial_inputs, "nothing");
  if (output_fields != other.output_fields)
    return "holds cases whose model predicts " + join(output_fields) + "; this run predicts " + join(other.output_fields);
  if (times.size() != other.times.size() || time_units != other.time_units)
    return "holds snapshots at " + std::to_string(times.size()) + " times from " + number(times.front()) + " to " +
           number(times.back()) + " (" + time_units + "); this run records " + std::to_string(other.times.size()) +
           " times from " + number(other.times.front()) + " to " + number(other.times.back()) + " (" +
           other.time_units + ")";
  for (std::size_t k = 0; k < times.size(); ++k)
    if (times[k] != other.times[k])
      return "holds snapshot " + std::to_string(k) + " at time " + number(times[k]) + " (" + time_units +
             "); this run records it at " + number(other.times[k]);
  if (parameter_names != other.parameter_names)
    return "holds the parameters " + list_or(parameter_names, "(none)") + " per case; this run records " +
           list_or(other.parameter_names, "(none)");
  return {};
}

Index GridBlock::points() const {
  Index n = 1;
  for (Index e : extent) n = checked_mul(n, e, "block points");
  return n;
}

std::vector<Index> TrajectoryInfo::done_cases() const {
  std::vector<Index> complete;
  for (std::size_t c = 0; c < done.size(); ++c)
    if (done[c] == 1) complete.push_back(static_cast<Index>(c));
  return complete;
}

// ---- checking a file ------------------------------------------------------------------------

TrajectoryInfo check_trajectory_file(const std::string& path) {
  const std::string context = context_of(path);
  h5::QuietErrors quiet;
  const auto [file, file_size] = h5::open_untrusted(path, context);
  h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
  if (!root.valid()) h5::fail_corrupt(context, "opening the root group");

  const htri_t has_schema = H5Aexists(root.get(), "schema");
  if (has_schema < 0) h5::fail_corrupt(context, "looking up attribute 'schema'");
  if (has_schema == 0) throw Error(context + ": no 'schema' attribute; not a petsc-fno dataset");
  const std::string schema = read_string_attribute(root.get(), "schema", context, "the root group");
  if (schema != kTrajectorySchema)
    throw Error(context + ": schema is '" + schema + "', not '" + kTrajectorySchema + "'");

  TrajectoryInfo info;
  TrajectoryLayout& layout = info.layout;
  layout.grid = read_ints_attribute(root.get(), "grid", 3, context, "the root group");
  for (Index n : layout.grid)
    if (n < 1 || n > (Index{1} << 31))
      throw Error(context + ": grid " + grid_text(layout.grid) + " has an axis of " + std::to_string(n) + " cells");
  layout.boundary = read_names_attribute(root.get(), "boundary", context, "the root group");
  layout.components = read_names_attribute(root.get(), "components", context, "the root group");
  layout.input_fields = read_names_attribute(root.get(), "input_fields", context, "the root group");
  layout.initial_inputs = read_names_attribute(root.get(), "initial_inputs", context, "the root group");
  layout.output_fields = read_names_attribute(root.get(), "output_fields", context, "the root group");
  layout.time_units = read_string_attribute(root.get(), "time_units", context, "the root group");
  layout.host = read_string_attribute(root.get(), "host", context, "the root group");

  // /times [T]
  const h5::StoredDataset times = h5::check_stored_dataset(root.get(), "times", file_size, context, "/times");
  if (!times.ieee_float || times.dims.size() != 1 || times.dims[0] < 1 || times.dims[0] > kMaxTimes)
    throw Error(context + ": /times is not a list of 1 to " + std::to_string(kMaxTimes) + " floating-point times");
  layout.times.resize(static_cast<std::size_t>(times.dims[0]));
  read_rows(root.get(), "times", times.dims[0], times.dims, H5T_NATIVE_DOUBLE, layout.times.data(), context, "/times");

  // /done [case] sets the case count; the other per-case arrays hold at least as many rows.
  // Its growth is a recording's commit point (TrajectoryWriter grows and flushes the other
  // arrays first), so only its last row may be missing from storage or unreadable: a
  // recording killed while HDF5 flushed its growth. That case is not done.
  hsize_t cases = 0;
  const h5::StoredDataset done = [&] {
    h5::StoredDataset stored;
    {
      h5::Dataset dataset(H5Dopen2(root.get(), "done", H5P_DEFAULT));
      if (dataset.valid()) {
        const std::vector<hsize_t> dims = dataset_dims(dataset.get(), context, "/done");
        cases = dims.size() == 1 ? dims[0] : 0;
      }
    }
    stored = check_per_case(root.get(), "done", file_size, cases > 0 ? cases - 1 : 0, context, "/done");
    if (stored.type_class != H5T_INTEGER || stored.dims.size() != 1)
      throw Error(context + ": /done is not a list of integer flags");
    cases = stored.dims[0];
    return stored;
  }();
  info.cases = static_cast<Index>(cases);

  // /parameters [case][parameter], with the attribute parameter_names
  const h5::StoredDataset parameters =
      check_per_case(root.get(), "parameters", file_size, cases, context, "/parameters");
  if (!parameters.ieee_float || parameters.dims.size() != 2 || parameters.dims[1] > kMaxParameters)
    throw Error(context + ": /parameters is not a floating-point [case][parameter] array of at most " +
                std::to_string(kMaxParameters) + " parameters");
  {
    h5::Dataset dataset(H5Dopen2(root.get(), "parameters", H5P_DEFAULT));
    if (!dataset.valid()) h5::fail_corrupt(context, "opening /parameters");
    layout.parameter_names = read_names_attribute(dataset.get(), "parameter_names", context, "/parameters");
  }
  if (layout.parameter_names.size() != parameters.dims[1])
    throw Error(context + ": /parameters has " + std::to_string(parameters.dims[1]) + " columns but parameter_names lists " +
                std::to_string(layout.parameter_names.size()));
  try {
    layout.validate();
  } catch (const Error& e) {
    throw Error(context + ": " + e.what());
  }

  auto require_rows = [&](const h5::StoredDataset& stored, const std::string& label) {
    if (stored.dims.empty() || stored.dims[0] < cases)
      throw Error(context + ": " + label + " holds " + (stored.dims.empty() ? "no" : std::to_string(stored.dims[0])) +
                  " cases but /done " + std::to_string(cases));
  };
  require_rows(parameters, "/parameters");
  const h5::StoredDataset seeds = check_per_case(root.get(), "seeds", file_size, cases, context, "/seeds");
  if (seeds.type_class != H5T_INTEGER || seeds.dims.size() != 1) throw Error(context + ": /seeds is not a list of integers");
  require_rows(seeds, "/seeds");

  const auto C = static_cast<hsize_t>(layout.components.size());
  const auto F = static_cast<hsize_t>(layout.input_fields.size());
  const auto T = static_cast<hsize_t>(layout.times.size());
  struct Field {
    const char* name;
    std::vector<hsize_t> lead;
  };
  std::vector<Field> fields{{"initial", {C}}, {"outputs", {T, C}}};
  if (F > 0) fields.push_back({"inputs", {F}});
  std::uint64_t lookups = 0;
  for (const Field& f : fields) {
    const std::string label = std::string("/") + f.name;
    const h5::StoredDataset stored = check_per_case(root.get(), f.name, file_size, cases, context, label);
    if (!stored.ieee_float) throw Error(context + ": " + label + " is not stored as IEEE floating point");
    std::vector<hsize_t> expected = file_dims(cases, f.lead, layout.grid);
    require_rows(stored, label);
    expected[0] = stored.dims[0];
    if (stored.dims != expected) {
      std::vector<Index> have(stored.dims.begin(), stored.dims.end()), want(expected.begin(), expected.end());
      throw Error(context + ": " + label + " has shape " + grid_text(have) + " but the attributes imply " +
                  grid_text(want) + " ([case]" + (f.lead.size() == 2 ? "[time]" : "") +
                  "[component or field][grid, x fastest])");
    }
    check_chunks(root.get(), f.name, stored.dims, cases, file_size, lookups, context, label);
  }
  check_chunks(root.get(), "seeds", seeds.dims, cases, file_size, lookups, context, "/seeds");
  check_chunks(root.get(), "parameters", parameters.dims, cases, file_size, lookups, context, "/parameters");
  check_chunks(root.get(), "done", done.dims, cases > 0 ? cases - 1 : 0, file_size, lookups, context, "/done");

  // Every row of /done, or, when that read fails, every row but the last (which is then a
  // case whose growth was not flushed completely: not done).
  std::vector<std::int64_t> flags(static_cast<std::size_t>(cases));
  if (!try_read_rows(root.get(), "done", cases, done.dims, H5T_NATIVE_INT64, flags.data(), context, "/done")) {
    read_rows(root.get(), "done", cases - 1, done.dims, H5T_NATIVE_INT64, flags.data(), context, "/done");
    flags.back() = 0;
  }
  info.done.resize(flags.size());
  for (std::size_t c = 0; c < flags.size(); ++c) {
    if (flags[c] != 0 && flags[c] != 1)
      throw Error(context + ": /done holds " + std::to_string(flags[c]) + " for case " + std::to_string(c) +
                  " (0 or 1 expected)");
    info.done[c] = static_cast<std::int8_t>(flags[c]);
  }
  info.seeds.resize(static_cast<std::size_t>(cases));
  read_rows(root.get(), "seeds", cases, seeds.dims, H5T_NATIVE_INT64, info.seeds.data(), context, "/seeds");
  const auto P = static_cast<std::size_t>(parameters.dims[1]);
  std::vector<double> table(static_cast<std::size_t>(cases) * P);
  read_rows(root.get(), "parameters", cases, parameters.dims, H5T_NATIVE_DOUBLE, table.data(), context, "/parameters");
  info.parameters.resize(static_cast<std::size_t>(cases));
  for (std::size_t c = 0; c < info.parameters.size(); ++c) {
    info.parameters[c].assign(table.begin() + static_cast<std::ptrdiff_t>(c * P),
                              table.begin() + static_cast<std::ptrdiff_t>((c + 1) * P));
    if (info.done[c] == 0) continue;
    const std::ptrdiff_t bad = first_non_finite(info.parameters[c]);
    if (bad >= 0)
      throw Error(context + ": case " + std::to_string(c) + ": parameter '" +
                  layout.parameter_names[static_cast<std::size_t>(bad)] + "' is not finite (" +
                  number(info.parameters[c][static_cast<std::size_t>(bad)]) + ")");
  }
  return info;
}

bool is_trajectory_file(const std::string& path) {
  try {
    h5::QuietErrors quiet;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) return false;
    const h5::FileFormat format = h5::probe_format(path, size);
    if (!format.hdf5 || format.superblock_version < 2 || format.superblock_version > 3) return false;
    h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) return false;
    h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
    if (!root.valid() || H5Aexists(root.get(), "schema") <= 0) return false;
    return read_string_attribute(root.get(), "schema", context_of(path), "the root group") == kTrajectorySchema;
  } catch (const std::exception&) {
    return false;
  }
}

TrajectoryInfo inspect_trajectory_file(MPI_Comm comm, const std::string& path) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  std::string error, packed;
  if (rank == 0) {
    try {
      const TrajectoryInfo info = check_trajectory_file(path);
      Packer p;
      pack_layout(p, info.layout);
      p.integer(info.cases);
      for (std::size_t c = 0; c < info.done.size(); ++c) {
        p.integer(info.done[c]);
        p.integer(info.seeds[c]);
        for (double v : info.parameters[c]) p.real(v);
      }
      packed = std::move(p.bytes());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree_on_error(comm, error);
  broadcast_string(comm, packed, 0);
  Unpacker u(packed);
  TrajectoryInfo info;
  info.layout = unpack_layout(u);
  info.cases = u.integer();
  const auto cases = static_cast<std::size_t>(info.cases);
  info.done.resize(cases);
  info.seeds.resize(cases);
  info.parameters.assign(cases, std::vector<double>(info.layout.parameter_names.size()));
  for (std::size_t c = 0; c < cases; ++c) {
    info.done[c] = static_cast<std::int8_t>(u.integer());
    info.seeds[c] = u.integer();
    for (double& v : info.parameters[c]) v = u.real();
  }
  return info;
}

// ---- writing -------------------------------------------------------------------------------

namespace {

h5::PropertyList collective_transfer(const std::string& context) {
  h5::PropertyList transfer(H5Pcreate(H5P_DATASET_XFER));
  h5::check(transfer.get(), context, "creating a transfer property list");
  h5::check(H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE), context, "selecting collective transfers");
  return transfer;
}

h5::PropertyList parallel_access(MPI_Comm comm, const std::string& context) {
  h5::PropertyList access(H5Pcreate(H5P_FILE_ACCESS));
  h5::check(access.get(), context, "creating a file-access property list");
  h5::check(H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL), context, "selecting MPI-IO");
  h5::check(h5::use_checksummed_format(access.get()), context, "selecting the checksummed 1.10 file format");
  return access;
}

h5::Dataset open_dataset(hid_t file, const char* name, const std::string& context) {
  h5::Dataset dataset(H5Dopen2(file, name, H5P_DEFAULT));
  h5::check(dataset.get(), context, (std::string("opening /") + name).c_str());
  return dataset;
}

void flush(hid_t file, const std::string& context) {
  h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), context, "flushing the file");
}

// Sets the case count (extent of the first axis) of /name to `rows` when it differs. With
// early allocation, growing allocates (and fills) every chunk of the new rows and shrinking
// frees the chunks of the dropped ones.
void set_cases(hid_t file, const char* name, hsize_t rows, const std::string& context) {
  h5::Dataset dataset = open_dataset(file, name, context);
  std::vector<hsize_t> dims = dataset_dims(dataset.get(), context, std::string("/") + name);
  if (dims.empty()) throw Error(context + ": /" + name + " is a scalar");
  if (dims[0] == rows) return;
  const bool grow = dims[0] < rows;
  dims[0] = rows;
  h5::check(H5Dset_extent(dataset.get(), dims.data()), context,
            (std::string(grow ? "adding a case to /" : "dropping unfinished rows of /") + name +
             (grow ? " (a dataset that cannot grow?)" : ""))
                .c_str());
}

// Writes done[c] = flag (rank 0's selection; collective).
void write_done(hid_t file, Index c, std::int8_t flag, int rank, const std::string& context) {
  h5::Dataset done = open_dataset(file, "done", context);
  h5::PropertyList transfer = collective_transfer(context);
  transfer_slab(true, done.get(), H5T_NATIVE_INT8, {static_cast<hsize_t>(c)}, {1}, &flag, rank == 0, transfer.get(),
                context, "/done");
}

// A recording killed while HDF5 flushed may leave chunks and metadata past the end of
// allocated space that the superblock records (its EOA), referred to by rows beyond the case
// count. The next recording drops those rows; so that it allocates nothing on top of them
// meanwhile, the EOA is first raised to the file's size. Serial (the MPI-IO driver cannot
// change the EOA), on rank 0 before the file is opened in parallel, and only when needed.
void cover_whole_file(const std::string& path, const std::string& context) {
  h5::QuietErrors quiet;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(context + ": cannot determine its size (" + ec.message() + ")");
  haddr_t eoa = HADDR_UNDEF;
  {
    h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    h5::check(file.get(), context, "opening the file");
    h5::check(H5Fget_eoa(file.get(), &eoa), context, "reading the file's allocated size");
  }
  if (eoa != HADDR_UNDEF && eoa >= size) return;
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  h5::check(file.get(), context, "opening the file to repair it");
  h5::check(H5Fincrement_filesize(file.get(), 0), context, "extending the file's allocated space to its size");
  h5::check(H5Fclose(file.release()), context, "closing the repaired file");
}

// For the message that refuses to append to a file check_trajectory_file() refused: how many
// cases its /done lists as done, when HDF5 can still read /done (else empty). Never throws.
std::string done_cases_hint(const std::string& path) {
  try {
    h5::QuietErrors quiet;
    h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) return {};
    h5::Dataset done(H5Dopen2(file.get(), "done", H5P_DEFAULT));
    if (!done.valid()) return {};
    const std::vector<hsize_t> dims = dataset_dims(done.get(), "", "/done");
    if (dims.size() != 1 || dims[0] > (hsize_t{1} << 24)) return {};
    for (hsize_t rows : {dims[0], dims[0] > 0 ? dims[0] - 1 : 0}) {
      std::vector<std::int8_t> flags(static_cast<std::size_t>(rows));
      if (!try_read_rows(file.get(), "done", rows, dims, H5T_NATIVE_INT8, flags.data(), "", "/done")) continue;
      const auto count = std::count(flags.begin(), flags.end(), std::int8_t{1});
      return " (its /done still reads as " + std::to_string(count) + " done case" + (count == 1 ? "" : "s") +
             " of " + std::to_string(dims[0]) + ")";
    }
  } catch (const std::exception&) {
  }
  return {};
}

}  // namespace

TrajectoryWriter::TrajectoryWriter(MPI_Comm comm, const std::string& path, const TrajectoryLayout& layout,
                                   GridBlock block)
    : comm_(comm), path_(path), layout_(layout), block_(std::move(block)) {
  const std::string context = context_of(path_);
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm_, &rank));
  // Arguments: a valid layout, the same on every rank; blocks inside the grid tiling it.
  Index local_points = 0;
  on_every_rank(comm_, [&] {
    try {
      layout_.validate();
    } catch (const Error& e) {
      throw Error(context + ": cannot record: " + e.what());
    }
    const std::size_t axes = layout_.grid.size();
    if (block_.start.size() != axes || block_.extent.size() != axes)
      throw Error(context + ": a rank's block has " + std::to_string(block_.start.size()) + "/" +
                  std::to_string(block_.extent.size()) + " axes for a grid of " + std::to_string(axes));
    for (std::size_t a = 0; a < axes; ++a)
      if (block_.start[a] < 0 || block_.extent[a] < 0 || block_.start[a] + block_.extent[a] > layout_.grid[a])
        throw Error(context + ": a rank's block [" + std::to_string(block_.start[a]) + ", " +
                    std::to_string(block_.start[a] + block_.extent[a]) + ") leaves axis " + std::to_string(a) +
                    " of the " + grid_text(layout_.grid) + " grid");
    local_points = block_.points();
  });
  {
    Packer p;
    pack_layout(p, layout_);
    std::string root_layout = p.bytes();
    broadcast_string(comm_, root_layout, 0);
    agree_on_error(comm_, root_layout == p.bytes() ? std::string()
                                                   : context + ": rank " + std::to_string(rank) +
                                                         " passed a different layout (grid, fields or times) than rank 0");
    Index total = 0;
    FNO_MPI(MPI_Allreduce(&local_points, &total, 1, MPI_INT64_T, MPI_SUM, comm_));
    if (total != layout_.points())
      throw Error(context + ": the ranks' blocks hold " + std::to_string(total) + " points of a grid of " +
                  std::to_string(layout_.points()) + "; they must tile it");
  }

  // Rank 0 decides: create the file, or append to (or reuse a case of) a matching dataset.
  std::int64_t plan[4] = {0, 0, 0, 0};  // {create, case, cases, rank 0's process id}
  {
    std::string error;
    if (rank == 0) {
      try {
        std::error_code ec;
        if (!std::filesystem::exists(path_, ec)) {
          plan[0] = 1;
          plan[3] = static_cast<std::int64_t>(getpid());
        } else {
          TrajectoryInfo info;
          try {
            info = check_trajectory_file(path_);
          } catch (const Error& e) {
            throw Error(std::string(e.what()) + "; cannot append a recording to it" + done_cases_hint(path_) +
                        ": record into a new file (a recording killed while HDF5 flushed the file can leave a file no "
                        "reader accepts; README \"Datasets of recorded trajectories\", Writing)");
          }
          const std::string diff = info.layout.difference(layout_);
          if (!diff.empty())
            throw Error(context + " " + diff + "; append only recordings of the same grid, fields and times " +
                        "(or record into a new file)");
          if (std::find(info.done.begin(), info.done.end(), std::int8_t{1}) == info.done.end()) {
            // No case was ever finished (e.g. the first recording was killed while HDF5 flushed
            // the first growth, which can leave index metadata no later writer can change):
            // nothing is lost by making the file again.
            std::filesystem::remove(path_, ec);
            if (ec) throw Error(context + ": cannot replace the empty dataset (" + ec.message() + ")");
            plan[0] = 1;
            plan[3] = static_cast<std::int64_t>(getpid());
          } else {
            const auto not_done = std::find(info.done.begin(), info.done.end(), std::int8_t{0});
            plan[1] = static_cast<std::int64_t>(not_done - info.done.begin());
            plan[2] = info.cases;
            cover_whole_file(path_, context);
          }
        }
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    agree_on_error(comm_, error);
    FNO_MPI(MPI_Bcast(plan, 4, MPI_INT64_T, 0, comm_));
  }
  case_ = plan[1];
  written_.assign(3 + layout_.times.size(), false);
  if (layout_.input_fields.empty()) written_[1] = true;

  const std::string creating = path_ + ".tmp." + std::to_string(plan[3]);
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    h5::PropertyList access = parallel_access(comm_, context);
    const auto C = static_cast<hsize_t>(layout_.components.size());
    const auto F = static_cast<hsize_t>(layout_.input_fields.size());
    const auto T = static_cast<hsize_t>(layout_.times.size());
    const auto P = static_cast<hsize_t>(layout_.parameter_names.size());
    if (plan[0]) {
      h5::PropertyList create = h5::compact_file_creation();
      h5::check(create.get(), context, "preparing the file's creation properties");
      // A new file is made under a temporary name and renamed once its structure is flushed
      // (below): a recording killed while creating it leaves no file at `path` (at most a
      // stray `path.tmp.PID`), so the next recording simply creates it again.
      file_ = h5::File(H5Fcreate(creating.c_str(), H5F_ACC_EXCL, create.get(), access.get()));
      h5::check(file_.get(), context, "creating the file");
      h5::Group root(H5Gopen2(file_.get(), "/", H5P_DEFAULT));
      h5::check(root.get(), context, "opening the root group");
      write_string_attribute(root.get(), "schema", kTrajectorySchema, context);
      write_ints_attribute(root.get(), "grid", layout_.grid, context);
      write_string_attribute(root.get(), "boundary", join(layout_.boundary), context);
      write_string_attribute(root.get(), "components", join(layout_.components), context);
      write_string_attribute(root.get(), "input_fields", join(layout_.input_fields), context);
      write_string_attribute(root.get(), "initial_inputs", join(layout_.initial_inputs), context);
      write_string_attribute(root.get(), "output_fields", join(layout_.output_fields), context);
      write_string_attribute(root.get(), "time_units", layout_.time_units, context);
      write_string_attribute(root.get(), "host", layout_.host, context);
      const double zero = 0;
      const std::int64_t no_seed = -1;
      const std::int8_t not_done = 0;
      create_per_case(file_.get(), "initial", H5T_IEEE_F64LE, file_dims(0, {C}, layout_.grid), 1, &zero, context);
      if (F > 0)
        create_per_case(file_.get(), "inputs", H5T_IEEE_F64LE, file_dims(0, {F}, layout_.grid), 1, &zero, context);
      create_per_case(file_.get(), "outputs", H5T_IEEE_F64LE, file_dims(0, {T, C}, layout_.grid), 2, &zero, context);
      create_per_case(file_.get(), "seeds", H5T_STD_I64LE, {0}, 1, &no_seed, context);
      {
        h5::Dataset parameters =
            create_per_case(file_.get(), "parameters", H5T_IEEE_F64LE, {0, P}, 1, &zero, context);
        write_string_attribute(parameters.get(), "parameter_names", join(layout_.parameter_names), context);
      }
      create_per_case(file_.get(), "done", H5T_STD_I8LE, {0}, 1, &not_done, context);
      // /times: one checksummed chunk, written by rank 0.
      const std::vector<hsize_t> dims{T};
      h5::Dataspace space(H5Screate_simple(1, dims.data(), nullptr));
      h5::PropertyList times_create = h5::checksummed_dataset_creation(dims, sizeof(double));
      h5::check(times_create.get(), context, "preparing /times");
      h5::Dataset times(H5Dcreate2(file_.get(), "times", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, times_create.get(),
                                   H5P_DEFAULT));
      h5::check(times.get(), context, "creating /times");
      write_string_attribute(times.get(), "units", layout_.time_units, context);
      h5::PropertyList transfer = collective_transfer(context);
      transfer_slab(true, times.get(), H5T_NATIVE_DOUBLE, {0}, {T}, layout_.times.data(), rank == 0, transfer.get(),
                    context, "/times");
      // The structure is on disk: give the file its name (the open handles stay valid).
      h5::check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), context, "flushing the new file");
      FNO_MPI(MPI_Barrier(comm_));
      std::int32_t renamed = 1;
      std::string why;
      if (rank == 0) {
        std::error_code ec;
        if (std::filesystem::exists(path_, ec)) {
          renamed = 0;
          why = "another program created it meanwhile";
        } else {
          std::filesystem::rename(creating, path_, ec);
          if (ec) {
            renamed = 0;
            why = ec.message();
          }
        }
      }
      FNO_MPI(MPI_Bcast(&renamed, 1, MPI_INT32_T, 0, comm_));
      if (!renamed)
        throw Error(context + ": could not give the new dataset its name (renaming '" + creating + "'" +
                    (why.empty() ? std::string() : ": " + why) + ")");
    } else {
      file_ = h5::File(H5Fopen(path_.c_str(), H5F_ACC_RDWR, access.get()));
      h5::check(file_.get(), context, "opening the file for appending");
    }
    // The case count is /done's extent; its growth is the commit point. The rows every array
    // keeps: the first `cases` (done cases, and an unfinished case before the last that is
    // reused), or all but the last when the last case is the one reused: it is added again,
    // since its rows may be partly allocated. /done shrinks first (flushed), then the other
    // arrays drop their rows beyond it (a recording killed after growing them) and grow to
    // hold case_, flushed, and only then /done grows to the new case count, flushed. A kill
    // anywhere leaves /done's extent at a count whose rows are stored in every array.
    const auto cases = static_cast<hsize_t>(plan[2]);
    const hsize_t keep = static_cast<hsize_t>(case_) + 1 == cases ? cases - 1 : cases;
    const hsize_t needed = std::max(cases, static_cast<hsize_t>(case_) + 1);
    const std::vector<const char*> data_arrays =
        F > 0 ? std::vector<const char*>{"initial", "inputs", "outputs", "seeds", "parameters"}
              : std::vector<const char*>{"initial", "outputs", "seeds", "parameters"};
    set_cases(file_.get(), "done", keep, context);
    flush(file_.get(), context);
    for (const char* name : data_arrays) set_cases(file_.get(), name, keep, context);
    for (const char* name : data_arrays) set_cases(file_.get(), name, needed, context);
    flush(file_.get(), context);
    set_cases(file_.get(), "done", needed, context);  // new rows hold the fill value 0: not done
    flush(file_.get(), context);
  });
}

TrajectoryWriter::~TrajectoryWriter() {
  h5::QuietErrors quiet;
  file_.close();
}

void TrajectoryWriter::write_initial(std::span<const double> values) {
  const std::string context = context_of(path_) + ", case " + std::to_string(case_);
  on_every_rank(comm_, [&] {
    const auto C = static_cast<Index>(layout_.components.size());
    if (static_cast<Index>(values.size()) != C * block_.points())
      throw Error(context + ": the initial state has " + std::to_string(values.size()) + " values on a rank whose block holds " +
                  std::to_string(block_.points()) + " points of " + std::to_string(C) + " components");
    const std::ptrdiff_t bad = first_non_finite(values);
    if (bad >= 0)
      throw Error(context + ": the initial state of component '" +
                  layout_.components[static_cast<std::size_t>(bad / std::max<Index>(block_.points(), 1))] +
                  "' is not finite (" + number(values[static_cast<std::size_t>(bad)]) + ") at grid point " +
                  point_text(block_, bad % std::max<Index>(block_.points(), 1)));
  });
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    h5::Dataset dataset = open_dataset(file_.get(), "initial", context);
    h5::PropertyList transfer = collective_transfer(context);
    std::vector<hsize_t> start{static_cast<hsize_t>(case_), 0}, count{1, layout_.components.size()};
    for (std::size_t a = block_.start.size(); a-- > 0;) {
      start.push_back(static_cast<hsize_t>(block_.start[a]));
      count.push_back(static_cast<hsize_t>(block_.extent[a]));
    }
    transfer_slab(true, dataset.get(), H5T_NATIVE_DOUBLE, start, count, const_cast<double*>(values.data()), true,
                  transfer.get(), context, "/initial");
  });
  written_[0] = true;
}

void TrajectoryWriter::write_inputs(std::span<const double> values) {
  const std::string context = context_of(path_) + ", case " + std::to_string(case_);
  const auto F = static_cast<Index>(layout_.input_fields.size());
  on_every_rank(comm_, [&] {
    if (static_cast<Index>(values.size()) != F * block_.points())
      throw Error(context + ": the input fields have " + std::to_string(values.size()) +
                  " values on a rank whose block holds " + std::to_string(block_.points()) + " points of " +
                  std::to_string(F) + " fields");
    const std::ptrdiff_t bad = first_non_finite(values);
    if (bad >= 0)
      throw Error(context + ": input field '" +
                  layout_.input_fields[static_cast<std::size_t>(bad / std::max<Index>(block_.points(), 1))] +
                  "' is not finite (" + number(values[static_cast<std::size_t>(bad)]) + ") at grid point " +
                  point_text(block_, bad % std::max<Index>(block_.points(), 1)));
  });
  if (F == 0) return;
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    h5::Dataset dataset = open_dataset(file_.get(), "inputs", context);
    h5::PropertyList transfer = collective_transfer(context);
    std::vector<hsize_t> start{static_cast<hsize_t>(case_), 0}, count{1, static_cast<hsize_t>(F)};
    for (std::size_t a = block_.start.size(); a-- > 0;) {
      start.push_back(static_cast<hsize_t>(block_.start[a]));
      count.push_back(static_cast<hsize_t>(block_.extent[a]));
    }
    transfer_slab(true, dataset.get(), H5T_NATIVE_DOUBLE, start, count, const_cast<double*>(values.data()), true,
                  transfer.get(), context, "/inputs");
  });
  written_[1] = true;
}

void TrajectoryWriter::write_snapshot(Index k, std::span<const double> values) {
  const std::string context = context_of(path_) + ", case " + std::to_string(case_);
  const auto C = static_cast<Index>(layout_.components.size());
  const auto T = static_cast<Index>(layout_.times.size());
  on_every_rank(comm_, [&] {
    if (k < 0 || k >= T)
      throw Error(context + ": snapshot " + std::to_string(k) + " is not one of the " + std::to_string(T) + " times");
    if (static_cast<Index>(values.size()) != C * block_.points())
      throw Error(context + ": snapshot " + std::to_string(k) + " has " + std::to_string(values.size()) +
                  " values on a rank whose block holds " + std::to_string(block_.points()) + " points of " +
                  std::to_string(C) + " components");
    const std::ptrdiff_t bad = first_non_finite(values);
    if (bad >= 0)
      throw Error(context + ": the state at time " + number(layout_.times[static_cast<std::size_t>(k)]) +
                  " (snapshot " + std::to_string(k) + "), component '" +
                  layout_.components[static_cast<std::size_t>(bad / std::max<Index>(block_.points(), 1))] +
                  "', is not finite (" + number(values[static_cast<std::size_t>(bad)]) + ") at grid point " +
                  point_text(block_, bad % std::max<Index>(block_.points(), 1)));
  });
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    h5::Dataset dataset = open_dataset(file_.get(), "outputs", context);
    h5::PropertyList transfer = collective_transfer(context);
    std::vector<hsize_t> start{static_cast<hsize_t>(case_), static_cast<hsize_t>(k), 0},
        count{1, 1, static_cast<hsize_t>(C)};
    for (std::size_t a = block_.start.size(); a-- > 0;) {
      start.push_back(static_cast<hsize_t>(block_.start[a]));
      count.push_back(static_cast<hsize_t>(block_.extent[a]));
    }
    transfer_slab(true, dataset.get(), H5T_NATIVE_DOUBLE, start, count, const_cast<double*>(values.data()), true,
                  transfer.get(), context, "/outputs");
  });
  written_[3 + static_cast<std::size_t>(k)] = true;
}

void TrajectoryWriter::write_record(std::int64_t seed, std::span<const double> parameters) {
  const std::string context = context_of(path_) + ", case " + std::to_string(case_);
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm_, &rank));
  on_every_rank(comm_, [&] {
    if (parameters.size() != layout_.parameter_names.size())
      throw Error(context + ": " + std::to_string(parameters.size()) + " parameters given for the " +
                  std::to_string(layout_.parameter_names.size()) + " names " + join(layout_.parameter_names));
    const std::ptrdiff_t bad = first_non_finite(parameters);
    if (bad >= 0)
      throw Error(context + ": parameter '" + layout_.parameter_names[static_cast<std::size_t>(bad)] +
                  "' is not finite (" + number(parameters[static_cast<std::size_t>(bad)]) + ")");
  });
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    h5::PropertyList transfer = collective_transfer(context);
    h5::Dataset seeds = open_dataset(file_.get(), "seeds", context);
    std::int64_t value = seed;
    transfer_slab(true, seeds.get(), H5T_NATIVE_INT64, {static_cast<hsize_t>(case_)}, {1}, &value, rank == 0,
                  transfer.get(), context, "/seeds");
    h5::Dataset table = open_dataset(file_.get(), "parameters", context);
    transfer_slab(true, table.get(), H5T_NATIVE_DOUBLE, {static_cast<hsize_t>(case_), 0}, {1, parameters.size()},
                  const_cast<double*>(parameters.data()), rank == 0, transfer.get(), context, "/parameters");
  });
  written_[2] = true;
}

void TrajectoryWriter::mark_done() {
  const std::string context = context_of(path_) + ", case " + std::to_string(case_);
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm_, &rank));
  std::string missing;
  if (!written_[0]) missing = "the initial state";
  else if (!written_[1]) missing = "the input fields";
  else if (!written_[2]) missing = "the record (seed and parameters)";
  for (std::size_t k = 3; missing.empty() && k < written_.size(); ++k)
    if (!written_[k])
      missing = "the snapshot at time " + number(layout_.times[k - 3]) + " (snapshot " + std::to_string(k - 3) + ")";
  agree_on_error(comm_, missing.empty() ? std::string() : context + ": cannot mark the case done: " + missing + " was not written");
  on_every_rank(comm_, [&] {
    h5::QuietErrors quiet;
    flush(file_.get(), context);
    write_done(file_.get(), case_, 1, rank, context);
    flush(file_.get(), context);
  });
}

// ---- reading -------------------------------------------------------------------------------

TrajectoryReader::TrajectoryReader(MPI_Comm comm, const std::string& path, TrajectoryInfo info)
    : info_(std::move(info)), path_(path) {
  const std::string context = context_of(path_);
  on_every_rank(comm, [&] {
    h5::QuietErrors quiet;
    h5::PropertyList access(H5Pcreate(H5P_FILE_ACCESS));
    h5::check(access.get(), context, "creating a file-access property list");
    h5::check(H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL), context, "selecting MPI-IO");
    file_ = h5::File(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, access.get()));
    h5::check(file_.get(), context, "opening the file on every rank");
    initial_ = open_dataset(file_.get(), "initial", context);
    outputs_ = open_dataset(file_.get(), "outputs", context);
    if (!info_.layout.input_fields.empty()) inputs_ = open_dataset(file_.get(), "inputs", context);
  });
}

void TrajectoryReader::read_block(const h5::Dataset& dataset, const char* name, Index c, std::vector<Index> lead,
                                  Index count, const GridBlock& block, double* out) const {
  const std::string context = context_of(path_) + ": case " + std::to_string(c);
  std::vector<hsize_t> start{static_cast<hsize_t>(c)}, extent{1};
  for (Index l : lead) {
    start.push_back(static_cast<hsize_t>(l));
    extent.push_back(1);
  }
  start.push_back(0);
  extent.push_back(static_cast<hsize_t>(count));
  for (std::size_t a = block.start.size(); a-- > 0;) {
    start.push_back(static_cast<hsize_t>(block.start[a]));
    extent.push_back(static_cast<hsize_t>(block.extent[a]));
  }
  h5::QuietErrors quiet;
  transfer_slab(false, dataset.get(), H5T_NATIVE_DOUBLE, start, extent, out, true, H5P_DEFAULT, context,
                std::string("/") + name + " (a checksum mismatch means the file is damaged)");
}

namespace {

void check_read_arguments(const TrajectoryInfo& info, const std::string& path, Index c, const GridBlock& block) {
  const std::string context = context_of(path);
  if (c < 0 || c >= info.cases || info.done[static_cast<std::size_t>(c)] != 1)
    throw Error(context + ": case " + std::to_string(c) + " is not a complete case (the dataset holds " +
                std::to_string(info.cases) + " cases, " + std::to_string(info.done_cases().size()) + " done)");
  const auto& grid = info.layout.grid;
  bool inside = block.start.size() == grid.size() && block.extent.size() == grid.size();
  for (std::size_t a = 0; inside && a < grid.size(); ++a)
    inside = block.start[a] >= 0 && block.extent[a] >= 0 && block.start[a] + block.extent[a] <= grid[a];
  if (!inside) throw Error(context + ": a block to read lies outside the " + grid_text(grid) + " grid");
}

// Copies the listed rows (components) of `all` [rows][points] to `out` and checks them finite.
void pick_rows(const std::vector<double>& all, Index points, std::span<const Index> rows, Index total_rows, double* out,
               const std::string& what_prefix, const std::vector<std::string>& row_names, const GridBlock& block) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Index row = rows[r];
    if (row < 0 || row >= total_rows)
      throw Error(what_prefix + ": component index " + std::to_string(row) + " is out of range");
    const double* from = all.data() + row * points;
    const std::ptrdiff_t bad = first_non_finite({from, static_cast<std::size_t>(points)});
    if (bad >= 0)
      throw Error(what_prefix + ", component '" + row_names[static_cast<std::size_t>(row)] +
                  "' holds a non-finite value (" + number(from[bad]) + ") at grid point " + point_text(block, bad));
    std::copy(from, from + points, out + static_cast<Index>(r) * points);
  }
}

}  // namespace

void TrajectoryReader::read_initial(Index c, const GridBlock& block, std::span<const Index> components,
                                    std::span<double> out) const {
  check_read_arguments(info_, path_, c, block);
  const Index points = block.points();
  const auto C = static_cast<Index>(info_.layout.components.size());
  if (static_cast<Index>(out.size()) != static_cast<Index>(components.size()) * points)
    throw Error(context_of(path_) + ": read_initial: the output holds " + std::to_string(out.size()) + " values, not " +
                std::to_string(static_cast<Index>(components.size()) * points));
  std::vector<double> all(static_cast<std::size_t>(C * points));
  read_block(initial_, "initial", c, {}, C, block, all.data());
  pick_rows(all, points, components, C, out.data(), context_of(path_) + ": case " + std::to_string(c) + ": /initial",
            info_.layout.components, block);
}

void TrajectoryReader::read_inputs(Index c, const GridBlock& block, std::span<double> out) const {
  check_read_arguments(info_, path_, c, block);
  const Index points = block.points();
  const auto F = static_cast<Index>(info_.layout.input_fields.size());
  if (static_cast<Index>(out.size()) != F * points)
    throw Error(context_of(path_) + ": read_inputs: the output holds " + std::to_string(out.size()) + " values, not " +
                std::to_string(F * points));
  if (F == 0) return;
  std::vector<double> all(static_cast<std::size_t>(F * points));
  read_block(inputs_, "inputs", c, {}, F, block, all.data());
  std::vector<Index> rows(static_cast<std::size_t>(F));
  for (Index f = 0; f < F; ++f) rows[static_cast<std::size_t>(f)] = f;
  pick_rows(all, points, rows, F, out.data(), context_of(path_) + ": case " + std::to_string(c) + ": /inputs",
            info_.layout.input_fields, block);
}

void TrajectoryReader::read_outputs(Index c, const GridBlock& block, std::span<const Index> times,
                                    std::span<const Index> components, std::span<double> out) const {
  check_read_arguments(info_, path_, c, block);
  const Index points = block.points();
  const auto C = static_cast<Index>(info_.layout.components.size());
  const auto T = static_cast<Index>(info_.layout.times.size());
  const Index per_time = static_cast<Index>(components.size()) * points;
  if (static_cast<Index>(out.size()) != static_cast<Index>(times.size()) * per_time)
    throw Error(context_of(path_) + ": read_outputs: the output holds " + std::to_string(out.size()) + " values, not " +
                std::to_string(static_cast<Index>(times.size()) * per_time));
  std::vector<double> all(static_cast<std::size_t>(C * points));
  for (std::size_t k = 0; k < times.size(); ++k) {
    const Index t = times[k];
    if (t < 0 || t >= T)
      throw Error(context_of(path_) + ": time index " + std::to_string(t) + " is not one of the " + std::to_string(T) +
                  " times");
    read_block(outputs_, "outputs", c, {t}, C, block, all.data());
    pick_rows(all, points, components, C, out.data() + static_cast<Index>(k) * per_time,
              context_of(path_) + ": case " + std::to_string(c) + ": /outputs at time index " + std::to_string(t) +
                  " (t = " + number(info_.layout.times[static_cast<std::size_t>(t)]) + ")",
              info_.layout.components, block);
  }
}

void TrajectoryReader::close() {
  initial_.close();
  inputs_.close();
  outputs_.close();
  file_.close();
}

}  // namespace fno
