// Store: the hub's durable spool, as the engine sees it. SqliteStore (sqlite_store.hpp) is
// the embedded implementation; tests use fakes. The engine talks to nothing else for state.
//
// Contract
// - Durability: a successful write (ingest, every delivery transition, purge) has been
//   committed durably before its result is delivered. "Accepted" on the wire may be sent
//   the moment ingest reports success, never before.
// - Duplicate rule at ingest, key (sender, document_id, message_type):
//     new key                        -> stored, a fresh seq, its deliveries created;
//     same key, same sha256_hex      -> duplicate (the original seq), nothing created;
//     same key, different sha256_hex -> Status "duplicate-conflict", nothing created.
//   The key is remembered as long as the package exists and, after purge(), as a tombstone
//   (key + sha256) for the life of the store, so it outlives every retry deadline.
// - seq values are assigned at ingest, strictly increasing in commit order, never reused.
//
// Failure codes (Status::code(); README.md is the public table):
//   store-busy          transient: the database is locked by another process; retry
//   unavailable         transient: I/O error, store shutting down or not open
//   resource-exhausted  transient for the sender: disk full or out of memory
//   duplicate-conflict  same duplicate key, different bytes (permanent for these bytes)
//   not-found           no such package or delivery
//   failed-precondition the delivery's state does not allow the transition; schema too new
//   invalid-argument    a malformed record (message type, digest format, no recipient)
//   data-loss           the database is corrupt (integrity check failed)
//   internal            a bug or an unexpected SQLite result
// The AMQP layer maps store-busy, unavailable and resource-exhausted to `released`.
//
// Thread-safety: every member function may be called from any thread, concurrently.
// Writes are serialised by the implementation (SqliteStore: one writer thread that
// group-commits); a blocking write waits for its commit, so do not call one from a
// completion callback (SqliteStore runs callbacks on its completer thread, "dx-store-done",
// in commit order: a blocking write there would wait for itself).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.hpp"
#include "store/records.hpp"

namespace docaxis::store {

class Store {
 public:
  using IngestCallback = std::function<void(Result<IngestOutcome>)>;
  using ClaimCallback = std::function<void(Result<std::vector<Delivery>>)>;
  using ApplyCallback = std::function<void(Result<std::vector<TransitionResult>>)>;

  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- ingest ---------------------------------------------------------------------------

  // Stores `pkg` (its seq is ignored and assigned) and one waiting delivery per recipient,
  // atomically, applying the duplicate rule. `done` runs exactly once, after the commit (or
  // the failure), on an implementation thread: it must not block on the store.
  virtual void ingest_async(StoredPackage pkg, std::vector<DeliverySpec> recipients,
                            IngestCallback done) = 0;

  // Blocking form of ingest_async: returns once the package is durably committed.
  Result<IngestOutcome> ingest(StoredPackage pkg, std::vector<DeliverySpec> recipients);

  // --- delivery queue -------------------------------------------------------------------

  // Moves up to `limit` waiting deliveries of `next_hop` whose next_attempt_ms <= now_ms to
  // in_flight (attempts + 1, updated_ms = now_ms) and returns them, earliest due first.
  // Every claim is an attempt: claim only what will be attempted now.
  virtual Result<std::vector<Delivery>> claim_due(const std::string& next_hop, int64_t now_ms,
                                                  uint32_t limit) = 0;
  // The same for several recipients of `next_hop` at once (one commit): for each quota, up
  // to quota.limit of that recipient's due deliveries, earliest due first per recipient.
  // `done` runs once, after the commit, on an implementation thread (must not block on the
  // store); claim_due_for is its blocking form.
  virtual void claim_due_for_async(const std::string& next_hop, int64_t now_ms,
                                   std::vector<ClaimQuota> quotas, ClaimCallback done) = 0;
  Result<std::vector<Delivery>> claim_due_for(const std::string& next_hop, int64_t now_ms,
                                              std::vector<ClaimQuota> quotas);

  // Applies every transition in one commit (records.hpp has the rules). The outer Result
  // fails only when nothing was applied (store-busy, unavailable, ...); otherwise one
  // TransitionResult per transition, in order, each ok or refused on its own. `done` runs
  // once, after the commit, on an implementation thread; apply() is the blocking form.
  // Batches are committed in the order they were submitted.
  virtual void apply_async(std::vector<Transition> transitions, ApplyCallback done) = 0;
  Result<std::vector<TransitionResult>> apply(std::vector<Transition> transitions);

  // Single transitions (apply() of one), the Delivery after it or the per-item failure:
  // in_flight or waiting -> delivered. Idempotent on a delivered delivery (a late outcome).
  // failed-precondition from refused or dead.
  Result<Delivery> mark_delivered(uint64_t id);
  // in_flight or waiting -> refused, `reason` kept in last_error.
  Result<Delivery> mark_refused(uint64_t id, const std::string& reason);
  // in_flight -> waiting, due at next_attempt_ms, `error` kept in last_error.
  Result<Delivery> schedule_retry(uint64_t id, int64_t next_attempt_ms, const std::string& error,
                                  bool unanswered = false);
  // waiting or in_flight -> dead, `reason` kept in last_error.
  Result<Delivery> mark_dead(uint64_t id, const std::string& reason);

  // Deadline sweep (read only): up to `limit` waiting deliveries (any next hop) with
  // created_ms < created_before_ms, oldest first. The caller dead-letters them with apply().
  // (A delivery whose recipient never attached is never claimed: this is how it expires.)
  virtual Result<std::vector<Delivery>> overdue_waiting(int64_t created_before_ms,
                                                        uint32_t limit) = 0;

  // The sweeper: every in_flight delivery whose updated_ms < updated_before_ms goes back to
  // waiting, due now, with unanswered + 1 (its attempt never got an outcome). At start-up pass INT64_MAX: after a restart nothing is in flight.
  // A store shared by several hub nodes (PgStore) restricts this to the calling node's own
  // deliveries, plus any node's whose claim lease expired by the database's clock: another
  // live node's claims are never taken, whatever the argument (store_pg/README.md).
  // Returns how many were recovered.
  virtual Result<uint64_t> recover_in_flight(int64_t updated_before_ms) = 0;

  // --- reads (see committed data only) ---------------------------------------------------

  virtual Result<StoredPackage> load_package(uint64_t seq) = 0;
  // Ordered by id; not-found if the package does not exist.
  virtual Result<std::vector<Delivery>> deliveries_of(uint64_t seq) = 0;
  virtual Result<Delivery> load_delivery(uint64_t id) = 0;
  // One row per next hop that has any delivery, ordered by next_hop.
  virtual Result<std::vector<HopQueueStats>> queue_stats() = 0;
  virtual Result<std::vector<PackageSummary>> list_packages(const PackageFilter& filter) = 0;

  // --- maintenance ----------------------------------------------------------------------

  // Deletes up to `limit` packages received before `before_ms` whose deliveries are all
  // terminal with updated_ms < before_ms, with their deliveries; their duplicate keys stay
  // as tombstones. Returns how many packages were deleted (call again while it returns limit).
  virtual Result<uint64_t> purge(int64_t before_ms, uint32_t limit) = 0;

  // Full consistency check of the storage; data-loss with the first problems if it fails.
  virtual Status check_integrity() = 0;
};

}  // namespace docaxis::store
