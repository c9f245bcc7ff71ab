// A byte buffer for broadcasting small records (dataset descriptions, training records)
// from the rank that read them to the others: numbers are copied bit for bit, so doubles
// arrive exactly.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fno::training {

class Pack {
 public:
  Pack() = default;
  explicit Pack(std::string bytes) : bytes_(std::move(bytes)) {}

  template <class V>
  void put(const V& v) {
    static_assert(std::is_trivially_copyable_v<V>);
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    bytes_ += s;
  }
  template <class V>
  void put_vector(const std::vector<V>& values) {
    put<std::uint64_t>(values.size());
    for (const V& v : values) put(v);
  }
  void put_strings(const std::vector<std::string>& values) {
    put<std::uint64_t>(values.size());
    for (const auto& s : values) put_string(s);
  }

  template <class V>
  V get() {
    V v{};
    FNO_CHECK(position_ + sizeof v <= bytes_.size(), "record too short");
    std::memcpy(&v, bytes_.data() + position_, sizeof v);
    position_ += sizeof v;
    return v;
  }
  std::string get_string() {
    const auto n = static_cast<std::size_t>(get<std::uint64_t>());
    FNO_CHECK(position_ + n <= bytes_.size(), "record too short");
    std::string s = bytes_.substr(position_, n);
    position_ += n;
    return s;
  }
  template <class V>
  std::vector<V> get_vector() {
    std::vector<V> values(static_cast<std::size_t>(get<std::uint64_t>()));
    for (V& v : values) v = get<V>();
    return values;
  }
  std::vector<std::string> get_strings() {
    std::vector<std::string> values(static_cast<std::size_t>(get<std::uint64_t>()));
    for (auto& s : values) s = get_string();
    return values;
  }

  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
  std::size_t position_ = 0;
};

}  // namespace fno::training
