// Segment files of an audit log directory: naming, listing, reading, line splitting, and the
// fsync of a directory. Segments are `audit-NNNNNN.log` (at least 6 digits, numbered from 1);
// every other file in the directory (LOCK, *.torn-* forensic copies) is ignored.
// Free functions, no shared state; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::audit {

struct Segment {
  std::uint64_t index = 0;
  std::string name;  // audit-000001.log
  std::string path;  // dir/name
};

std::string segment_name(std::uint64_t index);

// Segments sorted by index. "not-found" when `dir` is not a directory, "unavailable" on I/O error.
Result<std::vector<Segment>> list_segments(const std::string& dir);

// Whole file. "unavailable" on I/O error.
Result<std::string> read_all(const std::string& path);

// fsync(2) of a directory so that a created or renamed entry is durable. "unavailable" on error.
Status fsync_dir(const std::string& dir);

struct Line {
  std::size_t offset = 0;   // byte offset of the line in the file
  std::string_view text;    // without the '\n'
  bool terminated = false;  // false only for a last line without '\n'
};
std::vector<Line> split_lines(std::string_view data);

// "resource-exhausted" for ENOSPC/EDQUOT, else "unavailable"; message names the call and path.
Status io_error(const char* call, const std::string& path, int err);

}  // namespace docaxis::audit
