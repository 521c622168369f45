// A reader of the hub's log lines as an operator's tool would read them (hub/log/README.md:
// split on spaces outside quotes, key up to the first '=', unescape quoted values). The tests
// check what a hostile value turns into through this reader, not only the bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace docaxis::log::test {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The time stamp is the first token (no '='); every other token is key=value. Returns false
// on a malformed line (unterminated quote, token without '=', unknown escape).
inline bool parse_line(const std::string& line, std::string& time, Pairs& pairs) {
  std::size_t i = line.find(' ');
  if (i == std::string::npos) return false;
  time = line.substr(0, i);
  while (i < line.size()) {
    if (line[i] != ' ') return false;
    ++i;
    const std::size_t eq = line.find('=', i);
    if (eq == std::string::npos) return false;
    std::string key = line.substr(i, eq - i);
    if (key.empty() || key.find_first_of(" \"") != std::string::npos) return false;
    i = eq + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) return false;
        const char e = line[i++];
        switch (e) {
          case '\\': value += '\\'; break;
          case '"': value += '"'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'x':
            if (i + 2 > line.size()) return false;
            value += static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16));
            i += 2;
            break;
          case 'u':
            if (i + 4 > line.size()) return false;
            value += "<U+" + line.substr(i, 4) + ">";
            i += 4;
            break;
          default:
            return false;
        }
      }
      if (!closed) return false;
    } else {
      const std::size_t end = line.find(' ', i);
      value = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
      if (value.find('"') != std::string::npos) return false;
      i = end == std::string::npos ? line.size() : end;
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace docaxis::log::test
