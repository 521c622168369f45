// AuditLog: the hub's append-only, hash-chained, checkpoint-signed audit log (README.md has the
// file format). One AuditLog owns one directory; a LOCK file (flock) keeps a second process out.
//
// Durability contract: append / append_batch return only after the records (and any checkpoint
// they triggered) are written and fdatasync'ed. Concurrent callers are group-committed: while
// one thread writes and syncs, the others' records queue up and go out with the next single
// fdatasync, so N threads appending one event each cost far fewer than N syncs.
// A crash can leave at most a torn tail of never-acknowledged bytes in the last segment; open()
// cuts it off (keeping a forensic copy `<segment>.torn-<offset>`), appends a `recovered` event
// that names what was dropped, and seals everything before with a checkpoint. Corruption that
// is not a tail (a bad line followed by good ones) is never chained past: open() fails.
//
// Checkpoints (signed with the hub key) are added every `checkpoint_every_records` records, on
// the first append after `checkpoint_interval`, by the background sealer when the log is idle
// and unsealed for `checkpoint_interval`, at open() over an unsealed tail, by checkpoint(), and
// by close().
//
// Thread model: every public method may be called from any thread. One mutex orders records;
// the write+fdatasync runs outside it, done by whichever waiting caller leads the group (for
// append_async: the internal flusher thread, which also runs the callbacks). The optional
// sealer and the flusher are internal threads, stopped by close().
//
// Error codes:
//   invalid-argument     bad options, key/cert, event type, reserved type, non-object detail
//   failed-precondition  directory locked by another process; log closed; log failed earlier
//   data-loss            open(): a corrupt record that is not a torn tail (run the verifier)
//   unavailable          an I/O error (write, fdatasync, open); not sticky, see below
//   resource-exhausted   disk full (ENOSPC / EDQUOT); not sticky, like unavailable
//   internal             OpenSSL failed to sign a checkpoint; sticky
// I/O errors fail only the records of the group being written, and every record queued behind
// it (they are chained onto the failed ones): each of their appends gets the error, none is
// acknowledged, and the log rolls back to its last durable record (seq, chain head). The
// segment is cut back to its durable size (reopened first if needed) before the next write,
// so the next append retries on the same chain and the log recovers by itself once the disk
// works again. Only a failed checkpoint signature is sticky: reopen to continue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_trail.hpp"
#include "audit/chain.hpp"
#include "audit/checkpoint_keys.hpp"
#include "audit/record.hpp"
#include "common/status.hpp"
#include "metrics/histogram.hpp"

namespace docaxis::audit {

struct AuditOptions {
  std::string dir;       // created if missing
  std::string key_pem;   // hub private key (EC P-256), PEM file
  std::string cert_pem;  // the matching hub certificate, PEM file
  // A new segment starts before the first write once the current one reaches this size.
  std::uint64_t max_segment_bytes = 64ull << 20;
  std::uint64_t checkpoint_every_records = 10000;
  // 0 disables time-driven checkpoints (and the sealer thread).
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(60)};
  bool background_sealer = true;
  // Wall clock for record times and checkpoint intervals (tests inject one).
  std::function<std::chrono::system_clock::time_point()> now;
  // Fault injection for tests: called before each write, fdatasync and (re)open of a segment
  // with the call's name ("write", "fdatasync", "open"); a non-zero result is taken as that
  // call's errno.
  std::function<int(const char* call)> fault;
};

// The file implementation of AuditTrail (audit_trail.hpp).
class AuditLog final : public AuditTrail {
 public:
  static Result<std::unique_ptr<AuditLog>> open(AuditOptions options);
  ~AuditLog() override;  // close(), ignoring its status
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one event; returns its seq once durable.
  Result<std::uint64_t> append(Event event) override;
  // Appends events as consecutive records with one write and one fdatasync; returns the seq
  // of the last one once all are durable. An empty batch returns the current last seq.
  Result<std::uint64_t> append_batch(std::vector<Event> events) override;
  // Non-blocking append_batch: the records are ordered (and their seqs assigned) now; `done`
  // runs once they are durable, or with the error, on the flusher thread (or at once on the
  // caller's thread for an invalid event or a closed/failed log). `done` must not block on
  // the log. Many callers share one fdatasync, however few threads they have.
  void append_async(std::vector<Event> events, AppendCallback done) override;
  // Best-effort records (sampled refusals): ordered now, but no sync of their own; they
  // become durable with the next sync of any other append, checkpoint or close(), or within a
  // second by the sealer, and are lost if that write fails. An error only for an invalid event or a closed/failed log.
  Status append_deferred(std::vector<Event> events) override;
  // Writes a checkpoint now (if any record follows the last one) and waits until durable.
  Status checkpoint(const std::string& reason = "manual") override;
  // Stops the sealer, writes a "shutdown" checkpoint over an unsealed tail, syncs, closes.
  // Idempotent; later appends return failed-precondition.
  Status close() override;

  // Hub key rollover: seals what was written so far with a "key-rollover" checkpoint signed by
  // the current key, then signs every later checkpoint with `next` (atomically with respect to
  // the sealer and every appender: both happen under the log's mutex), and waits until that
  // checkpoint is durable. The verifier picks each checkpoint's key by its fingerprint, so a
  // log verifies across rollovers given every hub certificate used. Returns the fingerprint
  // of the key replaced, once `next` is installed (even if writing that checkpoint failed:
  // the records are then re-sealed later with `next`). Errors, with the current key kept:
  // failed-precondition (closed log), the sticky failure of a failed log, internal (the
  // checkpoint could not be signed).
  Result<std::string> replace_signer(std::unique_ptr<CheckpointSigner> next) override;

  std::uint64_t last_seq() const override;  // last seq assigned (durable once its append returned)
  // Whether the log can take records now (the readiness probe's "audit writable", hub/ops):
  // the sticky failure, failed-precondition once closed, or the cause of the last roll back
  // while no write has become durable since; ok otherwise.
  Status health() const override;
  AuditStats stats() const override;
  // The fingerprint of the key checkpoints are signed with now.
  std::string key_fingerprint() const override;

 private:
  explicit AuditLog(AuditOptions options);
  Status recover_and_open();
  void push_locked(Record& r);
  Status checkpoint_locked(const std::string& reason);
  // Waits until `seq` (pushed in `epoch`) is durable; fails if that epoch was rolled back.
  Status flush_until_locked(std::unique_lock<std::mutex>& lk, std::uint64_t seq,
                            std::uint64_t epoch);
  void roll_back_locked(const Status& cause);
  Status write_durable(const std::string& bytes);  // flush leader only
  Status repair_segment();                         // flush leader only
  int fault(const char* call) const { return opt_.fault ? opt_.fault(call) : 0; }
  void sealer_loop();
  void flusher_loop();

  AuditOptions opt_;
  std::unique_ptr<CheckpointSigner> signer_;
  int lock_fd_ = -1;

  mutable std::mutex mu_;
  std::condition_variable flushed_cv_;
  std::condition_variable sealer_cv_;
  ChainHead chain_;                 // next seq, SHA-256 of the last formatted line
  std::string pending_;             // formatted lines not yet handed to a flush leader
  std::uint64_t durable_seq_ = 0;
  std::string durable_head_{kGenesisPrev};  // chain_.hash as of durable_seq_
  std::uint64_t epoch_ = 0;                 // +1 at every roll back
  Status lost_;                             // why the last roll back happened
  std::uint64_t lost_at_durable_ = 0;       // durable_seq_ when it happened
  bool flushing_ = false;
  bool closed_ = false;
  Status failed_;
  std::uint64_t since_checkpoint_ = 0;
  std::chrono::system_clock::time_point last_checkpoint_time_;
  AuditStats stats_;
  metrics::Histogram sync_seconds_{metrics::Histogram::latency_seconds()};

  // Owned by the flush leader (flushing_ == true) or by open/close.
  int fd_ = -1;
  std::uint64_t segment_index_ = 0;
  std::uint64_t segment_size_ = 0;  // durable bytes of the current segment
  bool needs_repair_ = false;       // a write failed: cut the segment back before the next

  struct Waiter {
    std::uint64_t seq;
    std::uint64_t epoch;
    AppendCallback done;
  };
  std::deque<Waiter> waiters_;  // append_async callers, by seq; guarded by mu_
  std::condition_variable flusher_cv_;
  std::thread sealer_;
  std::thread flusher_;
};

}  // namespace docaxis::audit
