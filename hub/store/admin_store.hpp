// AdminStore: the spool as the admin endpoint (hub/admin) sees it — the queue inspector's
// reads and the operator's few repairs. Separate from Store so the engine, the dispatcher and
// their test doubles never see it; SqliteStore implements both (sqlite_admin.cpp).
//
// Contract
// - Reads see committed data only and may run on any thread, concurrently with the hub.
// - Writes (retry_now, purge_dead) go through the same single writer as every other write
//   and are durable when they return; they never touch an in_flight delivery, so they cannot
//   race the dispatcher (which owns in_flight rows until their outcome).
// - Attempt history (attempts_of) is written by SQL triggers in the same transaction as each
//   state change (schemas/sql/0003_*.sql), so it is complete for every delivery changed by a
//   hub at schema version 3 or later.
//
// Failure codes: those of Store (store-busy, unavailable, data-loss, internal), plus per item
// not-found (no such delivery) and failed-precondition (its state does not allow the retry).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/records.hpp"

namespace docaxis::store {

// Queue counts per destination: one row per (next_hop, recipient) for local inboxes
// (recipient set) and per next_hop for peers (recipient empty). `waiting` counts deliveries
// never attempted, `retrying` those waiting again after at least one attempt.
struct DestinationStats {
  std::string next_hop;
  std::string recipient;  // local inboxes only
  uint64_t waiting = 0;
  uint64_t retrying = 0;
  uint64_t in_flight = 0;
  uint64_t delivered = 0;
  uint64_t refused = 0;
  uint64_t dead = 0;
  std::optional<int64_t> oldest_pending_created_ms;  // oldest waiting or in_flight
  std::optional<int64_t> next_attempt_ms;            // earliest due time among waiting
};

// Which deliveries to list or count. Every set member must match.
struct DeliveryFilter {
  std::vector<DeliveryState> states;     // empty: any
  std::optional<bool> attempted;         // true: attempts > 0; false: attempts == 0
  std::optional<uint64_t> seq;
  std::optional<std::string> document_id;
  std::optional<std::string> sender;     // the package's From/OrganId
  std::optional<std::string> recipient;
  std::optional<int64_t> received_since_ms;  // package received_ms >= (inclusive)
  std::optional<int64_t> received_until_ms;  // package received_ms < (exclusive)
  std::optional<int64_t> updated_since_ms;   // delivery updated_ms >= (e.g. died since)
  std::optional<int64_t> updated_before_ms;  // delivery updated_ms < (e.g. dead for longer)
  uint64_t before_id = 0;                    // paging: id < before_id (0: no bound)
  uint32_t limit = 100;                      // list only
};

// A delivery with the metadata of its package (no bytes). Listed newest (highest id) first.
struct DeliveryListing {
  Delivery delivery;
  std::string message_type;
  std::string sender;
  std::string document_id;
  uint64_t size = 0;
  int64_t received_ms = 0;
};

// One ended attempt (or end without an attempt), from the delivery_attempts table.
struct AttemptRecord {
  uint64_t delivery_id = 0;
  uint64_t seq = 0;
  std::string recipient;
  uint32_t attempt = 0;
  std::optional<int64_t> started_ms;
  int64_t ended_ms = 0;
  std::string result;  // accepted|rejected|retry|dead|late-accepted|late-rejected|expired
  std::string error;
  bool no_outcome = false;
};

// A delivery an operator retried after it had ended: the row as it was, who retired it, and
// the delivery that replaced it.
struct RetiredDelivery {
  Delivery delivery;
  int64_t retired_ms = 0;
  std::string retired_by;
  std::optional<uint64_t> replaced_by;
};

// retry_now: which states may be retried. Waiting deliveries are made due now (same id);
// dead (and, when allowed, refused) ones are retired to the history and replaced by a fresh
// waiting delivery due now: new id, attempts and unanswered 0, created_ms = now, so the
// retry deadline and the poison count start again from the operator's retry.
struct RetryRequest {
  std::vector<uint64_t> ids;
  std::string who;  // recorded in delivery_history.retired_by
  bool allow_waiting = true;
  bool allow_dead = true;
  bool allow_refused = false;
};

struct RetryResult {
  uint64_t id = 0;             // as requested
  Status status;               // ok, not-found, failed-precondition
  DeliveryState was = DeliveryState::kWaiting;  // state before (when found)
  std::optional<Delivery> now; // the waiting delivery after the retry (new id if replaced)
};

struct PurgeDeadResult {
  std::vector<DeliveryListing> purged;  // the deleted dead deliveries, as they were
  std::vector<uint64_t> packages;       // seqs of packages deleted with them (keys kept)
};

// A duplicate-memory key (dedup_keys row); seq empty for a tombstone (package purged).
struct StoredKey {
  std::string sender;
  std::string document_id;
  std::string message_type;
  std::string sha256_hex;
  std::optional<uint64_t> seq;
  int64_t created_ms = 0;
  // A receipt this hub issued: the package and delivery it is about (kept on the tombstone).
  std::optional<uint64_t> about_seq;
  std::optional<uint64_t> about_delivery;
};

struct OrganActivity {
  std::optional<int64_t> last_sent_ms;      // last package received from it
  std::optional<int64_t> last_answered_ms;  // last outcome its inbox gave (accepted/rejected)
};

class AdminStore {
 public:
  virtual ~AdminStore() = default;
  AdminStore() = default;
  AdminStore(const AdminStore&) = delete;
  AdminStore& operator=(const AdminStore&) = delete;

  // --- reads -------------------------------------------------------------------------------
  virtual Result<std::vector<DestinationStats>> queue_by_destination() = 0;
  // The same rows for unfinished and dead deliveries only (waiting, retrying, in flight, dead,
  // oldest): read through the state index, so its cost follows the backlog and the dead
  // letters, not the history (metrics scrapes). Delivered and refused counts stay 0.
  virtual Result<std::vector<DestinationStats>> pending_by_destination() = 0;
  virtual Result<std::vector<DeliveryListing>> find_deliveries(const DeliveryFilter& filter) = 0;
  virtual Result<uint64_t> count_deliveries(const DeliveryFilter& filter) = 0;
  // Seqs of the packages whose document_id is `document_id` (any sender, any type).
  virtual Result<std::vector<uint64_t>> packages_with_document_id(const std::string& document_id) = 0;
  // Ordered by ended_ms, then insertion.
  virtual Result<std::vector<AttemptRecord>> attempts_of(uint64_t seq) = 0;
  virtual Result<std::vector<RetiredDelivery>> history_of(uint64_t seq) = 0;
  // The receipts `issuer` (this hub) issued about package `about_seq`: their duplicate keys,
  // tombstones included (a purged receipt keeps its key and its about_* fields), ordered by
  // about_delivery.
  virtual Result<std::vector<StoredKey>> receipts_about(const std::string& issuer,
                                                        uint64_t about_seq) = 0;
  virtual Result<OrganActivity> organ_activity(const std::string& organ) = 0;

  // --- operator repairs (one commit each) ---------------------------------------------------
  // One RetryResult per requested id, in order; the outer Result fails only when nothing
  // was committed. `now_ms` is the due time and the fresh deliveries' created_ms.
  virtual Result<std::vector<RetryResult>> retry_now(const RetryRequest& request,
                                                     int64_t now_ms) = 0;
  // Deletes up to `limit` dead deliveries with updated_ms < before_ms (oldest first), their
  // attempt history, and each package left without any delivery (its duplicate key stays as
  // a tombstone, as with Store::purge). Call again while it returns `limit` deliveries.
  virtual Result<PurgeDeadResult> purge_dead(int64_t before_ms, uint32_t limit) = 0;
};

}  // namespace docaxis::store
