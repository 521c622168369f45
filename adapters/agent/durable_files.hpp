// Crash-safe file operations for the folder mode and `receive`: every file the agent creates
// appears under its final name complete and durable (temporary dot-name in the same folder,
// fsync, rename, fsync of the folder), and every move is one atomic rename that never
// replaces an existing file. POSIX only. Functions are reentrant; two agents must not share
// folders.
//
// Error codes: unavailable (an I/O call failed; the message names the call, the path and
// errno's text), already-exists (rename_no_replace: the target exists), not-found (read:
// no such file).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::agent {

namespace fs = std::filesystem;

// The prefix of every temporary file the agent makes (".docaxis-agent.").
inline constexpr std::string_view kTempPrefix = ".docaxis-agent.";

// Names the folder mode never takes from outbox/: hidden names (starting with '.') and names
// ending in ".tmp" or ".part" (files still being written).
bool is_incomplete_name(std::string_view name);

Result<std::string> read_file(const fs::path& path);

// Writes `bytes` to dir/name: dir/.docaxis-agent.<name>.<pid>.tmp (created with O_EXCL |
// O_NOFOLLOW: a symlink planted there is never followed), fsync, rename over dir/name
// (replacing it; rename(2) replaces a symlink, it does not follow it), fsync dir. Readers see
// the old content or the new, never a part.
Status write_atomic(const fs::path& dir, const std::string& name, std::string_view bytes);

// Like write_atomic, but never replaces anything: the rename is renameat2 NOREPLACE, and
// already-exists is returned when dir/name exists (a file, a folder or a symlink, which is
// not followed).
Status write_new(const fs::path& dir, const std::string& name, std::string_view bytes);

// True when `path` is a regular file (not a symlink: O_NOFOLLOW) holding exactly `bytes`.
bool holds_exactly(const fs::path& path, std::string_view bytes);

// rename(2) that fails with already-exists instead of replacing `to` (renameat2 NOREPLACE),
// then fsync of both folders.
Status rename_no_replace(const fs::path& from, const fs::path& to);

// The first of `name`, `name~2`, `name~3`, … that exists in `dir` neither as itself nor with
// `companion_suffix` appended (e.g. ".reason"; "" = no companion).
std::string free_name(const fs::path& dir, const std::string& name,
                      const std::string& companion_suffix = "");

// Creates an empty file durably (marker; O_NOFOLLOW); ok if it exists already.
Status touch_durable(const fs::path& path);

Status fsync_dir(const fs::path& dir);

// Creates the folder (and parents) if missing; unavailable if it cannot, or is not a folder.
Status ensure_dir(const fs::path& dir);

// Deletes temporary files left in `dir` by a killed agent (names starting with kTempPrefix).
void remove_stale_temps(const fs::path& dir);

}  // namespace docaxis::agent
