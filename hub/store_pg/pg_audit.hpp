// PgAuditLog: the audit hash chain in the hub cluster's PostgreSQL database (issue 17), an
// audit::AuditTrail like the file AuditLog, writing the same record lines (hub/audit/README.md)
// into the table audit_records (sql/0004_audit.sql), one row per record:
//   seq bigint primary key, line text (the exact record line, without '\n'), event, at_ms
//   (the record's time in unix ms), node (the hub node that wrote it; not part of the line).
// README.md in this folder ("The audit chain") has the contract; in short:
//
// One chain for every node: each transaction that appends takes the transaction-level
// advisory lock kAuditLockKey, then reads the head (last seq, SHA-256 of its line, the last
// checkpoint), chains its records onto it (audit/chain.hpp), inserts them and commits; the
// lock is held until the commit, so seqs are consecutive and in commit order across every
// PgAuditLog sharing the database. The head is checked before anything is chained onto it
// (its line must hash to its own "hash" and name its seq): otherwise data-loss.
//
// Durability: append / append_batch / append_async answer after COMMIT returned COMMIT; with
// synchronous_commit = on (pinned, pg_conn.hpp) and a synchronous standby, the records are
// then on the standby too. Concurrent appends of one node are group-committed by its writer
// thread (pg_writer.hpp: one transaction for what queued meanwhile, one SAVEPOINT each). The
// errors are PgStore's (pg_conn.hpp): a lost connection, a read-only server, disk full ->
// unavailable / resource-exhausted and nothing acknowledged; a COMMIT whose wait for the
// standby was cancelled -> unavailable (its records are then committed on the primary and
// stay in the chain, answered as not durable).
//
// Checkpoints are signed with the hub key this node holds (all nodes of one hub hold the
// same): every `checkpoint_every_records` records since the chain's last checkpoint
// (counted in the database, whichever nodes wrote them), on the first append after
// `checkpoint_interval` since it, by the sealer thread when the chain is idle and unsealed
// that long, at open over an unsealed head ("open"), by checkpoint(), replace_signer() and
// close(). append_deferred records ride along with this node's next append, checkpoint or
// sealer tick (within a second) and are lost if that transaction fails.
//
// Threads: every public member may be called from any thread. Writes run on the writer
// thread ("dx-pg-writer", which also runs the append_async callbacks, in commit order: a
// blocking append from a callback would wait for itself) and the sealer ("dx-audit-seal").
// No exception leaves either.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_trail.hpp"
#include "audit/chain.hpp"
#include "metrics/histogram.hpp"

namespace docaxis::store {

namespace pg {
class Conn;
class PgWriter;
}  // namespace pg

struct PgAuditOptions {
  // libpq connection string (PgStoreOptions::conninfo has the advice: several hosts,
  // target_session_attrs=read-write, connect_timeout, no password).
  std::string conninfo;
  std::string key_pem;   // hub private key (EC P-256), PEM file
  std::string cert_pem;  // the matching hub certificate, PEM file
  std::string node;      // this node's name, stored beside each record it writes
  std::uint64_t checkpoint_every_records = 10000;
  // 0 disables time-driven checkpoints (and the sealer's checks; deferred records are still
  // carried within a second).
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(60)};
  bool background_sealer = true;
  // Wall clock for record times and checkpoint intervals (tests inject one).
  std::function<std::chrono::system_clock::time_point()> now;
  // As PgStoreOptions: refuse a server without a synchronous standby configured.
  bool require_synchronous_standby = false;
  std::uint32_t max_batch_jobs = 256;
};

// The advisory lock key of audit appends (distinct from the store's kIngestLockKey and the
// migrations' lock): "dxaudit".
inline constexpr std::int64_t kAuditLockKey = 0x64786175646974;

class PgAuditLog final : public audit::AuditTrail {
 public:
  // Loads the key, connects, applies the migrations, seals an unsealed head ("open").
  // invalid-argument (options, key), unavailable (server), failed-precondition (newer
  // schema), data-loss (the head record is corrupt).
  static Result<std::unique_ptr<PgAuditLog>> open(PgAuditOptions options);
  ~PgAuditLog() override;  // close(), ignoring its status

  Result<std::uint64_t> append(audit::Event event) override;
  Result<std::uint64_t> append_batch(std::vector<audit::Event> events) override;
  void append_async(std::vector<audit::Event> events, AppendCallback done) override;
  Status append_deferred(std::vector<audit::Event> events) override;
  Status checkpoint(const std::string& reason = "manual") override;
  Status close() override;
  Result<std::string> replace_signer(std::unique_ptr<audit::CheckpointSigner> next) override;
  // The highest seq this node committed or read as the chain's head.
  std::uint64_t last_seq() const override;
  // failed-precondition once closed, the sticky failure (a checkpoint that could not be
  // signed: internal), or the error of this node's last write while none succeeded since.
  Status health() const override;
  audit::AuditStats stats() const override;
  std::string key_fingerprint() const override;

  int writer_backend_pid() const;  // tests: cancel the writer's wait for a standby

 private:
  struct Job;
  explicit PgAuditLog(PgAuditOptions options);
  // Queues `job` on the writer (with the deferred records taken along), `done` after it.
  void submit(std::shared_ptr<Job> job, std::function<void(Status)> done);
  Status submit_and_wait(std::shared_ptr<Job> job);
  Status run(pg::Conn& c, Job& job);  // on the writer, inside its transaction
  void finished(const Job& job, const Status& s);
  void sealer_loop();
  std::int64_t now_ms() const;

  PgAuditOptions opt_;
  std::int64_t opened_ms_ = 0;
  std::unique_ptr<pg::PgWriter> writer_;

  mutable std::mutex mu_;
  std::shared_ptr<const audit::CheckpointSigner> signer_;
  std::vector<audit::Event> deferred_;
  bool closed_ = false;
  bool seal_pending_ = false;  // a sealer job is queued
  Status failed_;              // sticky: a checkpoint could not be signed
  Status lost_;                // the last write's failure, until one succeeds
  std::uint64_t last_seq_ = 0;
  std::int64_t last_checkpoint_ms_ = 0;  // as last read from the database
  audit::AuditStats stats_;
  metrics::Histogram txn_seconds_{metrics::Histogram::latency_seconds()};
  std::chrono::steady_clock::time_point batch_began_{};  // writer thread only
  bool batch_open_ = false;                               // writer thread only

  std::condition_variable sealer_cv_;
  std::thread sealer_;
};

// Export for offline verification: writes every record of the database's chain, in seq
// order, into `dir` as segment files audit-000001.log, ... (hub/audit/segment_files.hpp
// naming; a new segment once the current one reaches max_segment_bytes), each line followed
// by '\n', fsync'ed, so that audit::verify_log and audit::for_each_record read it like an
// AuditLog directory. One REPEATABLE READ READ ONLY transaction: a consistent prefix of the
// chain (seqs commit in order). `dir` is created if missing and must hold no segment.
struct AuditExportOptions {
  std::uint64_t max_segment_bytes = 64ull << 20;
  std::uint32_t page_records = 10000;  // rows fetched per query
};
struct AuditExportReport {
  std::uint64_t records = 0;
  std::uint64_t segments = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
};
// Errors: invalid-argument (options, conninfo), failed-precondition (`dir` already holds
// segments), unavailable / resource-exhausted (server or files).
Result<AuditExportReport> export_audit_segments(const std::string& conninfo,
                                                const std::string& dir,
                                                const AuditExportOptions& options = {});

}  // namespace docaxis::store
