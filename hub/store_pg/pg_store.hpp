// PgStore: the hub's spool (store/hub_store.hpp: Store, AdminStore, InboxStore,
// RetentionStore) on PostgreSQL 15 through libpq, for hub nodes sharing one database (issue 17). README.md in this folder has the contract: what is
// equal to SqliteStore, what differs, the error mapping and what is not built yet.
//
// Threads: every member may be called from any thread. Writes go to one worker thread per
// PgStore ("dx-pg-writer", pg_writer.hpp) that group-commits on its own connection and runs
// the async callbacks there, in commit order: a blocking store call from a callback would wait
// for itself. Reads use a second connection under a mutex. Several PgStore objects (several
// hub processes) may share one database: claims lock rows with FOR UPDATE SKIP LOCKED.
#pragma once

#include <cstdint>
#include <functional>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/hub_store.hpp"

namespace docaxis::store {

namespace pg {
class Conn;
class PgWriter;
}  // namespace pg

struct PgStoreOptions {
  // libpq connection string, e.g. "host=db1,db2 port=5432 dbname=docaxis user=docaxis
  // target_session_attrs=read-write connect_timeout=5". Passwords belong in ~/.pgpass or
  // PGPASSFILE, not here (the string may be logged without them).
  std::string conninfo;
  std::function<int64_t()> clock;  // unix ms for updated_ms; default: the system clock
  uint32_t max_batch_jobs = 256;
  uint64_t max_batch_bytes = 64ull << 20;
  // A hub cluster's store (issue 17): refuse (unavailable) a server with no synchronous
  // standby configured, at open and at every reconnect, so nothing is answered accepted
  // from a primary alone. Off for a lone server (tests, a single node).
  bool require_synchronous_standby = false;
  // This hub node's name in the shared database (README.md, "Owners and leases"): the owner
  // of its claims and link leases. Empty: the host name. At most 128 bytes, no control
  // characters (invalid-argument). One live process per name: a second is refused at open.
  std::string node;
  // How long a claim is owned (ms, database clock): after that another node's sweep may take
  // the delivery back. The hub passes retry.in_flight_timeout; the default is its default
  // (300 s). 1 ms .. 7 days (invalid-argument).
  int64_t lease_ms = 300'000;
};

class PgStore : public HubStore {
 public:
  // Connects twice (writer, reader), applies the migrations. unavailable when the server
  // cannot be reached; failed-precondition when the schema is newer than this binary.
  static Result<std::unique_ptr<PgStore>> open(PgStoreOptions options);
  ~PgStore() override;  // commits what is queued, stops the worker, closes

  void ingest_async(StoredPackage pkg, std::vector<DeliverySpec> recipients,
                    IngestCallback done) override;
  Result<std::vector<Delivery>> claim_due(const std::string& next_hop, int64_t now_ms,
                                          uint32_t limit) override;
  void claim_due_for_async(const std::string& next_hop, int64_t now_ms,
                           std::vector<ClaimQuota> quotas, ClaimCallback done) override;
  void apply_async(std::vector<Transition> transitions, ApplyCallback done) override;
  Result<std::vector<Delivery>> overdue_waiting(int64_t created_before_ms,
                                                uint32_t limit) override;
  // Claims own their deliveries (options.node, lease_ms). recover_in_flight returns this
  // node's own in_flight deliveries with updated_ms < updated_before_ms and any node's whose
  // lease expired by the database clock, never another node's unexpired claim.
  Result<uint64_t> recover_in_flight(int64_t updated_before_ms) override;
  Result<StoredPackage> load_package(uint64_t seq) override;
  Result<std::vector<Delivery>> deliveries_of(uint64_t seq) override;
  Result<Delivery> load_delivery(uint64_t id) override;
  Result<std::vector<HopQueueStats>> queue_stats() override;
  Result<std::vector<PackageSummary>> list_packages(const PackageFilter& filter) override;
  Result<uint64_t> purge(int64_t before_ms, uint32_t limit) override;
  Status check_integrity() override;

  // Outbound peer link lease (one owner at a time): takes `link` for this node, or renews it,
  // until the database's now + ttl_ms; true when held, false when another node holds an
  // unexpired lease. Committed through the writer (on a synchronous standby) before it
  // answers. Count the lease from before the call, on a monotonic clock: it may have begun
  // up to the call's duration earlier. invalid-argument: empty link, ttl_ms not in
  // 1 ms .. 7 days.
  Result<bool> acquire_link_lease(const std::string& link, int64_t ttl_ms);
  // Gives up this node's lease of `link` (nothing when another node holds it, or none does).
  Status release_link_lease(const std::string& link);
  const std::string& node() const { return options_.node; }
  // AdminStore (pg_admin.cpp)
  Result<std::vector<DestinationStats>> queue_by_destination() override;
  Result<std::vector<DestinationStats>> pending_by_destination() override;
  Result<std::vector<DeliveryListing>> find_deliveries(const DeliveryFilter& filter) override;
  Result<uint64_t> count_deliveries(const DeliveryFilter& filter) override;
  Result<std::vector<uint64_t>> packages_with_document_id(const std::string& document_id) override;
  Result<std::vector<AttemptRecord>> attempts_of(uint64_t seq) override;
  Result<std::vector<RetiredDelivery>> history_of(uint64_t seq) override;
  Result<std::vector<StoredKey>> receipts_about(const std::string& issuer,
                                                uint64_t about_seq) override;
  Result<OrganActivity> organ_activity(const std::string& organ) override;
  Result<std::vector<RetryResult>> retry_now(const RetryRequest& request, int64_t now_ms) override;
  Result<PurgeDeadResult> purge_dead(int64_t before_ms, uint32_t limit) override;

  // InboxStore (pg_inbox.cpp)
  Result<std::vector<InboxItem>> waiting_for(const InboxQuery& query) override;
  Result<uint64_t> count_waiting_for(const InboxQuery& query) override;
  Result<InboxItem> find_for(const std::vector<std::string>& recipients,
                             std::string_view sha256_prefix) override;
  Result<std::vector<SentPackage>> sent_by(const std::vector<std::string>& senders,
                                           std::string_view sha256_prefix,
                                           const std::string& message_type,
                                           uint32_t limit) override;
  void record_event_async(uint64_t delivery_id, std::string result, std::string detail,
                          std::string status, int64_t now_ms,
                          std::function<void(Status)> done) override;

  // RetentionStore (pg_retention.cpp): bytes released in place (set to NULL); there are no
  // segment files, so reclaim_segments deletes nothing.
  Result<RetentionPass> release_expired(const RetentionPolicy& policy, int64_t now_ms) override;
  Result<SegmentReclaim> reclaim_segments() override;
  Result<SpoolUsage> usage() override;

  StoreCounters counters() const override;
  Status last_commit_failure() const override;
  std::string backend() const override { return "postgresql"; }

  // The worker connection's backend pid (tests: pg_cancel_backend on a sync-rep wait).
  int writer_backend_pid() const;
  uint64_t commits() const;

 private:
  explicit PgStore(PgStoreOptions options);
  int64_t now_ms() const { return options_.clock(); }
  // Runs `apply` as one job of the worker and waits for its commit.
  Status write(std::function<Status(pg::Conn&)> apply, bool ordered = false);
  // Runs `read` on the read connection (reconnecting it first when it was lost).
  Status read(const std::function<Status(pg::Conn&)>& fn);
  Status ingest_in_transaction(pg::Conn& c, const StoredPackage& pkg,
                               const std::vector<DeliverySpec>& recipients, IngestOutcome& out);
  TransitionResult apply_one(pg::Conn& c, const Transition& t, int64_t now);
  // The admin's per-destination counts (`finished`: delivered and refused too), pg_admin.cpp.
  Result<std::vector<DestinationStats>> destination_rows(bool finished, const char* from);
  // Runs `fn` on a connection of its own, opened for this call (retention's long walks: the
  // shared read connection's callers do not wait for them).
  Status side_read(const std::function<Status(pg::Conn&)>& fn);

  PgStoreOptions options_;
  std::mutex read_mu_;
  std::unique_ptr<pg::Conn> reader_;  // under read_mu_
  std::unique_ptr<pg::PgWriter> writer_;
  std::atomic<uint64_t> packages_stored_{0}, duplicates_{0}, conflicts_{0};
};

}  // namespace docaxis::store
