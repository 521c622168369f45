// Internal to store/: the single writer thread that group-commits.
//
// Every write of the store is a WriteJob. The writer thread takes all jobs queued so far
// (bounded by GroupCommitLimits), opens one IMMEDIATE transaction, runs each job inside its
// own SAVEPOINT (a job that fails is rolled back alone, the others stay), COMMITs once, and
// only then has each job's `done` called with its outcome. So many writers share one fsync,
// and no caller hears "ok" before the commit that holds its work is durable. Batching is
// natural, not timed: while one commit is syncing, the next batch accumulates.
//
// The `done` calls run on a second thread (the completer), in commit order, so the writer
// starts the next batch while the last one's callers are told (audit lines, AMQP
// settlements, dispatcher mailboxes): the writer is the hub's one serial stage.
//
// If the transaction itself fails (BEGIN, COMMIT, or SQLite rolled it back after an I/O,
// disk-full or busy error inside a job), every job of the batch gets that failure; none of
// their work is in the database.
//
// Threads: submit() from any thread; apply runs on the writer thread and done on the
// completer thread, each in submission order.
#pragma once

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
#include "store/sqlite_db.hpp"

namespace docaxis::store {

struct WriteJob {
  std::function<Status(sqlite::Db&)> apply;  // inside the batch transaction
  std::function<void(Status)> done;          // after commit, with apply's or the batch's status
  uint64_t weight_bytes = 0;                 // payload size, to bound a batch's memory
};

struct GroupCommitLimits {
  uint32_t max_batch_jobs = 512;
  uint64_t max_batch_bytes = 64ull << 20;  // a larger single job still forms its own batch
};

// Runs on the writer thread after a batch's jobs and before its COMMIT (e.g. making the bytes
// they wrote outside the database durable first); a failure fails the batch like a COMMIT's.
using BeforeCommit = std::function<Status()>;

class GroupCommitWriter {
 public:
  GroupCommitWriter(std::unique_ptr<sqlite::Db> db, GroupCommitLimits limits,
                    BeforeCommit before_commit = {});
  ~GroupCommitWriter();  // stop()
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Queues a job. After stop(), `done` runs at once (on the caller) with "unavailable".
  void submit(WriteJob job);
  // Commits what is queued, tells its callers, then ends both threads. Idempotent.
  void stop();

  // Commit counters (the ingest ones are filled by the store).
  void fill(StoreCounters& out) const;
  // Why the last batch transaction failed, when it did and none has committed since (ok
  // otherwise): the readiness probe's "store writable" (hub/ops). Thread-safe.
  Status last_commit_failure() const;

 private:
  void run();
  void complete();
  void commit_batch(std::deque<WriteJob>& batch);
  Status run_job(WriteJob& job);

  std::unique_ptr<sqlite::Db> db_;
  GroupCommitLimits limits_;
  BeforeCommit before_commit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteJob> queue_;
  bool stopping_ = false;

  std::atomic<uint64_t> commits_{0}, failed_commits_{0}, jobs_{0}, max_batch_{0};
  std::array<std::atomic<uint64_t>, 8> histogram_{};
  // BEGIN to COMMIT returned (the segment and WAL syncs included), committed batches only.
  metrics::Histogram commit_seconds_{metrics::Histogram::latency_seconds()};
  mutable std::mutex failure_mu_;
  Status last_failure_;  // under failure_mu_

  // Committed batches whose callers are still to be told, with each job's outcome.
  struct Committed {
    std::deque<WriteJob> jobs;
    std::vector<Status> results;
  };
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Committed> committed_;
  bool writer_done_ = false;

  std::thread completer_;  // last two: start once every member above is constructed
  std::thread thread_;
};

}  // namespace docaxis::store
