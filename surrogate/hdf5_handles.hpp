// RAII owners of HDF5 identifiers, HDF5 error reporting as fno::Error, and the file-format
// rules every petsc-fno file follows (README, "Files users hand us").
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

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

// A dataset-creation property list for a dataset of `dims` with elements of `element_bytes`:
// chunked (whole dataset per chunk, leading axes halved until a chunk holds at most
// `chunk_bytes`) with a fletcher32 checksum per chunk. Datasets with no element (or scalar)
// stay contiguous and unchecked (HDF5 cannot chunk them). Returns an invalid handle on failure.
inline Handle<H5Pclose> checksummed_dataset_creation(const std::vector<hsize_t>& dims, std::size_t element_bytes,
                                                     std::uint64_t chunk_bytes = std::uint64_t{64} << 20) {
  Handle<H5Pclose> create(H5Pcreate(H5P_DATASET_CREATE));
  if (!create.valid()) return create;
  bool empty = dims.empty();
  for (hsize_t e : dims) empty = empty || e == 0;
  if (empty) return create;
  std::vector<hsize_t> chunk = dims;
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
                "'h5repack -L old.h5 new.h5', or write it with h5py's libver='v110')");
  if (format.superblock_version > 3)
    throw Error(context + ": superblock version " + std::to_string(format.superblock_version) +
                " is unknown to this HDF5 (1.10); the file is corrupt or from a newer HDF5");
}

}  // namespace fno::h5
