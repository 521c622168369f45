// export_audit_segments: the database's audit chain as segment files (pg_audit.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "audit/segment_files.hpp"
#include "store_pg/pg_audit.hpp"
#include "store_pg/pg_conn.hpp"

namespace docaxis::store {
namespace {

// Writes segment files one after the other: a new one once the current reaches `max` bytes,
// each fsync'ed when done, the directory fsync'ed after each is created.
class SegmentWriter {
 public:
  SegmentWriter(std::string dir, std::uint64_t max) : dir_(std::move(dir)), max_(max) {}
  ~SegmentWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // One record line (without '\n').
  Status add(const std::string& line) {
    if (fd_ < 0 || size_ >= max_) {
      if (Status s = next_segment(); !s.ok()) return s;
    }
    buffer_ += line;
    buffer_ += '\n';
    size_ += line.size() + 1;
    return buffer_.size() >= (1u << 20) ? flush() : Status();
  }
  Status finish() {
    if (fd_ < 0) return Status();
    if (Status s = close_segment(); !s.ok()) return s;
    return audit::fsync_dir(dir_);
  }
  std::uint64_t segments() const { return index_; }

 private:
  std::string path() const { return dir_ + "/" + audit::segment_name(index_); }
  Status next_segment() {
    if (fd_ >= 0) {
      if (Status s = close_segment(); !s.ok()) return s;
    }
    ++index_;
    fd_ = ::open(path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return audit::io_error("open", path(), errno);
    size_ = 0;
    return audit::fsync_dir(dir_);
  }
  Status flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return audit::io_error("write", path(), errno);
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return Status();
  }
  Status close_segment() {
    if (Status s = flush(); !s.ok()) return s;
    const int rc = ::fsync(fd_);
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    return rc == 0 ? Status() : audit::io_error("fsync", path(), err);
  }

  std::string dir_;
  std::uint64_t max_;
  std::uint64_t index_ = 0;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

Result<AuditExportReport> export_audit_segments(const std::string& conninfo,
                                                const std::string& dir,
                                                const AuditExportOptions& options) {
  if (dir.empty() || options.max_segment_bytes < 4096 || options.page_records == 0) {
    return Status("invalid-argument",
                  "audit export: a directory, max_segment_bytes >= 4096 and page_records >= 1 "
                  "are required");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status("unavailable", "cannot create " + dir + ": " + ec.message());
  auto existing = audit::list_segments(dir);
  if (!existing) return existing.status();
  if (!existing->empty()) {
    return Status("failed-precondition",
                  dir + " already holds audit segments: export into an empty directory");
  }
  auto conn = pg::Conn::connect(conninfo);
  if (!conn) return conn.status();
  pg::Conn& c = **conn;
  auto table = c.exec("SELECT to_regclass('audit_records') IS NOT NULL");
  if (!table) return table.status();
  if (table->text_at(0, 0) != "t") {
    return Status("failed-precondition",
                  "the database has no audit_records table (no PgAuditLog has opened it)");
  }
  // One snapshot for every page: appends commit in seq order, so it holds a prefix of the chain.
  if (Status s = c.exec_script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s.ok()) {
    return s;
  }
  AuditExportReport report;
  SegmentWriter out(dir, options.max_segment_bytes);
  std::int64_t after = 0;
  for (;;) {
    auto page = c.exec("SELECT seq, line FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2",
                       {pg::num(after), pg::num(options.page_records)});
    if (!page) return page.status();
    for (int i = 0; i < page->size(); ++i) {
      const std::string line = page->text_at(i, 1);
      if (Status s = out.add(line); !s.ok()) return s;
      after = page->int_at(i, 0);
      if (report.records++ == 0) report.first_seq = static_cast<std::uint64_t>(after);
      report.bytes += line.size() + 1;
    }
    if (page->size() < static_cast<int>(options.page_records)) break;
  }
  report.last_seq = static_cast<std::uint64_t>(after);
  (void)c.exec_script("COMMIT");
  if (Status s = out.finish(); !s.ok()) return s;
  report.segments = out.segments();
  return report;
}

}  // namespace docaxis::store
