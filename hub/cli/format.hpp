// Human output and input of the `docaxis` admin commands: aligned tables, readable sizes,
// durations, ages and times, duration and time arguments, and a progress bar for long
// operations. Pure functions (except ProgressBar, which writes to a stream); unit-tested in
// tests/unit/cli/format_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::cli {

// An aligned text table: a header row, then rows, columns separated by two spaces. Columns
// marked right-aligned (numbers) are padded on the left. The last column is not padded.
// Widths count UTF-8 code points, so Vietnamese names line up.
class Table {
 public:
  struct Column {
    std::string header;
    bool right = false;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add(std::vector<std::string> row);  // missing cells are empty, extra ones dropped
  bool empty() const { return rows_.empty(); }
  std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text in code points.
std::size_t display_width(std::string_view utf8);
// At most `max` code points; a cut string ends in "…".
std::string ellipsize(std::string_view utf8, std::size_t max);

// 0 B, 999 B, 1.0 KiB, 12.5 KiB, 3.2 MiB, 1.1 GiB (binary units, one decimal from KiB on).
std::string human_size(uint64_t bytes);
// A duration in ms, two most significant units: 0s, 850ms, 45s, 3m12s, 2h05m, 4d03h.
std::string human_duration(int64_t ms);
// "-" for none, else human_duration.
std::string human_age(std::optional<int64_t> ms);
// A moment relative to now: "now", "in 12s", "3m05s ago"; "-" for none.
std::string relative_time(std::optional<int64_t> t_ms, int64_t now_ms);
// UTC, seconds: 2025-11-22T02:57:01Z.
std::string iso_time(int64_t unix_ms);
// UTC with milliseconds: 2025-11-22T02:57:01.123Z (the audit log's form).
std::string iso_time_ms(int64_t unix_ms);

// A duration argument: one or more <number><unit> with unit ms, s, m, h, d, w, e.g. "90s",
// "15m", "7d", "1h30m", "0s". Returns ms. invalid-argument when malformed, negative or
// without a unit (a bare "30" is ambiguous and refused).
Result<int64_t> parse_duration(std::string_view text);
// A time argument, returned as unix ms: RFC 3339 (2025-11-22T02:57:01Z, fractions and
// +07:00 offsets allowed), a date (2025-11-22 = 00:00 UTC), "now", or a duration meaning
// that long ago ("2h" = now - 2 h).
Result<int64_t> parse_time(std::string_view text, int64_t now_ms);

// One line of a progress bar, e.g. "verify  [########------------]  40%  4.0 MiB/10.0 MiB".
// `bytes`: show done/total as sizes, else as counts. total 0: no percentage.
std::string render_progress(std::string_view label, uint64_t done, uint64_t total, int width,
                            bool bytes);

// Draws render_progress on `out` (standard error) when it is a terminal: redrawn in place at
// most every 100 ms, erased by finish(). On a non-terminal it prints nothing, so scripts and
// logs stay clean.
class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total, bool bytes, bool enabled);
  ~ProgressBar();
  void set_total(uint64_t total) { total_ = total; }
  void update(uint64_t done);
  void finish();
  // True when standard error is a terminal (and TERM is not "dumb").
  static bool stderr_is_terminal();

 private:
  std::string label_;
  uint64_t total_;
  bool bytes_;
  bool enabled_;
  bool drawn_ = false;
  int64_t last_draw_ms_ = 0;
};

// RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view text);

}  // namespace docaxis::cli
