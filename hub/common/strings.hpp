// Small string helpers shared by modules (no third-party dependency).
#pragma once

#include <string>
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

// Joins with `sep` between the parts: {"a","b"}, ", " -> "a, b"; {} -> "".
inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Untrusted text quoted for an error message: at most 40 bytes (then "..."), control bytes
// (C0, DEL) as '?': "\"ab?c\"".
inline std::string quote_untrusted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : s[i];
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

}  // namespace docaxis
