// Cases in memory and batches for the model.
//
// CaseStore holds this rank's block of some cases: static inputs [channels][local space
// points] and the target [outputs][local space points][times] (model order). Preloaded, it
// reads every case it will serve once; streaming, it reads the cases of each batch when asked.
// AssembleBatch builds the model's input [batch][channels][space][time] (static channels
// broadcast along time, then encoded) and target [batch][outputs][space][time]; slots without
// a case (the tail of an epoch) get finite placeholders whose gradient the caller zeroes.
#pragma once
#include <algorithm>
#include <span>
#include <unordered_map>
#include <vector>

#include "dataset_reader.hpp"
#include "common/error.hpp"
#include "training/normalizer.hpp"

namespace fno::training {

template <class T>
class CaseStore {
 public:
  explicit CaseStore(DatasetReader& reader) : reader_(reader) {}

  // Reads `cases` (those not held yet) and keeps them; with `replace`, drops every other
  // case first (streaming). Local; throws fno::Error on a failed read.
  void Load(const std::vector<Index>& cases, bool replace) {
    if (replace) {
      std::vector<Index> keep;
      for (Index c : cases)
        if (slot_.count(c)) keep.push_back(c);
      if (keep.size() != slot_.size()) {
        // Re-read everything of this batch (a batch holds a handful of cases).
        slot_.clear();
        statics_.clear();
        targets_.clear();
      }
    }
    for (Index c : cases) {
      if (c < 0 || slot_.count(c)) continue;
      const std::size_t s = slot_.size();
      statics_.resize((s + 1) * static_size());
      targets_.resize((s + 1) * target_size());
      reader_.ReadCase(c, statics_.data() + s * static_size(), targets_.data() + s * target_size());
      slot_[c] = s;
      ++reads_;
    }
  }
  bool Holds(Index c) const { return slot_.count(c) != 0; }
  const T* Static(Index c) const { return statics_.data() + at(c) * static_size(); }
  const T* Target(Index c) const { return targets_.data() + at(c) * target_size(); }
  std::size_t static_size() const { return static_cast<std::size_t>(reader_.fields() * reader_.space_points()); }
  std::size_t target_size() const {
    return static_cast<std::size_t>(reader_.outputs() * reader_.space_points() * reader_.times());
  }
  Index reads() const { return reads_; }
  const DatasetReader& reader() const { return reader_; }

 private:
  std::size_t at(Index c) const {
    const auto it = slot_.find(c);
    FNO_CHECK(it != slot_.end(), "case ", c, " is not loaded");
    return it->second;
  }
  DatasetReader& reader_;
  std::unordered_map<Index, std::size_t> slot_;
  std::vector<T> statics_, targets_;
  Index reads_ = 0;
};

// x [slots][channels][space][time] (encoded), y [slots][outputs][space][time]. cases[b] < 0:
// placeholder.
template <class T>
void AssembleBatch(const CaseStore<T>& store, const std::vector<Index>& cases,
                   const UnitGaussianNormalizer<T>& input_normalizer, std::vector<T>& x, std::vector<T>& y) {
  const DatasetReader& r = store.reader();
  const Index F = r.fields(), K = r.outputs(), P = r.space_points(), nt = r.times();
  const auto slots = static_cast<Index>(cases.size());
  x.resize(static_cast<std::size_t>(slots * F * P * nt));
  y.resize(static_cast<std::size_t>(slots * K * P * nt));
  for (Index b = 0; b < slots; ++b) {
    const Index c = cases[static_cast<std::size_t>(b)];
    T* xb = x.data() + b * F * P * nt;
    T* yb = y.data() + b * K * P * nt;
    if (c < 0) {
      std::fill(xb, xb + F * P * nt, T(0));
      std::fill(yb, yb + K * P * nt, T(1));
      continue;
    }
    const T* s = store.Static(c);
    for (Index k = 0; k < F * P; ++k) std::fill(xb + k * nt, xb + (k + 1) * nt, s[k]);
    const T* target = store.Target(c);
    std::copy(target, target + K * P * nt, yb);
  }
  input_normalizer.encode(x, x, slots, P * nt);
}

}  // namespace fno::training
