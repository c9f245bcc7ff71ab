// RAII ownership of HDF5 identifiers (files, groups, datasets, dataspaces, property lists,
// attributes, datatypes). A negative id means "failed"; Check() turns it into an exception.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace fno::sim {

class H5Id {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Id() = default;
  H5Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) {
      Reset();
      id_ = std::exchange(other.id_, -1);
      closer_ = other.closer_;
    }
    return *this;
  }
  ~H5Id() { Reset(); }
  void Reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Throws if the id is invalid, naming what was attempted.
  const H5Id& Check(const std::string& what) const {
    if (id_ < 0) throw std::runtime_error("HDF5: cannot " + what);
    return *this;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

inline H5Id H5File(hid_t id) { return {id, H5Fclose}; }
inline H5Id H5Group(hid_t id) { return {id, H5Gclose}; }
inline H5Id H5Dataset(hid_t id) { return {id, H5Dclose}; }
inline H5Id H5Space(hid_t id) { return {id, H5Sclose}; }
inline H5Id H5Plist(hid_t id) { return {id, H5Pclose}; }
inline H5Id H5Attribute(hid_t id) { return {id, H5Aclose}; }
inline H5Id H5Type(hid_t id) { return {id, H5Tclose}; }

inline void H5Require(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

// Silences HDF5's automatic error stack printing for the lifetime of the object (we report
// errors ourselves).
class H5QuietErrors {
 public:
  H5QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~H5QuietErrors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }
  H5QuietErrors(const H5QuietErrors&) = delete;
  H5QuietErrors& operator=(const H5QuietErrors&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

}  // namespace fno::sim
