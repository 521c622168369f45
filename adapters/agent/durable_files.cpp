#include "agent/durable_files.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace docaxis::agent {

namespace {

Status io_error(const std::string& call, const fs::path& path, int err) {
  return {"unavailable", call + " " + path.string() + ": " + std::strerror(err)};
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_incomplete_name(std::string_view name) {
  return name.empty() || name.front() == '.' || ends_with(name, ".tmp") || ends_with(name, ".part");
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) return Status{"not-found", path.string() + " does not exist"};
    return io_error("open", path, errno);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return io_error("read", path, errno);
  return ss.str();
}

Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync", dir, err);
  return {};
}

namespace {

// Creates dir/.docaxis-agent.<name>.<pid>.tmp with O_EXCL | O_NOFOLLOW (a symlink planted
// at that predictable name is removed, never followed), writes `bytes` and fsyncs it.
Result<fs::path> write_temp(const fs::path& dir, const std::string& name, std::string_view bytes) {
  const fs::path tmp =
      dir / (std::string(kTempPrefix) + name + "." + std::to_string(::getpid()) + ".tmp");
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(tmp.c_str(), flags, 0644);
  if (fd < 0 && (errno == EEXIST || errno == ELOOP)) {
    ::unlink(tmp.c_str());  // a stale temp of a killed predecessor, or a planted link
    fd = ::open(tmp.c_str(), flags, 0644);
  }
  if (fd < 0) return io_error("create", tmp, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("write", tmp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  // The data must be on disk before the name points at it, or a power loss could leave the
  // final name on an empty file.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("fsync", tmp, err);
  }
  ::close(fd);
  return tmp;
}

}  // namespace

Status write_atomic(const fs::path& dir, const std::string& name, std::string_view bytes) {
  auto tmp = write_temp(dir, name, bytes);
  if (!tmp) return tmp.status();
  const fs::path target = dir / name;
  if (::rename(tmp->c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp->c_str());
    return io_error("rename", target, err);
  }
  return fsync_dir(dir);
}

Status write_new(const fs::path& dir, const std::string& name, std::string_view bytes) {
  auto tmp = write_temp(dir, name, bytes);
  if (!tmp) return tmp.status();
  const fs::path target = dir / name;
  if (::renameat2(AT_FDCWD, tmp->c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    ::unlink(tmp->c_str());
    if (err == EEXIST) return {"already-exists", target.string() + " exists"};
    return io_error("rename", target, err);
  }
  return fsync_dir(dir);
}

bool holds_exactly(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              static_cast<std::size_t>(st.st_size) == bytes.size();
  std::size_t done = 0;
  char buf[65536];
  while (same && done < bytes.size()) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || done + static_cast<std::size_t>(n) > bytes.size()) {
      same = false;
      break;
    }
    same = bytes.substr(done, static_cast<std::size_t>(n)) ==
           std::string_view(buf, static_cast<std::size_t>(n));
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return same && done == bytes.size();
}

Status rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return {"already-exists", to.string() + " exists"};
    if (errno == ENOENT && !fs::exists(from)) {
      return {"not-found", from.string() + " does not exist"};
    }
    return io_error("rename " + from.string() + " to", to, errno);
  }
  if (Status s = fsync_dir(to.parent_path()); !s.ok()) return s;
  if (from.parent_path() != to.parent_path()) return fsync_dir(from.parent_path());
  return {};
}

std::string free_name(const fs::path& dir, const std::string& name,
                      const std::string& companion_suffix) {
  auto taken = [&](const std::string& n) {
    std::error_code ec;
    return fs::exists(dir / n, ec) ||
           (!companion_suffix.empty() && fs::exists(dir / (n + companion_suffix), ec));
  };
  if (!taken(name)) return name;
  for (int i = 2;; ++i) {
    std::string candidate = name + "~" + std::to_string(i);
    if (!taken(candidate)) return candidate;
  }
}

Status touch_durable(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", path, errno);
  ::close(fd);
  return fsync_dir(path.parent_path());
}

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) {
    return {"unavailable", "cannot create folder " + dir.string() +
                               (ec ? ": " + ec.message() : ": not a folder")};
  }
  return {};
}

void remove_stale_temps(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(kTempPrefix, 0) == 0) fs::remove(e.path(), ec);
  }
}

}  // namespace docaxis::agent
