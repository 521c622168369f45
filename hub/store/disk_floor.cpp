#include "store/disk_floor.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace docaxis::store {

Result<std::uint64_t> statvfs_free_bytes(const std::string& path) {
  struct statvfs st {};
  std::string at = path;
  int rc = ::statvfs(at.c_str(), &st);
  if (rc != 0 && errno == ENOENT) {  // not created yet: its directory's filesystem
    at = std::filesystem::path(path).parent_path().string();
    if (at.empty()) at = ".";
    rc = ::statvfs(at.c_str(), &st);
  }
  if (rc != 0) return Status("unavailable", "statvfs " + at + ": " + std::strerror(errno));
  return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

DiskFloor::DiskFloor(std::vector<std::string> paths, std::uint64_t floor_bytes,
                     FreeBytes free_bytes, Clock clock, std::chrono::milliseconds refresh)
    : paths_(std::move(paths)),
      floor_(floor_bytes),
      free_bytes_(std::move(free_bytes)),
      clock_(std::move(clock)),
      refresh_(refresh) {
  if (!free_bytes_) free_bytes_ = statvfs_free_bytes;
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

Status DiskFloor::check() const {
  if (floor_ == 0) return Status();
  std::lock_guard lk(mu_);
  const auto now = clock_();
  if (!measured_ || now - measured_at_ >= refresh_) {
    last_ = measure();
    measured_ = true;
    measured_at_ = now;
  }
  return last_;
}

Status DiskFloor::measure() const {
  for (const std::string& path : paths_) {
    if (path.empty()) continue;
    auto free = free_bytes_(path);
    if (!free.ok() || *free >= floor_) continue;
    return Status(kDiskFullCode, "disk full: " + std::to_string(*free) +
                                     " bytes free on the filesystem of " + path +
                                     ", below the floor of " + std::to_string(floor_) +
                                     " bytes (limits.min_free_disk_bytes); retry later");
  }
  return Status();
}

}  // namespace docaxis::store
