// The files of the hub's directory of organs (README.md "Directory"): the configured base file
// (`[vxp] directory_file`, read-only) and the overlay of changes made through the API
// (`<data_dir>/vxp-directory.json`). Both are JSON, version 1, and hostile input: bounded in
// size and count, every organ id checked with edxml::OrganId, duplicate ids and unknown keys
// refused, strings valid UTF-8 without control characters and bounded in length. Every error
// names the entry (`organs[3]`) and the field. Pure apart from the file reading and the atomic
// write at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::vxp {

inline constexpr std::size_t kMaxDirectoryFileBytes = 32 * 1024 * 1024;
inline constexpr std::size_t kMaxDirectoryOrgans = 200'000;
inline constexpr std::size_t kMaxOrganNameBytes = 1024;
inline constexpr std::size_t kMaxOrganMailBytes = 254;
inline constexpr std::size_t kMaxOrganCodeBytes = 64;  // code102, oldCode
inline constexpr int kMaxOrganLevel = 9;

// One organ as the API lists it. `id` is the organ id (ddd.dd.dd.Lnn): the API's `code`, and
// also its `id` (README.md "Directory": no second numbering exists on a hub).
struct Organ {
  std::string id;
  std::string pid;      // the parent organ's id; "" = none
  std::string name;     // never empty
  std::string mail;     // may be empty
  std::string code102;  // the code of Decision 20/2020 (QD20); "" = none
  std::string old_code; // "" = none
  int level = 0;        // 1..9; 0 = not given: the id's own level (edxml::OrganId::level)
  friend bool operator==(const Organ&, const Organ&) = default;
};

// An organ with its history: where its current state comes from.
struct DirectoryEntry {
  Organ organ;
  bool deleted = false;
  std::int64_t version = 0;  // directory version of its last change; 0 = as in the base file
  std::string modified_at;   // ISO 8601 UTC ("2026-12-07T01:20:10Z"); base: the file's mtime
  std::string modified_by;   // the system that changed it; "" = the base file
  friend bool operator==(const DirectoryEntry&, const DirectoryEntry&) = default;
};

// The overlay's content: every entry changed through the API (version >= 1) and the directory
// version (the number of changes made, never lower than an entry's version).
struct Overlay {
  std::int64_t version = 0;
  std::vector<DirectoryEntry> entries;
};

// The level shown for an organ: its `level`, else the level of its id (1..4).
int effective_level(const Organ& organ);

// The base file's text: `{"version":1,"organs":[{"id","pid","name","mail"[,"code102"]
// [,"oldCode"][,"level"]}...]}`. Code `invalid-directory`. Only the organs themselves are
// checked here; a pid naming no organ is checked once the overlay is applied
// (check_directory).
Result<std::vector<Organ>> parse_directory_file(std::string_view text);

// The overlay's text: `{"version":1,"directoryVersion":N,"organs":[{<organ fields>,
// "deleted":bool,"version":int,"modifiedAt":"...","modifiedBy":"..."}...]}`. Code
// `invalid-overlay`.
Result<Overlay> parse_overlay_file(std::string_view text);
std::string overlay_file_text(const Overlay& overlay);

// The organ a registerAgency body describes: a JSON object with `code` (required, an organ id),
// `name` (required), `pid`, `mail`, `code102`, `oldCode` (strings), `level` (1..9). `id` and
// any other member are ignored (the SDK's agency objects carry more), as is a null member.
// Code `bad-request`, the message naming the member.
Result<Organ> organ_of_request(std::string_view body);

// The whole directory is consistent: at most kMaxDirectoryOrgans entries, every live organ's
// pid names a live organ other than itself, no cycle of parents. `entries` sorted by id.
// Code `code`; the message names the organ.
Status check_directory(const std::vector<const DirectoryEntry*>& entries, const std::string& code);

// The bytes of a file, at most `max` of them (more: `too-large`); `missing` when it does not
// exist; `unavailable` for any other error. Follows no symbolic link when `no_follow`.
Result<std::string> read_bounded_file(const std::string& path, std::size_t max, bool no_follow);

// Replaces `path` with `text` atomically and durably: a temporary file in the same folder,
// written, fsync'ed, renamed over `path`, then the folder fsync'ed. Mode 0600. Code
// `unavailable` with the failing step.
Status write_file_atomically(const std::string& path, std::string_view text);

// ISO 8601 UTC with seconds, e.g. "2026-12-07T01:20:10Z".
std::string iso_utc_seconds(std::int64_t seconds_since_epoch);

}  // namespace docaxis::vxp
