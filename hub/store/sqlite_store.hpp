// SqliteStore: the embedded Store, one SQLite database file in the hub's data directory.
//
// Durability (README.md has the argument in full): WAL journal; every write goes through
// one writer thread that group-commits (group_commit.hpp), and with fsync = full SQLite
// fsyncs the WAL at each COMMIT, before any caller of that batch is answered. A process
// killed at any instant loses nothing it was told is stored; with fsync = full, neither
// does the machine losing power. Package bytes are not in the database: they are appended to
// segment files in "<path>-packages/" (segment_log.hpp), made durable before the COMMIT of the
// rows that point at them.
//
// Ownership: open() creates the object, which owns three connections (the writer's, one for
// reads and the checkpointer's), the writer, completer and checkpointer threads, and an
// exclusive flock on "<path>.lock" so that a second hub cannot open the same store. The
// destructor commits every queued write, stops the threads and closes; writes submitted
// after that fail with "unavailable".
//
// Threads: every member function may be called from any thread. Writes are queued to the
// writer thread ("dx-store-write"); the callbacks of the *_async calls run on the completer
// thread ("dx-store-done"), in commit order (group_commit.hpp). WAL checkpoints run on
// "dx-checkpoint" (checkpointer.hpp). Reads share one read connection under a mutex (WAL:
// they never wait for the writer, and see only committed data).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/hub_store.hpp"

namespace docaxis::store {

namespace sqlite {
class Db;
}
class GroupCommitWriter;
class Checkpointer;
class SegmentLog;

// Config key `fsync`:
//   full   (default) fsync the WAL at every commit: an accepted package survives power loss.
//   normal fsync only at checkpoints: survives a crash of the hub process (SIGKILL, OOM),
//          but power loss or a kernel crash may lose the last commits (already accepted!).
enum class FsyncMode { kFull, kNormal };

// What open() checks before use: `quick` (PRAGMA quick_check, default: O(size) but cheap),
// `full` (PRAGMA integrity_check, also checks indexes against tables), `none`.
enum class OpenCheck { kQuick, kFull, kNone };

struct SqliteStoreOptions {
  std::string path;  // the database file; its directory must exist
  FsyncMode fsync = FsyncMode::kFull;
  OpenCheck check_on_open = OpenCheck::kQuick;
  int busy_timeout_ms = 5000;         // wait this long for a lock held by another process
  uint32_t max_batch_jobs = 512;      // writes per group commit, at most
  uint64_t max_batch_bytes = 64ull << 20;  // payload bytes per group commit, about
  uint64_t segment_bytes = 256ull << 20;   // package segment files roll over past this size
  std::function<int64_t()> clock;     // unix ms for updated_ms; default: the system clock
};

// "full" | "normal" (config parsing); nullopt for anything else.
std::optional<FsyncMode> parse_fsync_mode(std::string_view text);

class SqliteStore final : public HubStore {
 public:
  // Opens or creates the store: takes the lock, sets WAL and the fsync mode, checks
  // integrity (data-loss), applies migrations (failed-precondition for a newer schema or a
  // foreign file), starts the writer thread. Other failures: unavailable, store-busy.
  static Result<std::unique_ptr<SqliteStore>> open(SqliteStoreOptions options);
  ~SqliteStore() override;

  void ingest_async(StoredPackage pkg, std::vector<DeliverySpec> recipients,
                    IngestCallback done) override;
  Result<std::vector<Delivery>> claim_due(const std::string& next_hop, int64_t now_ms,
                                          uint32_t limit) override;
  void claim_due_for_async(const std::string& next_hop, int64_t now_ms,
                           std::vector<ClaimQuota> quotas, ClaimCallback done) override;
  void apply_async(std::vector<Transition> transitions, ApplyCallback done) override;
  Result<std::vector<Delivery>> overdue_waiting(int64_t created_before_ms,
                                                uint32_t limit) override;
  Result<uint64_t> recover_in_flight(int64_t updated_before_ms) override;
  Result<StoredPackage> load_package(uint64_t seq) override;
  Result<std::vector<Delivery>> deliveries_of(uint64_t seq) override;
  Result<Delivery> load_delivery(uint64_t id) override;
  Result<std::vector<HopQueueStats>> queue_stats() override;
  Result<std::vector<PackageSummary>> list_packages(const PackageFilter& filter) override;
  Result<uint64_t> purge(int64_t before_ms, uint32_t limit) override;
  Status check_integrity() override;

  // RetentionStore (sqlite_retention.cpp)
  Result<RetentionPass> release_expired(const RetentionPolicy& policy, int64_t now_ms) override;
  Result<SegmentReclaim> reclaim_segments() override;
  Result<SpoolUsage> usage() override;

  // AdminStore (sqlite_admin.cpp)
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

  // InboxStore (sqlite_inbox.cpp)
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

  StoreCounters counters() const override;
  // Why the last write transaction failed, while none has committed since; ok otherwise.
  Status last_commit_failure() const override;
  std::string backend() const override { return "sqlite"; }
  const std::string& path() const { return options_.path; }

 private:
  explicit SqliteStore(SqliteStoreOptions options);

  // Runs `apply` in the next group commit and waits for the commit (blocking writes).
  Status write(std::function<Status(sqlite::Db&)> apply, uint64_t weight_bytes = 0);
  // One Transition inside the current write transaction.
  TransitionResult apply_one(sqlite::Db& db, const Transition& t, int64_t now);
  // `digest`: the SHA-256 of pkg.bytes for segment_sha256, computed by the caller's thread so
  // the serial writer does not hash every package; null: hashed here (small follow-up receipts).
  Status ingest_in_transaction(sqlite::Db& db, const StoredPackage& pkg,
                               const std::vector<DeliverySpec>& recipients,
                               IngestOutcome& out, const std::array<unsigned char, 32>* digest = nullptr);
  int64_t now_ms() const { return options_.clock(); }
  // `released` when retention has released the package (a read that lost the race with it).
  std::optional<Status> released_since(uint64_t seq);
  // The per-destination grouping of queue_by_destination / pending_by_destination (sqlite_admin.cpp).
  Result<std::vector<DestinationStats>> destination_rows(bool finished, const char* from);

  SqliteStoreOptions options_;
  int lock_fd_ = -1;
  std::mutex read_mu_;
  std::unique_ptr<sqlite::Db> reader_;  // guarded by read_mu_
  std::unique_ptr<Checkpointer> checkpointer_;  // declared before writer_: outlives its hook
  std::unique_ptr<SegmentLog> segments_;  // appended by the writer thread, read by any
  std::unique_ptr<GroupCommitWriter> writer_;
  std::atomic<uint64_t> packages_stored_{0}, duplicates_{0}, conflicts_{0};
  // WAL frames written by the writer connection (SQLite's count, read after each commit).
  std::atomic<uint64_t> wal_frames_{0};
  uint64_t page_size_ = 0;
};

}  // namespace docaxis::store
