#include "edxml/text.hpp"

#include <cstdint>

namespace docaxis::edxml::text {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits at [pos, pos+n) as a number, or -1.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<std::chrono::year_month_day> ymd(int y, int m, int d) {
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{y},
                                         std::chrono::month{static_cast<unsigned>(m)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

bool valid_time(int h, int mi, int sec) {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59;
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or returns
// UINT32_MAX (and advances one byte) for an invalid sequence.
std::uint32_t decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    ++i;
    return UINT32_MAX;
  }
  if (i + len > s.size()) {
    ++i;
    return UINT32_MAX;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) {
      ++i;
      return UINT32_MAX;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    ++i;
    return UINT32_MAX;
  }
  i += len;
  return cp;
}

bool xml_char(std::uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  return cp != 0xFFFE && cp != 0xFFFF && cp != UINT32_MAX;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t char_count(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '/' || s[7] != '/') return std::nullopt;
  return ymd(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2));
}

bool is_timestamp(std::string_view s) {
  if (s.size() != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':') return false;
  return parse_date(s.substr(0, 10)).has_value() &&
         valid_time(digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2));
}

bool is_iso8601_utc(std::string_view s) {
  if (s.size() < 20 || s.back() != 'Z') return false;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  if (!ymd(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2))) return false;
  if (!valid_time(digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2))) return false;
  const std::string_view rest = s.substr(19, s.size() - 20);  // between seconds and 'Z'
  if (rest.empty()) return true;
  if (rest.front() != '.' || rest.size() < 2 || rest.size() > 10) return false;
  return digits(rest, 1, rest.size() - 1) >= 0;
}

std::optional<int> parse_small_int(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  const int v = digits(s, 0, s.size());
  if (v < 0) return std::nullopt;
  return v;
}

std::string escape_xml(std::string_view utf8, bool attribute) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 16);
  std::size_t i = 0;
  while (i < utf8.size()) {
    const std::size_t start = i;
    const std::uint32_t cp = decode(utf8, i);
    if (!xml_char(cp)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      default:
        out.append(utf8.substr(start, i - start));
    }
  }
  return out;
}

}  // namespace docaxis::edxml::text
