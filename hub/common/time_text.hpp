// Unix time as RFC 3339 UTC text. Header-only, no state.
//
// Unix milliseconds with milliseconds, "2026-12-07T01:02:03.456Z": the form of receipt times
// and of the axis HTTP API's answers.
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

// Unix seconds as RFC 3339 UTC text, "2026-12-07T01:02:03Z" (CRL and certificate times in
// log fields and reasons).
inline std::string iso_utc_s(int64_t s) {
  const std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace docaxis
