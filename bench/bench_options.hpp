// Single-dash options for fno-bench (-grid 128,128,64 -reps 5), PETSc style, no PETSc.
#pragma once
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fno::bench {

class Options {
 public:
  Options(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
      std::string k = argv[i];
      if (k.size() < 2 || k[0] != '-') throw std::invalid_argument("unexpected argument '" + k + "'");
      k = k.substr(1);
      if (i + 1 < argc && (argv[i + 1][0] != '-' || std::isdigit(static_cast<unsigned char>(argv[i + 1][1]))))
        values_[k] = argv[++i];
      else
        values_[k] = "";
    }
  }
  bool has(const std::string& k) const { return values_.count(k) > 0; }
  std::string str(const std::string& k, const std::string& def) {
    used_.push_back(k);
    auto it = values_.find(k);
    return it == values_.end() ? def : it->second;
  }
  long integer(const std::string& k, long def) {
    const std::string s = str(k, "");
    if (s.empty()) return def;
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (*end) throw std::invalid_argument("option -" + k + " expects an integer, got '" + s + "'");
    return v;
  }
  std::vector<long> list(const std::string& k, const std::vector<long>& def) {
    const std::string s = str(k, "");
    if (s.empty()) return def;
    std::vector<long> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
      char* end = nullptr;
      long v = std::strtol(item.c_str(), &end, 10);
      if (item.empty() || *end) throw std::invalid_argument("option -" + k + " expects integers like 1,2,3; got '" + s + "'");
      out.push_back(v);
    }
    return out;
  }
  // Names given on the command line that no call asked for (typos).
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : values_) {
      bool u = false;
      for (const auto& n : used_) u = u || n == k;
      if (!u && k != "help") out.push_back(k);
    }
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> used_;
};

}  // namespace fno::bench
