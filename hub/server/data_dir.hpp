// The hub's data directory (spool, audit log, hub.port, TLS PEMs, admin socket): owner-only.
//
// prepare_data_dir(dir) is called at start, before anything is written there, for
// `[hub] data_dir` and for a separately configured `[audit] dir`:
//   - missing: created with mode 0700 (parents as needed, under the hub's umask 077);
//   - a symbolic link, not a directory, not owned by the effective uid, or group- or
//     world-writable: refused with code "data-dir-unsafe" (the hub exits 2; the operator
//     fixes the directory, a restart cannot);
//   - owned and not writable by others but readable/searchable by them (0755, 0750: what
//     hubs before issue 12 created): tightened to 0700 in place. Files inside from those
//     hubs may still be 0644; the 0700 directory is what keeps others out of them.
// Checks and chmod go through one O_NOFOLLOW descriptor, so a directory swapped for a
// symlink between the check and the chmod is not followed.
//
// Codes: "data-dir-unsafe" (refused, see above), "unavailable" (cannot create or open it).
#pragma once

#include <filesystem>

#include "common/status.hpp"

namespace docaxis::server {

Status prepare_data_dir(const std::filesystem::path& dir);

}  // namespace docaxis::server
