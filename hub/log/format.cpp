#include "log/format.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace docaxis::log {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool bare_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '/' || c == '@' || c == '+' || c == ',' ||
         c == '[' || c == ']' || c == '-';
}

void append_name(std::string& out, std::string_view name) {
  if (name.empty()) {
    out += '_';
    return;
  }
  for (unsigned char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += ok ? static_cast<char>(c) : '_';
  }
}

void append_byte_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

void append_u_escape(std::string& out, std::uint32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xf];
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4), with its code point; 0 if
// invalid (overlong forms, surrogates and values above U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, cp = b0 & 0x1fu, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, cp = b0 & 0x0fu, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

void append_quoted(std::string& out, std::string_view v) {
  bool cut = false;
  if (v.size() > kMaxValueBytes) {
    std::size_t end = kMaxValueBytes;
    // Back off to a character boundary (at most 3 continuation bytes).
    for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(v[end]) & 0xc0) == 0x80; ++k)
      --end;
    v = v.substr(0, end);
    cut = true;
  }
  out += '"';
  for (std::size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) append_byte_escape(out, c);
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = utf8_sequence(v, i, cp);
    if (len == 0) {
      append_byte_escape(out, c);
      ++i;
      continue;
    }
    // C1 controls (NEL among them) and the Unicode line and paragraph separators: some
    // viewers break lines on them.
    if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
      append_u_escape(out, cp);
    } else {
      out.append(v.substr(i, len));
    }
    i += len;
  }
  if (cut) out += "...";
  out += '"';
}

}  // namespace

void append_value(std::string& out, std::string_view value) {
  bool bare = !value.empty() && value.size() <= kMaxValueBytes;
  for (std::size_t i = 0; bare && i < value.size(); ++i) {
    bare = bare_char(static_cast<unsigned char>(value[i]));
  }
  if (bare) out.append(value);
  else append_quoted(out, value);
}

void append_time(std::string& out, std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const auto t = static_cast<std::time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

void format_line(std::string& out, std::int64_t unix_ms, Level level, std::string_view logger,
                 std::string_view event, const Field* fields, std::size_t n) {
  append_time(out, unix_ms);
  out += " level=";
  out += to_string(level);
  out += " logger=";
  append_name(out, logger);
  out += " event=";
  append_name(out, event);
  char num[32];
  for (std::size_t i = 0; i < n; ++i) {
    const Field& f = fields[i];
    out += ' ';
    append_name(out, f.key());
    out += '=';
    switch (f.kind()) {
      case Field::Kind::kText:
        append_value(out, f.text());
        break;
      case Field::Kind::kInt:
        out.append(num, static_cast<std::size_t>(
                            std::snprintf(num, sizeof num, "%" PRId64, f.int_value())));
        break;
      case Field::Kind::kUint:
        out.append(num, static_cast<std::size_t>(
                            std::snprintf(num, sizeof num, "%" PRIu64, f.uint_value())));
        break;
      case Field::Kind::kBool:
        out += f.int_value() != 0 ? "true" : "false";
        break;
      case Field::Kind::kDouble: {
        const int len = std::snprintf(num, sizeof num, "%.6g", f.double_value());
        append_value(out, std::string_view(num, len > 0 ? static_cast<std::size_t>(len) : 0));
        break;
      }
    }
  }
}

}  // namespace docaxis::log
