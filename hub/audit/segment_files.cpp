#include "audit/segment_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace docaxis::audit {
namespace fs = std::filesystem;

std::string segment_name(std::uint64_t index) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "audit-%06llu.log", static_cast<unsigned long long>(index));
  return buf;
}

Result<std::vector<Segment>> list_segments(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status{"not-found", dir + " is not a directory"};
  std::vector<Segment> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() < 16 || name.compare(0, 6, "audit-") != 0 ||
        name.compare(name.size() - 4, 4, ".log") != 0) {
      continue;
    }
    std::string digits = name.substr(6, name.size() - 10);
    if (digits.size() < 6 || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    Segment s;
    s.index = std::stoull(digits);
    s.name = name;
    s.path = (fs::path(dir) / name).string();
    out.push_back(std::move(s));
  }
  if (ec) return Status{"unavailable", "cannot list " + dir + ": " + ec.message()};
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) { return a.index < b.index; });
  return out;
}

Result<std::string> read_all(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path, errno);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("read", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync", dir, err);
  return Status::ok_status();
}

std::vector<Line> split_lines(std::string_view data) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back({pos, data.substr(pos), false});
      break;
    }
    lines.push_back({pos, data.substr(pos, nl - pos), true});
    pos = nl + 1;
  }
  return lines;
}

Status io_error(const char* call, const std::string& path, int err) {
  std::string msg = std::string(call) + " " + path + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status{"resource-exhausted", msg};
  return Status{"unavailable", msg};
}

}  // namespace docaxis::audit
