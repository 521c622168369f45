// Small string helpers shared by modules (no third-party dependency).
#pragma once

#include <string_view>
#include <vector>

namespace docaxis {

// Splits on every `sep`: "a.b" -> {"a","b"}, "a..b" -> {"a","","b"}, "" -> {""}. The views point
// into `s`, which must outlive them.
inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace docaxis
