#include "grdecl_import.hpp"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fno::sim {

namespace {
bool IsKeyword(const std::string& token) {
  return !token.empty() && std::isalpha(static_cast<unsigned char>(token[0]));
}
}  // namespace

std::map<std::string, std::vector<double>> ReadGrdecl(const std::string& path, long long cells) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("GRDECL file '" + path + "' cannot be read");
  const std::string context = "GRDECL file '" + path + "'";
  std::map<std::string, std::vector<double>> keywords;
  std::string line, keyword;
  std::vector<double>* values = nullptr;
  long long line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::size_t comment = line.find("--");
    if (comment != std::string::npos) line.resize(comment);
    std::istringstream tokens(line);
    std::string token;
    while (tokens >> token) {
      if (!values) {
        if (!IsKeyword(token))
          throw std::invalid_argument(context + " line " + std::to_string(line_number) + ": expected a keyword, found '" + token + "'");
        keyword = token;
        values = &keywords[keyword];
        values->clear();
        continue;
      }
      if (values->empty() && IsKeyword(token)) {  // the previous keyword takes no data (ECHO, NOECHO)
        keywords.erase(keyword);
        keyword = token;
        values = &keywords[keyword];
        continue;
      }
      if (token == "/") {
        values = nullptr;
        continue;
      }
      const bool ends = token.back() == '/';
      if (ends) token.pop_back();
      try {
        const std::size_t star = token.find('*');
        std::size_t used = 0;
        if (star == std::string::npos) {
          values->push_back(std::stod(token, &used));
          if (used != token.size()) throw std::invalid_argument("trailing characters");
        } else {
          const long long repeat = std::stoll(token.substr(0, star));
          const std::string value_text = token.substr(star + 1);
          const double value = std::stod(value_text, &used);
          if (used != value_text.size() || repeat < 1 || repeat > cells) throw std::invalid_argument("bad repeat");
          values->insert(values->end(), static_cast<std::size_t>(repeat), value);
        }
      } catch (const std::exception&) {
        throw std::invalid_argument(context + " line " + std::to_string(line_number) + ": '" + token + "' in " + keyword +
                                    " is not a number or N*number");
      }
      if (ends) values = nullptr;
    }
  }
  if (values) throw std::invalid_argument(context + ": keyword " + keyword + " is not terminated by '/'");
  for (const char* required : {"PERMX", "PORO"}) {
    const auto it = keywords.find(required);
    if (it == keywords.end()) throw std::invalid_argument(context + " has no " + required);
    if (static_cast<long long>(it->second.size()) != cells)
      throw std::invalid_argument(context + ": " + required + " holds " + std::to_string(it->second.size()) +
                                  " values but the grid has " + std::to_string(cells) + " cells");
  }
  return keywords;
}

}  // namespace fno::sim
