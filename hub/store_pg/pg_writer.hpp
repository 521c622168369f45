// Internal to store_pg/: the PgStore's worker thread, which group-commits like SqliteStore's
// writer (store/group_commit.hpp) and runs every completion callback.
//
// The thread takes all jobs queued so far (bounded by PgWriterLimits), opens one
// transaction (READ COMMITTED), runs each job in its own SAVEPOINT (a job that fails with its
// own answer, e.g. duplicate-conflict, is rolled back alone), COMMITs once, and only then
// calls each job's `done`, in submission order, on this same thread.
//
// The whole batch fails, every job getting the same Status and none of its work committed
// (so every caller answers `released`), when:
// - the connection is lost, the server shuts down (57P01), is read-only (25006), its disk
//   is full (53100), or BEGIN/COMMIT fails: the code from pg_conn.hpp;
// - COMMIT returned but the server warned that the wait for synchronous replication was
//   cancelled ("canceling wait for synchronous replication ...", WARNING, SQLSTATE 01000,
//   seen by the connection's notice receiver): the transaction is committed on this server
//   only, and a failover could lose it. It is answered `unavailable` ("committed locally
//   only"), never ok: the sender retries, and the retry is a duplicate whose answer again
//   waits for replication (PgStore's duplicate path writes, so its commit waits).
// A serialization failure (40001) or deadlock (40P01) re-runs the whole batch (up to 5
// times, then store-busy); jobs must be re-runnable (they reset their results at start).
// Jobs with `ordered` set take a transaction-level advisory lock first, so transactions that
// assign package seqs commit one at a time across every PgStore sharing the database: seqs
// are then increasing in commit order across hub nodes (store.hpp's contract).
// A lost connection is re-established at the next batch (PQreset).
//
// Threads: submit() from any thread; apply and done run on the worker thread "dx-pg-writer".
// No exception leaves the thread: a throwing job fails its batch with "internal".
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.hpp"
#include "metrics/histogram.hpp"
#include "store/counters.hpp"
#include "store_pg/pg_conn.hpp"

namespace docaxis::store::pg {

struct PgJob {
  std::function<Status(Conn&)> apply;  // inside the batch transaction
  std::function<void(Status)> done;    // after COMMIT (or the failure), on the worker thread
  uint64_t weight_bytes = 0;
  bool ordered = false;  // assigns package seqs: take the cluster-wide ingest lock
};

struct PgWriterLimits {
  uint32_t max_batch_jobs = 256;
  uint64_t max_batch_bytes = 64ull << 20;
};

class PgWriter {
 public:
  PgWriter(std::unique_ptr<Conn> conn, PgWriterLimits limits);
  ~PgWriter();  // stop()
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  // Queues a job. After stop(), `done` runs at once (on the caller) with "unavailable".
  void submit(PgJob job);
  // Commits what is queued, tells its callers, ends the thread. Idempotent.
  void stop();

  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  // The commit counters of StoreCounters (commits, failed_commits, jobs, max_batch,
  // batch_histogram, commit_seconds); the ingest ones are the store's. Thread-safe.
  void fill(StoreCounters& out) const;
  // Why the last batch transaction failed, while none has committed since; ok otherwise.
  Status last_commit_failure() const;
  // The backend pid of the worker's connection (tests cancel its sync-rep wait with it).
  int backend_pid() const { return pid_.load(std::memory_order_relaxed); }

 private:
  void run();
  Status run_batch(std::deque<PgJob>& batch, std::vector<Status>& results);
  Status attempt(std::deque<PgJob>& batch, std::vector<Status>& results);

  std::unique_ptr<Conn> conn_;
  PgWriterLimits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PgJob> queue_;
  bool stopping_ = false;
  void count(const Status& batch_status, size_t jobs, double seconds);

  std::atomic<uint64_t> commits_{0}, retries_{0}, failed_commits_{0}, jobs_{0}, max_batch_{0};
  std::array<std::atomic<uint64_t>, 8> histogram_{};  // as GroupCommitWriter's
  // BEGIN to COMMIT answered (retries of the batch included), committed batches only.
  metrics::Histogram commit_seconds_{metrics::Histogram::latency_seconds()};
  mutable std::mutex failure_mu_;
  Status last_failure_;  // under failure_mu_
  std::atomic<int> pid_{0};
  std::thread thread_;  // last: starts once every member above is constructed
};

// The advisory lock key of ordered (seq-assigning) transactions.
inline constexpr int64_t kIngestLockKey = 0x646f6361786973;  // "docaxis"

}  // namespace docaxis::store::pg
