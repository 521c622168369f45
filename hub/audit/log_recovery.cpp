#include "audit/log_recovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "audit/segment_files.hpp"

namespace docaxis::audit {
namespace {

struct Scan {
  std::size_t valid_end = 0;  // bytes of chained records
  std::uint64_t last_seq = 0;
  std::string head;
  std::string last_type;
  bool has_bad = false;       // a bad line or unterminated tail starts at valid_end
  std::string bad_reason;
  bool good_after_bad = false;
  std::size_t bad_line = 0;   // 1-based
};

Scan scan(std::string_view data) {
  Scan s;
  auto lines = split_lines(data);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (!s.has_bad) {
      std::string why;
      if (!l.terminated) {
        why = "unterminated last line";
      } else if (auto r = parse_line(l.text); !r) {
        why = r.status().to_string();
      } else if (s.last_seq != 0 && (r->seq != s.last_seq + 1 || r->prev != s.head)) {
        why = "record seq " + std::to_string(r->seq) + " does not chain to seq " +
              std::to_string(s.last_seq);
      } else {
        s.last_seq = r->seq;
        s.head = sha256_hex(l.text);
        s.last_type = r->event.type;
        s.valid_end = l.offset + l.text.size() + 1;
        continue;
      }
      s.has_bad = true;
      s.bad_reason = why;
      s.bad_line = i + 1;
    } else if (l.terminated && parse_line(l.text).ok()) {
      s.good_after_bad = true;
      return s;
    }
  }
  return s;
}

Status write_copy(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("open", path, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::ok_status() : io_error("fsync", path, err);
}

Status cut(const std::string& path, std::size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path, errno);
  int rc = ::ftruncate(fd, static_cast<off_t>(size));
  if (rc == 0) rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::ok_status() : io_error("truncate", path, err);
}

}  // namespace

Result<TailState> recover_tail(const std::string& dir) {
  auto segments = list_segments(dir);
  if (!segments) return segments.status();
  TailState t;
  if (segments->empty()) return t;
  t.segment_index = segments->back().index;
  // Walk back over trailing segments that hold no record (a crash right after rotation).
  for (auto it = segments->rbegin(); it != segments->rend(); ++it) {
    auto data = read_all(it->path);
    if (!data) return data.status();
    Scan s = scan(*data);
    bool is_last = it == segments->rbegin();
    if (s.has_bad && (s.good_after_bad || !is_last)) {
      return Status{"data-loss", it->name + " line " + std::to_string(s.bad_line) + ": " +
                                     s.bad_reason + " (not a torn tail; run the verifier)"};
    }
    if (s.has_bad) {
      std::string_view torn = std::string_view(*data).substr(s.valid_end);
      t.torn = true;
      t.torn_segment = it->name;
      t.torn_offset = s.valid_end;
      t.torn_bytes = torn.size();
      t.torn_sha256 = sha256_hex(torn);
      t.torn_reason = s.bad_reason;
      t.torn_saved_as = it->name + ".torn-" + std::to_string(s.valid_end);
      if (Status st = write_copy(dir + "/" + t.torn_saved_as, torn); !st.ok()) return st;
      if (Status st = fsync_dir(dir); !st.ok()) return st;
      if (Status st = cut(it->path, s.valid_end); !st.ok()) return st;
    }
    if (is_last) t.segment_size = s.valid_end;
    if (s.last_seq != 0) {
      t.last_seq = s.last_seq;
      t.head = s.head;
      t.last_type = s.last_type;
      break;
    }
  }
  return t;
}

}  // namespace docaxis::audit
