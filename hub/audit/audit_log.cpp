#include "audit/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "audit/events.hpp"
#include "audit/log_recovery.hpp"
#include "audit/segment_files.hpp"
#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"
#include "log/rate_limiter.hpp"

namespace docaxis::audit {
namespace {

log::Logger& audit_log() {
  static log::Logger& l = log::get("audit");
  return l;
}

// A full or failing disk fails every flush: a few lines per second per code say so.
void log_write_failed(const Status& st, std::uint64_t records) {
  static log::RateLimiter limiter(5);
  if (!audit_log().enabled(log::Level::error)) return;
  if (const auto d = limiter.admit(st.code()); d.log) {
    audit_log().error("write-failed", {{"code", st.code()},
                                       {"reason", st.message()},
                                       {"records_rolled_back", records},
                                       {"suppressed", d.suppressed}});
  }
}

}  // namespace

AuditLog::AuditLog(AuditOptions options) : opt_(std::move(options)) {
  if (!opt_.now) opt_.now = [] { return std::chrono::system_clock::now(); };
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditOptions options) {
  if (options.dir.empty()) return Status{"invalid-argument", "audit: no directory configured"};
  if (options.checkpoint_every_records == 0 || options.max_segment_bytes < 4096) {
    return Status{"invalid-argument",
                  "audit: checkpoint_every_records must be >= 1 and max_segment_bytes >= 4096"};
  }
  auto signer = CheckpointSigner::load(options.key_pem, options.cert_pem);
  if (!signer) return signer.status();
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  log->signer_ = std::move(*signer);
  if (Status st = log->recover_and_open(); !st.ok()) {
    log->closed_ = true;  // the destructor must not write into a log it failed to open
    return st;
  }
  return log;
}

Status AuditLog::recover_and_open() {
  std::error_code ec;
  std::filesystem::create_directories(opt_.dir, ec);
  if (ec) return Status{"unavailable", "cannot create " + opt_.dir + ": " + ec.message()};
  std::string lock_path = opt_.dir + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return io_error("open", lock_path, errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status{"failed-precondition", opt_.dir + " is in use by another audit log writer"};
  }
  auto tail = recover_tail(opt_.dir);
  if (!tail) return tail.status();
  segment_index_ = tail->segment_index == 0 ? 1 : tail->segment_index;
  segment_size_ = tail->segment_size;
  std::string path = opt_.dir + "/" + segment_name(segment_index_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return io_error("open", path, errno);
  if (tail->segment_index == 0) {
    if (Status st = fsync_dir(opt_.dir); !st.ok()) return st;
    ++stats_.segments_created;
  }
  chain_.next_seq = tail->last_seq + 1;
  durable_seq_ = tail->last_seq;
  chain_.hash = tail->head;
  durable_head_ = chain_.hash;
  last_checkpoint_time_ = opt_.now();
  stats_.recovered_bytes = tail->torn_bytes;

  std::unique_lock lk(mu_);
  if (tail->torn) {
    Record r;
    r.event.type = std::string(events::kRecovered);
    r.event.detail = {{"segment", tail->torn_segment},    {"offset", tail->torn_offset},
                      {"dropped_bytes", tail->torn_bytes}, {"dropped_sha256", tail->torn_sha256},
                      {"reason", tail->torn_reason},       {"saved_as", tail->torn_saved_as}};
    push_locked(r);
  }
  // Seal what a crash left unsealed, so the verifier can vouch for it from now on.
  if (tail->torn || (tail->last_seq != 0 && tail->last_type != events::kCheckpoint)) {
    since_checkpoint_ = std::max<std::uint64_t>(since_checkpoint_, 1);
    if (Status st = checkpoint_locked("open"); !st.ok()) return st;
  }
  if (Status st = flush_until_locked(lk, chain_.next_seq - 1, epoch_); !st.ok()) return st;
  lk.unlock();
  if (opt_.background_sealer && opt_.checkpoint_interval.count() > 0) {
    sealer_ = std::thread([this] {
      name_this_thread("dx-audit-seal");
      run_guarded("dx-audit-seal", [this] { sealer_loop(); });
    });
  }
  flusher_ = std::thread([this] {
    name_this_thread("dx-audit-sync");
    run_guarded("dx-audit-sync", [this] { flusher_loop(); });
  });
  return Status::ok_status();
}

AuditLog::~AuditLog() {
  (void)close();
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void AuditLog::push_locked(Record& r) {
  if (r.time.empty()) r.time = format_time(opt_.now());
  pending_ += chain_record(chain_, r);
  pending_ += '\n';
  ++since_checkpoint_;
}

Status AuditLog::checkpoint_locked(const std::string& reason) {
  if (since_checkpoint_ == 0) return Status::ok_status();
  auto now = opt_.now();
  auto r = checkpoint_record(chain_, format_time(now), *signer_, reason, since_checkpoint_);
  if (!r) {
    audit_log().error("checkpoint-failed", {{"code", r.status().code()},
                                            {"reason", r.status().message()},
                                            {"seq", chain_.next_seq}});
    return failed_ = r.status();
  }
  push_locked(*r);
  since_checkpoint_ = 0;
  last_checkpoint_time_ = now;
  ++stats_.checkpoints;
  return Status::ok_status();
}

Result<std::uint64_t> AuditLog::append(Event event) {
  std::vector<Event> one;
  one.push_back(std::move(event));
  return append_batch(std::move(one));
}

Result<std::uint64_t> AuditLog::append_batch(std::vector<Event> events) {
  if (Status st = validate_events(events); !st.ok()) return st;
  std::unique_lock lk(mu_);
  if (closed_) return Status{"failed-precondition", "the audit log is closed"};
  if (!failed_.ok()) return failed_;
  std::string time = format_time(opt_.now());
  for (Event& e : events) {
    Record r;
    r.time = time;
    r.event = std::move(e);
    push_locked(r);
  }
  std::uint64_t mine = chain_.next_seq - 1;
  bool interval_due = opt_.checkpoint_interval.count() > 0 &&
                      opt_.now() - last_checkpoint_time_ >= opt_.checkpoint_interval;
  if (since_checkpoint_ >= opt_.checkpoint_every_records || interval_due) {
    if (Status st = checkpoint_locked(interval_due ? "interval" : "count"); !st.ok()) return st;
  }
  if (Status st = flush_until_locked(lk, chain_.next_seq - 1, epoch_); !st.ok()) return st;
  return mine;
}

void AuditLog::append_async(std::vector<Event> events, AppendCallback done) {
  if (Status st = validate_events(events); !st.ok()) return done(st);
  std::unique_lock lk(mu_);
  Status refused;
  if (closed_) refused = Status{"failed-precondition", "the audit log is closed"};
  else if (!failed_.ok()) refused = failed_;
  if (!refused.ok()) {
    lk.unlock();
    return done(refused);
  }
  std::string time = format_time(opt_.now());
  for (Event& e : events) {
    Record r;
    r.time = time;
    r.event = std::move(e);
    push_locked(r);
  }
  const std::uint64_t mine = chain_.next_seq - 1;
  bool interval_due = opt_.checkpoint_interval.count() > 0 &&
                      opt_.now() - last_checkpoint_time_ >= opt_.checkpoint_interval;
  if (since_checkpoint_ >= opt_.checkpoint_every_records || interval_due) {
    // A failure is sticky (failed_): the flusher reports it to every waiter.
    (void)checkpoint_locked(interval_due ? "interval" : "count");
  }
  waiters_.push_back(Waiter{mine, epoch_, std::move(done)});
  flusher_cv_.notify_one();
}

Status AuditLog::append_deferred(std::vector<Event> events) {
  if (Status st = validate_events(events); !st.ok()) return st;
  std::lock_guard lk(mu_);
  if (closed_) return Status{"failed-precondition", "the audit log is closed"};
  if (!failed_.ok()) return failed_;
  const std::string time = format_time(opt_.now());
  for (Event& e : events) {
    Record r;
    r.time = time;
    r.event = std::move(e);
    push_locked(r);
  }
  return Status::ok_status();
}

void AuditLog::flusher_loop() {
  std::unique_lock lk(mu_);
  for (;;) {
    flusher_cv_.wait(lk, [this] { return closed_ || !waiters_.empty(); });
    if (waiters_.empty()) return;  // closed, nothing owed
    const Status st = flush_until_locked(lk, waiters_.back().seq, waiters_.back().epoch);
    // Waiters are in push order, so epochs never decrease along the queue: those of a rolled
    // back epoch failed with it, the others are durable unless the flush failed.
    std::vector<std::pair<Waiter, Status>> ready;
    while (!waiters_.empty()) {
      Waiter& w = waiters_.front();
      Status r;
      if (w.epoch != epoch_) r = lost_;
      else if (w.seq <= durable_seq_) r = Status::ok_status();
      else if (!st.ok()) r = st;
      else break;
      ready.emplace_back(std::move(w), std::move(r));
      waiters_.pop_front();
    }
    lk.unlock();
    for (auto& [w, r] : ready) {
      if (r.ok()) w.done(w.seq);
      else w.done(r);
    }
    lk.lock();
  }
}

Status AuditLog::checkpoint(const std::string& reason) {
  std::unique_lock lk(mu_);
  if (closed_) return Status{"failed-precondition", "the audit log is closed"};
  if (!failed_.ok()) return failed_;
  if (Status st = checkpoint_locked(reason); !st.ok()) return st;
  return flush_until_locked(lk, chain_.next_seq - 1, epoch_);
}

Status AuditLog::flush_until_locked(std::unique_lock<std::mutex>& lk, std::uint64_t seq,
                                    std::uint64_t epoch) {
  for (;;) {
    if (epoch != epoch_) return lost_;  // the records were rolled back after an I/O error
    if (durable_seq_ >= seq) return Status::ok_status();
    if (!failed_.ok()) return failed_;
    if (flushing_) {
      flushed_cv_.wait(lk);
      continue;
    }
    // Lead a group: take everything queued so far, write and sync it without the lock.
    flushing_ = true;
    // Let callers just woken by the previous flush queue their records first, so they join
    // this group instead of paying for the next fdatasync (measured: ~2x fewer syncs).
    lk.unlock();
    std::this_thread::yield();
    lk.lock();
    std::string bytes;
    bytes.swap(pending_);
    const std::uint64_t upto = chain_.next_seq - 1;
    const std::uint64_t from = durable_seq_;
    const std::string group_head = chain_.hash;
    lk.unlock();
    Status st = write_durable(bytes);
    if (!st.ok()) {
      needs_repair_ = true;
      log_write_failed(st, upto - from);
    }
    lk.lock();
    flushing_ = false;
    if (st.ok()) {
      stats_.records += upto - from;
      durable_seq_ = upto;
      durable_head_ = group_head;
    } else {
      roll_back_locked(st);
    }
    flushed_cv_.notify_all();
  }
}

void AuditLog::roll_back_locked(const Status& cause) {
  // Every record after the durable ones is chained onto the failed group: drop them all and
  // continue the chain from the last durable record. Their appends are told `cause`.
  lost_ = cause;
  lost_at_durable_ = durable_seq_;
  ++epoch_;
  pending_.clear();
  chain_.next_seq = durable_seq_ + 1;
  chain_.hash = durable_head_;
  since_checkpoint_ = std::max<std::uint64_t>(since_checkpoint_, 1);
}

Status AuditLog::repair_segment() {
  const std::string path = opt_.dir + "/" + segment_name(segment_index_);
  int err = fault("open");
  const int fd =
      err != 0 ? -1 : ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("open", path, err != 0 ? err : errno);
  if (::ftruncate(fd, static_cast<off_t>(segment_size_)) != 0 || ::fdatasync(fd) != 0) {
    err = errno;
    ::close(fd);
    return io_error("ftruncate", path, err);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  needs_repair_ = false;
  audit_log().info("segment-repaired", {{"path", path}, {"size", segment_size_}});
  return Status::ok_status();
}

Status AuditLog::write_durable(const std::string& bytes) {
  if (bytes.empty()) return Status::ok_status();
  // After a failed write the file may end in bytes of rolled-back records: cut them first.
  if (needs_repair_) {
    if (Status st = repair_segment(); !st.ok()) return st;
  }
  if (segment_size_ >= opt_.max_segment_bytes) {
    std::string path = opt_.dir + "/" + segment_name(segment_index_ + 1);
    // Not O_EXCL: a failed earlier attempt may have left the (empty) file behind.
    const int ferr = fault("open");
    int fd =
        ferr != 0 ? -1 : ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("open", path, ferr != 0 ? ferr : errno);
    if (Status st = fsync_dir(opt_.dir); !st.ok()) {
      ::close(fd);
      return st;
    }
    ::close(fd_);
    fd_ = fd;
    ++segment_index_;
    segment_size_ = 0;
    std::lock_guard g(mu_);
    ++stats_.segments_created;
  }
  std::string path = opt_.dir + "/" + segment_name(segment_index_);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const int werr = fault("write");
    ssize_t n = werr != 0 ? -1 : ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && werr == 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = werr != 0 ? werr : errno;
      // Take back a partial batch so the file keeps ending on a chained record; if even
      // this fails, repair_segment() retries before the next write.
      (void)!::ftruncate(fd_, static_cast<off_t>(segment_size_));
      return io_error("write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  const auto sync_began = std::chrono::steady_clock::now();
  int serr = fault("fdatasync");
  if (serr == 0 && ::fdatasync(fd_) != 0) serr = errno;
  if (serr != 0) return io_error("fdatasync", path, serr);
  sync_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_began).count());
  segment_size_ += bytes.size();
  std::lock_guard g(mu_);
  ++stats_.syncs;
  return Status::ok_status();
}

void AuditLog::sealer_loop() {
  std::unique_lock lk(mu_);
  // Deferred records (append_deferred) are made durable within kDeferredFlush even when no
  // other append comes to carry them.
  constexpr std::chrono::milliseconds kDeferredFlush{1000};
  while (!closed_) {
    sealer_cv_.wait_for(lk, std::min(opt_.checkpoint_interval, kDeferredFlush));
    if (closed_ || !failed_.ok()) continue;
    if (since_checkpoint_ > 0 && opt_.now() - last_checkpoint_time_ >= opt_.checkpoint_interval) {
      if (checkpoint_locked("interval").ok()) (void)flush_until_locked(lk, chain_.next_seq - 1, epoch_);
    } else if (durable_seq_ + 1 < chain_.next_seq && !flushing_) {
      (void)flush_until_locked(lk, chain_.next_seq - 1, epoch_);
    }
  }
}

Status AuditLog::close() {
  std::unique_lock lk(mu_);
  if (closed_) return Status::ok_status();
  closed_ = true;
  sealer_cv_.notify_all();
  flusher_cv_.notify_all();
  lk.unlock();
  if (sealer_.joinable()) sealer_.join();
  if (flusher_.joinable()) flusher_.join();  // answers every append_async first
  lk.lock();
  Status st = failed_;
  if (st.ok()) st = checkpoint_locked("shutdown");
  if (st.ok()) st = flush_until_locked(lk, chain_.next_seq - 1, epoch_);
  while (flushing_) flushed_cv_.wait(lk);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return st;
}

Status AuditLog::health() const {
  std::lock_guard g(mu_);
  if (!failed_.ok()) return failed_;
  if (closed_) return Status("failed-precondition", "the audit log is closed");
  if (!lost_.ok() && durable_seq_ == lost_at_durable_) return lost_;
  return {};
}

std::uint64_t AuditLog::last_seq() const {
  std::lock_guard g(mu_);
  return chain_.next_seq - 1;
}

AuditStats AuditLog::stats() const {
  std::lock_guard g(mu_);
  AuditStats out = stats_;
  out.sync_seconds = sync_seconds_.snapshot();
  return out;
}

std::string AuditLog::key_fingerprint() const {
  std::lock_guard lk(mu_);
  return signer_->fingerprint();
}

Result<std::string> AuditLog::replace_signer(std::unique_ptr<CheckpointSigner> next) {
  if (!next) return Status{"invalid-argument", "audit: no checkpoint signer"};
  std::unique_lock lk(mu_);
  if (closed_) return Status{"failed-precondition", "the audit log is closed"};
  if (!failed_.ok()) return failed_;
  if (Status st = checkpoint_locked("key-rollover"); !st.ok()) return st;
  const std::uint64_t sealed = chain_.next_seq - 1;
  const std::uint64_t epoch = epoch_;
  std::string old = signer_->fingerprint();
  signer_ = std::move(next);
  // The new key is installed either way. If this write fails (an I/O error, logged as
  // write-failed) the records are rolled back and re-sealed by a later checkpoint, signed by
  // the new key, which the verifier accepts as well.
  (void)flush_until_locked(lk, sealed, epoch);
  return old;
}

}  // namespace docaxis::audit
