// RAII owners of HDF5 identifiers, and HDF5 error reporting as fno::Error.
#pragma once
#include <hdf5.h>

#include <string>
#include <utility>

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

}  // namespace fno::h5
