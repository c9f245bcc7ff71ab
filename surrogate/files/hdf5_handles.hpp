// RAII owners of HDF5 identifiers, HDF5 error reporting as fno::Error, and the file-format
// rules every petsc-fno file follows (README, "Files users hand us").
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace fno::h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership (the caller closes the identifier).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  // Closes now; returns false if closing failed (a file's close flushes its data).
  bool close() {
    if (id_ < 0) return true;
    const herr_t rc = Close(id_);
    id_ = H5I_INVALID_HID;
    return rc >= 0;
  }

 private:
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Attribute = Handle<H5Aclose>;
using PropertyList = Handle<H5Pclose>;
using Datatype = Handle<H5Tclose>;

// Switches off HDF5's printing of its error stack while alive (errors become fno::Error
// with the stack's descriptions instead); restores the previous handler afterwards.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The descriptions on HDF5's current error stack, innermost last, joined by "; ".
inline std::string error_stack_text() {
  std::string text;
  auto collect = [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
    auto& s = *static_cast<std::string*>(out);
    if (e->desc && *e->desc) {
      if (!s.empty()) s += "; ";
      s += e->desc;
    }
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &text);
  return text;
}

// Throws fno::Error("<context>: <what> failed (<HDF5's reasons>)") if id < 0 (or rc < 0).
inline hid_t check(hid_t id, const std::string& context, const char* what) {
  if (id < 0) {
    const std::string reasons = error_stack_text();
    throw Error(context + ": " + what + " failed" + (reasons.empty() ? "" : " (" + reasons + ")"));
  }
  return id;
}

// ---- untrusted files -------------------------------------------------------------------------

// Throws fno::Error("<context>: the file is corrupt: <what> failed (<HDF5's reasons>)").
[[noreturn]] inline void fail_corrupt(const std::string& context, const std::string& what) {
  const std::string reasons = error_stack_text();
  throw Error(context + ": the file is corrupt: " + what + " failed" + (reasons.empty() ? "" : " (" + reasons + ")"));
}

// True if `location` has a link `name`. A soft or external link is refused (it could lead to
// another object or another file), and so is a lookup HDF5 cannot complete.
inline bool hard_link_exists(hid_t location, const std::string& name, const std::string& context) {
  const htri_t exists = H5Lexists(location, name.c_str(), H5P_DEFAULT);
  if (exists < 0) fail_corrupt(context, "looking up '" + name + "'");
  if (exists == 0) return false;
  H5L_info_t info{};
  if (H5Lget_info(location, name.c_str(), &info, H5P_DEFAULT) < 0) fail_corrupt(context, "reading link '" + name + "'");
  if (info.type != H5L_TYPE_HARD)
    throw Error(context + ": '" + name + "' is a soft or external link; petsc-fno files hold their objects themselves");
  return true;
}

// What check_stored_dataset() found.
struct StoredDataset {
  std::vector<hsize_t> dims;
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t type_size = 0;
  bool ieee_float = false;  // IEEE float32 or float64, either byte order
};

// The element type of `dataset` into `stored` (class, size, IEEE float); refuses unusable sizes.
inline void read_stored_type(hid_t dataset, StoredDataset& stored, const std::string& context, const std::string& label) {
  Handle<H5Tclose> type(H5Dget_type(dataset));
  if (!type.valid()) fail_corrupt(context, "reading the type of " + label);
  stored.type_class = H5Tget_class(type.get());
  stored.type_size = H5Tget_size(type.get());
  for (hid_t known : {H5T_IEEE_F32LE, H5T_IEEE_F32BE, H5T_IEEE_F64LE, H5T_IEEE_F64BE})
    stored.ieee_float = stored.ieee_float || H5Tequal(type.get(), known) > 0;
  if (stored.type_size == 0 || stored.type_size > 64) throw Error(context + ": " + label + " has an unusable type");
}

// Refuses storage a petsc-fno file never uses (creation properties `create` of a dataset):
// virtual or unknown layouts, external files, any filter but fletcher32. Returns the layout.
inline H5D_layout_t check_storage_kind(hid_t create, const std::string& context, const std::string& label) {
  const H5D_layout_t layout = H5Pget_layout(create);
  if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT)
    throw Error(context + ": " + label + " uses virtual or unknown storage; petsc-fno files hold their data themselves");
  if (H5Pget_external_count(create) != 0)
    throw Error(context + ": " + label + " keeps its data in an external file; petsc-fno files hold their data themselves");
  const int filters = H5Pget_nfilters(create);
  if (filters < 0) fail_corrupt(context, "reading the filters of " + label);
  for (int k = 0; k < filters; ++k) {
    unsigned flags = 0, config = 0;
    std::size_t values = 0;
    char filter_name[64] = {};
    const H5Z_filter_t id = H5Pget_filter2(create, static_cast<unsigned>(k), &flags, &values, nullptr,
                                           sizeof filter_name, filter_name, &config);
    if (id != H5Z_FILTER_FLETCHER32)
      throw Error(context + ": " + label + " is stored through HDF5 filter " + std::to_string(id) +
                  "; petsc-fno files store data uncompressed (fletcher32 checksums only)");
  }
  return layout;
}

// Checks dataset `name` of `group` before anything is allocated for it or read from it: a
// hard link to a dataset with a readable type and dataspace, stored in this file
// (contiguous, compact or chunked; no external or virtual storage; no filter but
// fletcher32), every byte of its data present (stored bytes >= elements x element size,
// which compression would undercut) and inside the file (a contiguous extent; each of at most
// `max_chunks` chunks, or, with max_chunks = 0, the total only). `label` names it in errors.
inline StoredDataset check_stored_dataset(hid_t group, const std::string& name, std::uint64_t file_size,
                                          const std::string& context, const std::string& label,
                                          hsize_t max_chunks = 4096) {
  if (!hard_link_exists(group, name, context)) throw Error(context + ": missing " + label);
  H5O_info_t object{};
  if (H5Oget_info_by_name2(group, name.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    fail_corrupt(context, "reading object " + label);
  if (object.type != H5O_TYPE_DATASET) throw Error(context + ": " + label + " is not a dataset");
  Handle<H5Dclose> dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail_corrupt(context, "opening " + label);
  StoredDataset stored;
  read_stored_type(dataset.get(), stored, context, label);

  Handle<H5Sclose> space(H5Dget_space(dataset.get()));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > H5S_MAX_RANK) fail_corrupt(context, "reading the dataspace of " + label);
  stored.dims.resize(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), stored.dims.data(), nullptr) < 0)
    fail_corrupt(context, "reading the dataspace of " + label);

  Handle<H5Pclose> create(H5Dget_create_plist(dataset.get()));
  if (!create.valid()) fail_corrupt(context, "reading the storage of " + label);
  const H5D_layout_t layout = check_storage_kind(create.get(), context, label);

  long double needed = static_cast<long double>(stored.type_size);
  for (hsize_t e : stored.dims) needed *= static_cast<long double>(e);
  const hsize_t storage = H5Dget_storage_size(dataset.get());
  if (static_cast<long double>(storage) < needed || storage > file_size)
    throw Error(context + ": " + label + " stores " + std::to_string(storage) + " bytes of its " +
                (needed < 1e19L ? std::to_string(static_cast<unsigned long long>(needed))
                                : std::to_string(static_cast<double>(needed))) +
                " (truncated, unwritten or compressed data)");
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t offset = H5Dget_offset(dataset.get());
    if (needed > 0 && (offset == HADDR_UNDEF || offset > file_size || storage > file_size - offset))
      throw Error(context + ": the data of " + label + " lies beyond the end of the file (truncated file)");
  } else if (layout == H5D_CHUNKED && max_chunks > 0) {
    hsize_t chunks = 0;
    if (H5Dget_num_chunks(dataset.get(), space.get(), &chunks) < 0) fail_corrupt(context, "counting the chunks of " + label);
    if (chunks > max_chunks)
      throw Error(context + ": " + label + " is stored in " + std::to_string(chunks) + " chunks; at most " +
                  std::to_string(max_chunks) + " are expected");
    std::vector<hsize_t> chunk_offset(stored.dims.size() + 1);
    for (hsize_t k = 0; k < chunks; ++k) {
      unsigned mask = 0;
      haddr_t address = HADDR_UNDEF;
      hsize_t size = 0;
      if (H5Dget_chunk_info(dataset.get(), space.get(), k, chunk_offset.data(), &mask, &address, &size) < 0)
        fail_corrupt(context, "reading the chunk index of " + label);
      if (mask != 0 || address == HADDR_UNDEF || address > file_size || size > file_size - address)
        throw Error(context + ": a chunk of " + label + " lies beyond the end of the file or skips its checksum");
    }
  }
  return stored;
}

// ---- the checksummed format ----------------------------------------------------------------
//
// Every file petsc-fno writes uses HDF5's 1.10 format (library-version bounds V110..V110):
// superblock version 3, version-2 object headers, and checksums on every metadata block
// (superblock, object headers, B-trees, heaps), so the library rejects corrupted metadata
// instead of parsing it. Datasets that are chunked also carry a fletcher32 checksum of their
// data. Files in HDF5's oldest format (superblock version 0 or 1, what h5py and HDF5 write by
// default) have no metadata checksums: a corrupted one can crash the HDF5 library while it
// parses it, so readers of untrusted files refuse them before HDF5 sees them.

// Sets the 1.10 format bounds on a file-access property list.
inline herr_t use_checksummed_format(hid_t file_access) {
  return H5Pset_libver_bounds(file_access, H5F_LIBVER_V110, H5F_LIBVER_V110);
}

// Creation properties that keep every link of a group and every attribute of an object in
// the object header itself (checksummed with it) rather than in dense storage (a fractal heap
// and B-trees, whose error paths in HDF5 1.10 can crash on a damaged file). For H5Fcreate
// (the root group) and H5Gcreate2; invalid handles on failure.
inline Handle<H5Pclose> compact_file_creation() {
  Handle<H5Pclose> create(H5Pcreate(H5P_FILE_CREATE));
  if (!create.valid() || H5Pset_link_phase_change(create.get(), 65535, 65535) < 0 ||
      H5Pset_attr_phase_change(create.get(), 65535, 65535) < 0)
    return Handle<H5Pclose>();
  return create;
}
inline Handle<H5Pclose> compact_group_creation() {
  Handle<H5Pclose> create(H5Pcreate(H5P_GROUP_CREATE));
  if (!create.valid() || H5Pset_link_phase_change(create.get(), 65535, 65535) < 0 ||
      H5Pset_attr_phase_change(create.get(), 65535, 65535) < 0)
    return Handle<H5Pclose>();
  return create;
}

// A dataset-creation property list for a dataset of `dims` with elements of `element_bytes`:
// chunked (whole dataset per chunk, or one chunk per index of the first axis with
// `per_slice`, for a series written one step at a time; leading axes halved until a chunk
// holds at most `chunk_bytes`) with a fletcher32 checksum per chunk. Datasets with no element
// (or scalar) stay contiguous and unchecked (HDF5 cannot chunk them). Returns an invalid
// handle on failure.
inline Handle<H5Pclose> checksummed_dataset_creation(const std::vector<hsize_t>& dims, std::size_t element_bytes,
                                                     bool per_slice = false,
                                                     std::uint64_t chunk_bytes = std::uint64_t{64} << 20) {
  Handle<H5Pclose> create(H5Pcreate(H5P_DATASET_CREATE));
  if (!create.valid() || H5Pset_attr_phase_change(create.get(), 65535, 65535) < 0) return Handle<H5Pclose>();
  bool empty = dims.empty();
  for (hsize_t e : dims) empty = empty || e == 0;
  if (empty) return create;
  std::vector<hsize_t> chunk = dims;
  if (per_slice) chunk[0] = 1;
  auto bytes = [&] {
    long double b = static_cast<long double>(element_bytes);
    for (hsize_t c : chunk) b *= static_cast<long double>(c);
    return b;
  };
  for (std::size_t a = 0; a < chunk.size() && bytes() > static_cast<long double>(chunk_bytes);)
    if (chunk[a] > 1)
      chunk[a] = (chunk[a] + 1) / 2;
    else
      ++a;
  if (H5Pset_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
      H5Pset_fletcher32(create.get()) < 0)
    return Handle<H5Pclose>();
  return create;
}

// What an HDF5 file's first bytes say about its format, read without the HDF5 library.
struct FileFormat {
  bool hdf5 = false;                 // the signature was found (at 0, 512, 1024, ...)
  std::uint64_t superblock_at = 0;   // where (the user block's size)
  int superblock_version = -1;       // 0, 1: no checksums; 2, 3: checksummed
};

inline FileFormat probe_format(const std::string& path, std::uint64_t file_size) {
  static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  FileFormat format;
  std::ifstream in(path, std::ios::binary);
  for (std::uint64_t at = 0; in && at + 9 <= file_size; at = at == 0 ? 512 : 2 * at) {
    unsigned char head[9] = {};
    in.seekg(static_cast<std::streamoff>(at));
    if (!in.read(reinterpret_cast<char*>(head), sizeof head)) break;
    if (std::memcmp(head, signature, sizeof signature) == 0) {
      format.hdf5 = true;
      format.superblock_at = at;
      format.superblock_version = head[8];
      break;
    }
  }
  return format;
}

// Throws fno::Error("<context>: ...") unless `path` is an HDF5 file whose superblock is
// checksummed (version 2 or 3), i.e. written with version bounds 1.8 or later.
inline void require_checksummed_format(const std::string& path, std::uint64_t file_size, const std::string& context) {
  const FileFormat format = probe_format(path, file_size);
  if (!format.hdf5)
    throw Error(context + ": not an HDF5 file (no HDF5 signature: the file is corrupt or of another kind)");
  if (format.superblock_version < 2)
    throw Error(context + ": written in HDF5's oldest file format (superblock version " +
                std::to_string(format.superblock_version) +
                "), whose metadata carry no checksums, so a damaged copy cannot be told from a good one and can "
                "crash the HDF5 library; petsc-fno reads only checksummed files (convert it with "
                "'h5repack -L -f FLET old.h5 new.h5', or write it with h5py's libver='v110')");
  if (format.superblock_version > 3)
    throw Error(context + ": superblock version " + std::to_string(format.superblock_version) +
                " is unknown to this HDF5 (1.10); the file is corrupt or from a newer HDF5");
}

// An untrusted petsc-fno file opened read-only by one process, after the checks that come
// before HDF5 parses anything: a regular file, its size, the checksummed format.
struct UntrustedFile {
  File file;
  std::uint64_t size = 0;
};
inline UntrustedFile open_untrusted(const std::string& path, const std::string& context) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(context + ": no such file");
  UntrustedFile opened;
  opened.size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(context + ": cannot determine its size (" + ec.message() + ")");
  require_checksummed_format(path, opened.size, context);
  opened.file = File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!opened.file.valid())
    throw Error(context + ": HDF5 cannot open it; the file is corrupt or truncated (" + error_stack_text() + ")");
  return opened;
}

// ---- attributes of untrusted files -------------------------------------------------------------

// The attribute `name` of `object` (`where` names the object in messages); a missing one is
// refused, an unreadable one is corrupt.
inline Attribute open_attribute(hid_t object, const char* name, const std::string& context, const std::string& where) {
  const htri_t exists = H5Aexists(object, name);
  if (exists < 0) fail_corrupt(context, std::string("looking up attribute '") + name + "' of " + where);
  if (exists == 0) throw Error(context + ": " + where + " has no attribute '" + name + "'");
  Attribute attribute(H5Aopen(object, name, H5P_DEFAULT));
  if (!attribute.valid()) fail_corrupt(context, std::string("opening attribute '") + name + "' of " + where);
  return attribute;
}

// The element count of attribute `name` (an unreadable dataspace is corrupt).
inline std::uint64_t attribute_points(hid_t attribute, const std::string& context, const char* name) {
  Dataspace space(H5Aget_space(attribute));
  const hssize_t points = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  if (points < 0) fail_corrupt(context, std::string("reading the dataspace of attribute '") + name + "'");
  return static_cast<std::uint64_t>(points);
}

// A string attribute holding one string of at most `max_bytes` bytes, fixed or variable
// length; a fixed-length type larger than that is refused before anything is read.
inline std::string read_string_attribute(hid_t object, const char* name, const std::string& context,
                                         const std::string& where, std::size_t max_bytes) {
  Attribute attribute = open_attribute(object, name, context, where);
  Datatype type(H5Aget_type(attribute.get()));
  if (!type.valid()) fail_corrupt(context, std::string("reading the type of attribute '") + name + "'");
  if (H5Tget_class(type.get()) != H5T_STRING || attribute_points(attribute.get(), context, name) != 1)
    throw Error(context + ": attribute '" + name + "' of " + where + " is not a string");
  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) fail_corrupt(context, std::string("reading the type of attribute '") + name + "'");
  std::string value;
  if (variable > 0) {
    Datatype memory(H5Tcopy(H5T_C_S1));
    if (!memory.valid() || H5Tset_size(memory.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(memory.get(), H5Tget_cset(type.get())) < 0)
      fail_corrupt(context, std::string("preparing to read attribute '") + name + "'");
    char* text = nullptr;
    if (H5Aread(attribute.get(), memory.get(), &text) < 0) fail_corrupt(context, std::string("reading attribute '") + name + "'");
    value = text ? std::string(text, strnlen(text, max_bytes + 1)) : std::string();
    H5free_memory(text);
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > max_bytes)
      throw Error(context + ": attribute '" + name + "' of " + where + " is a string of " + std::to_string(size) +
                  " bytes; at most " + std::to_string(max_bytes) + " are expected");
    value.assign(size, '\0');
    if (H5Aread(attribute.get(), type.get(), value.data()) < 0) fail_corrupt(context, std::string("reading attribute '") + name + "'");
    value.resize(strnlen(value.c_str(), size));  // drop null padding
  }
  if (value.size() > max_bytes)
    throw Error(context + ": attribute '" + name + "' of " + where + " is a string of more than " + std::to_string(max_bytes) +
                " bytes");
  return value;
}

}  // namespace fno::h5
