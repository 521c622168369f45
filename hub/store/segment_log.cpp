#include "store/segment_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace docaxis::store {
namespace fs = std::filesystem;
namespace {

Status io_error(const std::string& what, const fs::path& p, int err) {
  return Status("unavailable", what + " " + p.string() + ": " + std::strerror(err));
}

// 00000042.seg -> 42; anything else -> 0.
int64_t segment_number(const std::string& name) {
  if (name.size() != 12 || name.compare(8, 4, ".seg") != 0) return 0;
  int64_t n = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    n = n * 10 + (name[i] - '0');
  }
  return n;
}

}  // namespace

Result<std::unique_ptr<SegmentLog>> SegmentLog::open(fs::path dir, uint64_t max_segment_bytes) {
  std::unique_ptr<SegmentLog> log(new SegmentLog(std::move(dir), max_segment_bytes));
  if (::mkdir(log->dir_.c_str(), 0700) != 0) {
    const int err = errno;
    if (err != EEXIST) return io_error("cannot create", log->dir_, err);
  } else {
    log->dir_unsynced_ = true;  // its entry in the parent folder (synced with the first batch)
  }
  std::error_code ec;
  if (!fs::is_directory(log->dir_, ec)) {
    return Status("unavailable", log->dir_.string() + " is not a folder");
  }
  fs::directory_iterator it(log->dir_, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    log->current_ = std::max(log->current_.load(), segment_number(it->path().filename().string()));
  }
  if (ec) return Status("unavailable", "cannot list " + log->dir_.string() + ": " + ec.message());
  if (log->current_ > 0) {
    const fs::path p = log->path_of(log->current_);
    log->write_fd_ = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (log->write_fd_ < 0) {
      const int err = errno;
      return io_error("cannot open", p, err);
    }
    struct stat st {};
    if (::fstat(log->write_fd_, &st) != 0) {
      const int err = errno;
      return io_error("cannot stat", p, err);
    }
    log->end_ = static_cast<uint64_t>(st.st_size);
  }
  return log;
}

SegmentLog::ReadFd::~ReadFd() { ::close(fd); }

SegmentLog::~SegmentLog() {
  if (write_fd_ >= 0) ::close(write_fd_);
}

fs::path SegmentLog::path_of(int64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08lld.seg", static_cast<long long>(segment));
  return dir_ / name;
}

Status SegmentLog::start_segment(int64_t segment) {
  if (write_fd_ >= 0) {
    // The segment being left is made durable now: sync() covers the current one only.
    if (dirty_ && ::fdatasync(write_fd_) != 0) {
      const int err = errno;
      broken_ = io_error("cannot sync", path_of(current_), err);
      return broken_;
    }
    dirty_ = false;
    ::close(write_fd_);
    write_fd_ = -1;
  }
  const fs::path p = path_of(segment);
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;  // a transient failure (descriptors, quota): the next append retries
    return io_error("cannot create", p, err);
  }
  write_fd_ = fd;
  current_ = segment;
  end_ = 0;
  dir_unsynced_ = true;
  return Status();
}

Result<SegmentRef> SegmentLog::append(std::string_view bytes) {
  if (!broken_.ok()) return broken_;
  if (write_fd_ < 0 || (end_ > 0 && end_ + bytes.size() > max_segment_bytes_)) {
    if (Status s = start_segment(current_ + 1); !s.ok()) return s;
  }
  const SegmentRef ref{current_, static_cast<int64_t>(end_)};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(write_fd_, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(end_ + done));
    const int err = n < 0 ? errno : ENOSPC;
    if (n < 0 && err == EINTR) continue;
    // A failed write leaves bytes no row refers to; the next append writes over them.
    if (n <= 0) return io_error("cannot write", path_of(current_), err);
    done += static_cast<std::size_t>(n);
  }
  end_ += bytes.size();
  dirty_ = true;
  return ref;
}

Status SegmentLog::sync() {
  if (!broken_.ok()) return broken_;
  if (dirty_ && write_fd_ >= 0) {
    // After a failed fdatasync the kernel may have dropped the dirty pages and report the
    // next one clean: the log refuses every later write instead (the hub answers unavailable).
    if (::fdatasync(write_fd_) != 0) {
      const int err = errno;
      broken_ = io_error("cannot sync", path_of(current_), err);
      return broken_;
    }
    dirty_ = false;
  }
  if (dir_unsynced_) {
    // The folder (a segment created in it) and its parent (the folder created in it).
    for (const fs::path& d : {dir_, dir_.parent_path()}) {
      const int dfd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0) {
        const int err = errno;
        return io_error("cannot open", d, err);
      }
      const int rc = ::fsync(dfd);
      const int err = errno;
      ::close(dfd);
      if (rc != 0) {
        broken_ = io_error("cannot sync", d, err);
        return broken_;
      }
    }
    dir_unsynced_ = false;
  }
  return Status();
}

Result<std::shared_ptr<SegmentLog::ReadFd>> SegmentLog::reader_fd(int64_t segment) const {
  std::lock_guard lock(read_mu_);
  ++read_clock_;
  if (auto it = read_fds_.find(segment); it != read_fds_.end()) {
    it->second.second = read_clock_;
    return it->second.first;
  }
  const fs::path p = path_of(segment);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status("data-loss", "segment " + p.string() + " is missing");
    return io_error("cannot open", p, err);
  }
  auto holder = std::make_shared<ReadFd>(fd);
  if (read_fds_.size() >= kReadFds) {  // the least recently used goes (closed after its reads)
    auto oldest = read_fds_.begin();
    for (auto it = read_fds_.begin(); it != read_fds_.end(); ++it)
      if (it->second.second < oldest->second.second) oldest = it;
    read_fds_.erase(oldest);
  }
  read_fds_.emplace(segment, std::make_pair(holder, read_clock_));
  return holder;
}

Result<std::string> SegmentLog::read(SegmentRef ref, uint64_t size) const {
  if (ref.segment <= 0 || ref.offset < 0 || size > (uint64_t{1} << 40)) {
    return Status("data-loss", "a package row points at segment " + std::to_string(ref.segment) +
                                   " offset " + std::to_string(ref.offset) + " size " +
                                   std::to_string(size));
  }
  auto fd = reader_fd(ref.segment);
  if (!fd) return fd.status();
  std::string out(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread((*fd)->fd, out.data() + done, size - done,
                              static_cast<off_t>(ref.offset) + static_cast<off_t>(done));
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0) return io_error("cannot read", path_of(ref.segment), err);
    if (n == 0) {
      return Status("data-loss", path_of(ref.segment).string() + " ends before byte " +
                                     std::to_string(ref.offset + static_cast<int64_t>(size)));
    }
    done += static_cast<std::size_t>(n);
  }
  return out;
}

int64_t SegmentLog::file_size(int64_t segment) const {
  struct stat st {};
  if (::stat(path_of(segment).c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

Result<std::vector<std::pair<int64_t, uint64_t>>> SegmentLog::list() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const int64_t n = segment_number(it->path().filename().string());
    if (n <= 0) continue;
    std::error_code size_ec;
    const auto size = fs::file_size(it->path(), size_ec);
    if (!size_ec) out.emplace_back(n, static_cast<uint64_t>(size));
  }
  if (ec) return Status("unavailable", "cannot list " + dir_.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<bool> SegmentLog::remove(int64_t segment) {
  if (segment <= 0 || segment >= current_.load()) {
    return Status("internal", "segment " + std::to_string(segment) +
                                  " is not sealed (appends go to " +
                                  std::to_string(current_.load()) + ")");
  }
  {
    std::lock_guard lock(read_mu_);
    read_fds_.erase(segment);  // closed once the reads holding it end
  }
  const fs::path p = path_of(segment);
  if (::unlink(p.c_str()) != 0) {
    const int err = errno;
    if (err == ENOENT) return false;
    return io_error("cannot delete", p, err);
  }
  return true;
}

}  // namespace docaxis::store
