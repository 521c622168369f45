// Unix milliseconds as RFC 3339 UTC text with milliseconds, "2026-12-07T01:02:03.456Z": the
// form of receipt times and of the axis HTTP API's answers. Header-only, no state.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace docaxis {

inline std::string iso_utc_ms(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace docaxis
