#include "store_pg/pg_writer.hpp"

#include <pthread.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <exception>
#include <utility>

namespace docaxis::store::pg {
namespace {

constexpr int kMaxAttempts = 5;
// Pinned here, not taken from default_transaction_isolation: the claims rely on READ COMMITTED
// with SKIP LOCKED.
constexpr const char* kBegin = "BEGIN ISOLATION LEVEL READ COMMITTED";

// A job's failure that poisons the transaction or the connection: the whole batch fails.
bool batch_fatal(const Status& s) {
  const std::string& c = s.code();
  return c == "unavailable" || c == "store-busy" || c == "resource-exhausted";
}

// The COMMIT's own notices (cleared just before it): a WARNING there is a cancelled wait for
// synchronous replication (SQLSTATE 01000 after a cancel, 57P01 at a shutdown), "committed
// here only". Any WARNING counts, judged by the non-localized severity, so neither the
// server's language nor the wording matters; client_min_messages is pinned to warning.
Status sync_rep_verdict(const std::vector<Notice>& notices) {
  for (const Notice& n : notices) {
    if (n.severity == "WARNING") {
      return Status("unavailable",
                    "PostgreSQL: [" + n.sqlstate + "] " + n.message +
                        ": the transaction is committed on the primary only, not on a "
                        "synchronous standby; not accepted");
    }
  }
  return Status();
}

}  // namespace

PgWriter::PgWriter(std::unique_ptr<Conn> conn, PgWriterLimits limits)
    : conn_(std::move(conn)), limits_(limits), thread_([this] { run(); }) {}

PgWriter::~PgWriter() { stop(); }

void PgWriter::submit(PgJob job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.done(Status("unavailable", "the PostgreSQL store is shutting down"));
}

void PgWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void PgWriter::run() {
  pthread_setname_np(pthread_self(), "dx-pg-writer");
  pid_.store(conn_->backend_pid(), std::memory_order_relaxed);
  for (;;) {
    std::deque<PgJob> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      uint64_t bytes = 0;
      while (!queue_.empty() && batch.size() < limits_.max_batch_jobs &&
             (batch.empty() || bytes + queue_.front().weight_bytes <= limits_.max_batch_bytes)) {
        bytes += queue_.front().weight_bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Status> results(batch.size());
    Status batch_status;
    const auto began = std::chrono::steady_clock::now();
    try {
      batch_status = run_batch(batch, results);
    } catch (const std::exception& e) {
      batch_status = Status("internal", std::string("PostgreSQL batch threw: ") + e.what());
    } catch (...) {
      batch_status = Status("internal", "PostgreSQL batch threw");
    }
    count(batch_status, batch.size(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        batch[i].done(batch_status.ok() ? results[i] : batch_status);
      } catch (...) {
        // A callback's exception must not end the worker; the caller's contract forbids it.
      }
    }
  }
}

void PgWriter::count(const Status& batch_status, size_t jobs, double seconds) {
  {
    std::lock_guard lock(failure_mu_);
    last_failure_ = batch_status;
  }
  if (!batch_status.ok()) {
    failed_commits_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  commit_seconds_.observe(seconds);
  const uint64_t n = jobs;
  jobs_.fetch_add(n, std::memory_order_relaxed);
  uint64_t seen = max_batch_.load(std::memory_order_relaxed);
  while (n > seen && !max_batch_.compare_exchange_weak(seen, n)) {
  }
  const size_t bucket = std::min<size_t>(std::bit_width(n) - 1, histogram_.size() - 1);
  histogram_[bucket].fetch_add(1, std::memory_order_relaxed);
}

void PgWriter::fill(StoreCounters& out) const {
  out.commits = commits_.load(std::memory_order_relaxed);
  out.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  out.jobs = jobs_.load(std::memory_order_relaxed);
  out.max_batch = max_batch_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < histogram_.size(); ++i) {
    out.batch_histogram[i] = histogram_[i].load(std::memory_order_relaxed);
  }
  out.commit_seconds = commit_seconds_.snapshot();
}

Status PgWriter::last_commit_failure() const {
  std::lock_guard lock(failure_mu_);
  return last_failure_;
}

Status PgWriter::run_batch(std::deque<PgJob>& batch, std::vector<Status>& results) {
  Status s;
  for (int n = 0; n < kMaxAttempts; ++n) {
    s = attempt(batch, results);
    if (s.ok() || !retryable(s)) return s;
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(std::chrono::milliseconds(2 << n));
  }
  return Status("store-busy", s.message() + " (after " + std::to_string(kMaxAttempts) +
                                  " attempts)");
}

Status PgWriter::attempt(std::deque<PgJob>& batch, std::vector<Status>& results) {
  if (!conn_->ok()) {
    if (Status r = conn_->reset(); !r.ok()) return r;
    pid_.store(conn_->backend_pid(), std::memory_order_relaxed);
  }
  conn_->clear_notices();
  auto fail = [this](Status s) {
    if (conn_->ok()) (void)conn_->exec_script("ROLLBACK");
    return s;
  };
  if (Status s = conn_->exec_script(kBegin); !s.ok()) {
    // An idle connection learns that the server went away (restart, failover) only when
    // used. Nothing was sent but BEGIN, so a new connection may take the batch.
    if (conn_->ok()) return fail(s);
    if (Status r = conn_->reset(); !r.ok()) return s;
    pid_.store(conn_->backend_pid(), std::memory_order_relaxed);
    if (Status again = conn_->exec_script(kBegin); !again.ok()) return fail(again);
  }
  bool ordered = false;
  for (const PgJob& j : batch) ordered = ordered || j.ordered;
  if (ordered) {
    auto lock = conn_->exec("SELECT pg_advisory_xact_lock($1)", {num(kIngestLockKey)});
    if (!lock) return fail(lock.status());
  }
  // A job's savepoint is released together with the next one's creation (one round trip);
  // COMMIT releases the last.
  bool open_savepoint = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    const char* begin = open_savepoint ? "RELEASE SAVEPOINT job; SAVEPOINT job" : "SAVEPOINT job";
    if (Status s = conn_->exec_script(begin); !s.ok()) return fail(s);
    Status r = batch[i].apply(*conn_);
    if (!r.ok() && (batch_fatal(r) || !conn_->ok())) return fail(r);
    open_savepoint = r.ok();
    if (!r.ok()) {
      if (Status s = conn_->exec_script("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
          !s.ok()) {
        return fail(s);
      }
    }
    results[i] = std::move(r);
  }
  conn_->clear_notices();
  auto commit = conn_->exec("COMMIT");
  if (!commit) return fail(commit.status());
  if (commit->command() != "COMMIT") {
    return Status("internal", "PostgreSQL answered COMMIT with " + commit->command());
  }
  if (Status s = sync_rep_verdict(conn_->take_notices()); !s.ok()) return s;
  commits_.fetch_add(1, std::memory_order_relaxed);
  return Status();
}

}  // namespace docaxis::store::pg
