// Small text helpers shared by the reader, the writer and the receipt code: whitespace
// trimming, character counting, the date formats of edXML and receipts, XML escaping.
// Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace docaxis::edxml::text {

// Strips ASCII whitespace (space, tab, CR, LF) from both ends.
std::string_view trim(std::string_view s);

// Number of Unicode code points in UTF-8 text (continuation bytes are not counted). The
// notes' length limits are in characters, and Vietnamese text is mostly multi-byte.
std::size_t char_count(std::string_view utf8);

// edXML date `yyyy/MM/dd`, a real calendar day (2014/02/30 is rejected).
std::optional<std::chrono::year_month_day> parse_date(std::string_view s);
// edXML timestamp `yyyy/MM/dd HH:mm:ss` (24-hour clock, seconds 00..59).
bool is_timestamp(std::string_view s);
// Receipt timestamps: ISO-8601 UTC `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, fraction 1..9 digits.
bool is_iso8601_utc(std::string_view s);

// Non-negative decimal integer of at most 9 digits, no sign, no spaces.
std::optional<int> parse_small_int(std::string_view s);

// UTF-8 text made safe for XML 1.0 character data: invalid UTF-8 and characters XML forbids
// (C0 controls except tab/LF/CR, U+FFFE, U+FFFF) become U+FFFD; & < > are escaped; CR is
// written as &#13; so it survives parsing. With `attribute`, " tab and LF are escaped too.
std::string escape_xml(std::string_view utf8, bool attribute = false);

}  // namespace docaxis::edxml::text
