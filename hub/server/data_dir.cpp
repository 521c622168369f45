#include "server/data_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include "common/unique_fd.hpp"

namespace docaxis::server {
namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status unsafe(const std::filesystem::path& dir, const std::string& why) {
  return {"data-dir-unsafe", dir.string() + ": " + why};
}

// Creates `dir` (mode 0700) and its missing parents. An EEXIST race is fine: the caller
// checks whatever is there afterwards.
Status create(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) return {"unavailable", dir.parent_path().string() + ": " + ec.message()};
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return {"unavailable", dir.string() + ": cannot create: " + std::strerror(errno)};
  return {};
}

}  // namespace

Status prepare_data_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return {"unavailable", "no data directory configured"};
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return {"unavailable", dir.string() + ": " + std::strerror(errno)};
    if (Status s = create(dir); !s.ok()) return s;
    if (::lstat(dir.c_str(), &st) != 0)
      return {"unavailable", dir.string() + ": " + std::strerror(errno)};
  }
  if (S_ISLNK(st.st_mode))
    return unsafe(dir, "is a symbolic link; configure the directory it points to instead");
  if (!S_ISDIR(st.st_mode)) return unsafe(dir, "exists and is not a directory");

  const int raw = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ELOOP) return unsafe(dir, "is a symbolic link");
    return {"unavailable", dir.string() + ": cannot open: " + std::strerror(errno)};
  }
  const UniqueFd fd(raw);
  if (::fstat(fd.get(), &st) != 0)
    return {"unavailable", dir.string() + ": " + std::strerror(errno)};
  if (st.st_uid != ::geteuid()) {
    return unsafe(dir, "is owned by uid " + std::to_string(st.st_uid) +
                           ", not by the hub's effective uid " + std::to_string(::geteuid()) +
                           "; chown it to the hub's user");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return unsafe(dir, "mode " + octal(st.st_mode) +
                           " lets other users write there; chmod 0700 it (the hub refuses a "
                           "data directory others can write)");
  }
  if ((st.st_mode & 07777) != 0700 && ::fchmod(fd.get(), 0700) != 0)
    return {"unavailable", dir.string() + ": cannot chmod 0700: " + std::strerror(errno)};
  return {};
}

}  // namespace docaxis::server
