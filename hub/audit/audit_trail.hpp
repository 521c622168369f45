// AuditTrail: what the hub's modules ask of the audit log, whatever keeps it. Two
// implementations write the same chain of record lines (record.hpp, README.md):
//   - audit::AuditLog (audit_log.hpp): segment files in a directory, one writer process;
//   - store::PgAuditLog (hub/store_pg/pg_audit.hpp): the table audit_records of the hub
//     cluster's PostgreSQL database, one chain for every hub node sharing it.
// Both build records with the functions of chain.hpp, so given the same events, seq, time and
// previous line they produce byte-identical lines, and checkpoints signed with the hub key.
//
// Contract common to both (each header adds its own details):
//   - append / append_batch return the seq of the (last) record once it is durable: fdatasync'ed
//     (AuditLog) or committed, with synchronous_commit = on (PgAuditLog). An error means the
//     record is not acknowledged: the hub must not acknowledge what it records.
//   - append_async never blocks; `done` runs once, with the seq or the error, on the
//     implementation's thread; it must not block on the trail.
//   - append_deferred queues best-effort records (no durability wait of their own).
//   - checkpoint / close / replace_signer seal the chain head with a signed checkpoint.
//   - Every method may be called from any thread.
// Error codes are the implementations' (both use invalid-argument for a bad event,
// failed-precondition once closed, unavailable / resource-exhausted for a write that failed,
// internal for a checkpoint OpenSSL could not sign).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/checkpoint_keys.hpp"
#include "audit/record.hpp"
#include "common/status.hpp"
#include "metrics/histogram.hpp"

namespace docaxis::audit {

// Counters since open(), for metrics and tests.
struct AuditStats {
  std::uint64_t records = 0;      // records made durable by this writer, checkpoints included
  std::uint64_t checkpoints = 0;  // checkpoints made (AuditLog: counted when queued, durable
                                  // with the flush that follows, like any record)
  std::uint64_t syncs = 0;        // fdatasync calls on segments (PgAuditLog: commits)
  std::uint64_t segments_created = 0;       // AuditLog only
  std::uint64_t recovered_bytes = 0;        // torn tail cut off at open() (AuditLog only)
  metrics::HistogramSnapshot sync_seconds;  // each fdatasync of a record group (PgAuditLog:
                                            // each transaction of a group, COMMIT included)
};

class AuditTrail {
 public:
  using AppendCallback = std::function<void(Result<std::uint64_t>)>;

  virtual ~AuditTrail() = default;

  // Appends one event; returns its seq once durable.
  virtual Result<std::uint64_t> append(Event event) = 0;
  // Appends events as consecutive records; returns the seq of the last one once all are
  // durable. An empty batch returns the current last seq.
  virtual Result<std::uint64_t> append_batch(std::vector<Event> events) = 0;
  // Non-blocking append_batch: `done` runs once the records are durable, or with the error.
  virtual void append_async(std::vector<Event> events, AppendCallback done) = 0;
  // Best-effort records: no durability wait of their own; lost if the write carrying them
  // fails. An error only for an invalid event or a closed/failed trail.
  virtual Status append_deferred(std::vector<Event> events) = 0;
  // Writes a checkpoint now (if any record follows the last one) and waits until durable.
  virtual Status checkpoint(const std::string& reason = "manual") = 0;
  // Seals with a "shutdown" checkpoint and closes; idempotent; later appends fail with
  // failed-precondition.
  virtual Status close() = 0;
  // Seals with a "key-rollover" checkpoint signed by the current key, then signs every later
  // checkpoint with `next`; returns the replaced key's fingerprint.
  virtual Result<std::string> replace_signer(std::unique_ptr<CheckpointSigner> next) = 0;

  // The last seq this writer assigned or saw committed (the metrics gauge).
  virtual std::uint64_t last_seq() const = 0;
  // Whether records can be written now (the readiness probe's "audit writable").
  virtual Status health() const = 0;
  virtual AuditStats stats() const = 0;
  // The fingerprint of the key checkpoints are signed with now.
  virtual std::string key_fingerprint() const = 0;
};

}  // namespace docaxis::audit
