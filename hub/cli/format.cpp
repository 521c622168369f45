#include "cli/format.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <limits>

namespace docaxis::cli {
namespace {

Status bad(std::string_view what, std::string_view text, std::string_view expected) {
  return Status("invalid-argument",
                std::string(what) + " \"" + std::string(text) + "\": expected " + std::string(expected));
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

void Table::add(std::vector<std::string> row) {
  row.resize(columns_.size());
  rows_.push_back(std::move(row));
}

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that starts a code point
  }
  return n;
}

std::string ellipsize(std::string_view s, std::size_t max) {
  if (display_width(s) <= max) return std::string(s);
  if (max == 0) return "";
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (n == max - 1) break;
      ++n;
    }
    out += s[i];
  }
  return out + "\u2026";
}

std::string Table::render() const {
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) width[c] = display_width(columns_[c].header);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      const bool last = c + 1 == cells.size();
      if (columns_[c].right) l += std::string(pad, ' ') + cells[c];
      else l += cells[c] + (last ? "" : std::string(pad, ' '));
      if (!last) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> header;
  for (const auto& c : columns_) header.push_back(c.header);
  line(header);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string human_duration(int64_t ms) {
  if (ms < 0) return "-" + human_duration(-ms);
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  const int64_t s = ms / 1000;
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

std::string human_age(std::optional<int64_t> ms) { return ms ? human_duration(*ms) : "-"; }

std::string relative_time(std::optional<int64_t> t, int64_t now) {
  if (!t) return "-";
  const int64_t d = *t - now;
  if (d >= -999 && d <= 999) return "now";
  return d > 0 ? "in " + human_duration(d) : human_duration(-d) + " ago";
}

std::string iso_time(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>((ms >= 0 ? ms : ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso_time_ms(int64_t ms) {
  std::string s = iso_time(ms);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

Result<int64_t> parse_duration(std::string_view text) {
  constexpr std::string_view kExpected =
      "a duration such as 90s, 15m, 2h, 7d, 1w or 1h30m (units ms, s, m, h, d, w)";
  if (text.empty()) return bad("duration", text, kExpected);
  int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad("duration", text, kExpected);
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > std::numeric_limits<int64_t>::max() / 10 - 9) return bad("duration", text, "a shorter duration");
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    int64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (i < text.size()) {
      switch (text[i]) {
        case 's': unit = 1000; break;
        case 'm': unit = 60'000; break;
        case 'h': unit = 3'600'000; break;
        case 'd': unit = 86'400'000; break;
        case 'w': unit = 7 * 86'400'000LL; break;
        default: return bad("duration", text, kExpected);
      }
      ++i;
    } else {
      return bad("duration", text, kExpected);  // a number without a unit
    }
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit) {
      return bad("duration", text, "a shorter duration");
    }
    total += n * unit;
  }
  return total;
}

Result<int64_t> parse_time(std::string_view text, int64_t now_ms) {
  constexpr std::string_view kExpected =
      "a time such as 2025-11-22T09:30:00Z, 2025-11-22T16:30:00+07:00, 2025-11-22, now, or "
      "a duration ago such as 2h or 7d";
  if (text == "now") return now_ms;
  if (!text.empty() && text[0] >= '0' && text[0] <= '9' &&
      (text.size() < 5 || text[4] != '-')) {
    auto d = parse_duration(text);
    if (!d) return bad("time", text, kExpected);
    return now_ms - *d;
  }
  int year, month, day;
  if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      month < 1 || month > 12 || day < 1 || day > 31) {
    return bad("time", text, kExpected);
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  int64_t millis = 0;
  int64_t offset_s = 0;
  if (text.size() > 10) {
    const char sep = text[10];
    int hh, mm, ss;
    if ((sep != 'T' && sep != 't' && sep != ' ') || !digits(text, 11, 2, hh) ||
        text.size() < 19 || text[13] != ':' || !digits(text, 14, 2, mm) || text[16] != ':' ||
        !digits(text, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
      return bad("time", text, kExpected);
    }
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    std::size_t i = 19;
    if (i < text.size() && text[i] == '.') {
      ++i;
      int64_t scale = 100;
      const std::size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        millis += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == start) return bad("time", text, kExpected);
    }
    if (i >= text.size()) return bad("time", text, "an explicit zone (Z or +HH:MM) after the time");
    if (text[i] == 'Z' || text[i] == 'z') {
      ++i;
    } else if (text[i] == '+' || text[i] == '-') {
      int oh, om;
      if (!digits(text, i + 1, 2, oh) || text.size() < i + 6 || text[i + 3] != ':' ||
          !digits(text, i + 4, 2, om) || oh > 23 || om > 59) {
        return bad("time", text, kExpected);
      }
      offset_s = (text[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      i += 6;
    } else {
      return bad("time", text, kExpected);
    }
    if (i != text.size()) return bad("time", text, kExpected);
  }
  const std::time_t t = timegm(&tm);
  return (static_cast<int64_t>(t) - offset_s) * 1000 + millis;
}

std::string render_progress(std::string_view label, uint64_t done, uint64_t total, int width,
                            bool bytes) {
  std::string out(label);
  out += "  [";
  const int w = std::max(width, 1);
  int filled = 0;
  if (total > 0) {
    filled = static_cast<int>(static_cast<double>(std::min(done, total)) * w / static_cast<double>(total));
  }
  out += std::string(static_cast<std::size_t>(filled), '#');
  out += std::string(static_cast<std::size_t>(w - filled), '-');
  out += "]";
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " %3d%%", static_cast<int>(std::min(done, total) * 100 / total));
    out += pct;
  }
  out += "  ";
  out += bytes ? human_size(done) : std::to_string(done);
  if (total > 0) out += "/" + (bytes ? human_size(total) : std::to_string(total));
  return out;
}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool bytes, bool enabled)
    : label_(std::move(label)), total_(total), bytes_(bytes), enabled_(enabled) {}

ProgressBar::~ProgressBar() { finish(); }

bool ProgressBar::stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && (term == nullptr || std::string_view(term) != "dumb");
}

void ProgressBar::update(uint64_t done) {
  if (!enabled_) return;
  const int64_t now = wall_ms();
  if (drawn_ && now - last_draw_ms_ < 100 && done < total_) return;
  last_draw_ms_ = now;
  std::cerr << "\r" << render_progress(label_, done, total_, 30, bytes_) << "\x1b[K" << std::flush;
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::cerr << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace docaxis::cli
