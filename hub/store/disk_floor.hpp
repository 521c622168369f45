// DiskFloor: refuse new work before the disk fills up, not after a write has failed.
//
// It watches the filesystems of a few paths (the spool database, the audit log directory)
// against one floor of free bytes (config limits.min_free_disk_bytes). check() answers from a
// cached reading that it refreshes at most every `refresh` (500 ms by default), so it is cheap
// enough to call for every package, and the same object can answer a readiness probe.
//
// Free bytes are what an unprivileged writer may use (statvfs f_bavail * f_frsize). A path
// that does not exist yet is measured through its parent directory; a path that cannot be
// measured at all is skipped (a missing reading must not stop the hub; the write itself will
// still report its error).
//
// Error code (check()):
//   resource-exhausted  free space on one of the paths is below the floor (transient: the
//                       sender is told to retry later); the message names the path, the
//                       free bytes and the floor.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::store {

inline constexpr const char* kDiskFullCode = "resource-exhausted";

// statvfs(path) free bytes for an unprivileged writer ("unavailable" when it fails).
Result<std::uint64_t> statvfs_free_bytes(const std::string& path);

class DiskFloor {
 public:
  using FreeBytes = std::function<Result<std::uint64_t>(const std::string& path)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // floor_bytes 0 disables the check (check() is always ok, nothing is measured).
  DiskFloor(std::vector<std::string> paths, std::uint64_t floor_bytes,
            FreeBytes free_bytes = statvfs_free_bytes, Clock clock = {},
            std::chrono::milliseconds refresh = std::chrono::milliseconds(500));

  Status check() const;
  std::uint64_t floor_bytes() const { return floor_; }

 private:
  Status measure() const;

  std::vector<std::string> paths_;
  std::uint64_t floor_;
  FreeBytes free_bytes_;
  Clock clock_;
  std::chrono::milliseconds refresh_;
  mutable std::mutex mu_;
  mutable bool measured_ = false;
  mutable std::chrono::steady_clock::time_point measured_at_;
  mutable Status last_;
};

}  // namespace docaxis::store
