// The line format of the hub's logs, as one pure function (README.md: "Format").
//
//   <UTC time, ms>Z level=<level> logger=<name> event=<event>[ <key>=<value>]...
//
// Values: bare when non-empty and made only of [A-Za-z0-9._:/@+,[\]-]; otherwise in double
// quotes with `\` `"` escaped as `\\` `\"`, LF CR TAB as `\n` `\r` `\t`, other ASCII control
// bytes and bytes that are not valid UTF-8 as `\xHH`, and the Unicode controls U+0080..U+009F,
// U+2028, U+2029 as `\uHHHH`; other valid UTF-8 is kept. A text value longer than
// kMaxValueBytes is cut (on a character boundary) and ends in `...` inside the quotes. Keys and
// event names are ours; a character outside [a-z0-9_-] in one is written as `_`. The result
// never holds a newline, and every ` key=` in it is one the caller wrote.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "log/log.hpp"

namespace docaxis::log {

inline constexpr std::size_t kMaxValueBytes = 1024;

// Appends one formatted line (no '\n') to `out`. `unix_ms`: milliseconds since the epoch.
void format_line(std::string& out, std::int64_t unix_ms, Level level, std::string_view logger,
                 std::string_view event, const Field* fields, std::size_t n);

// Appends `value` formatted as above (bare or quoted).
void append_value(std::string& out, std::string_view value);

// Appends "YYYY-MM-DDTHH:MM:SS.mmmZ".
void append_time(std::string& out, std::int64_t unix_ms);

}  // namespace docaxis::log
