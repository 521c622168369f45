#include "store/group_commit.hpp"

#include <bit>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"
#include "log/rate_limiter.hpp"

namespace docaxis::store {
namespace {

log::Logger& store_log() {
  static log::Logger& l = log::get("store");
  return l;
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<sqlite::Db> db, GroupCommitLimits limits,
                                     BeforeCommit before_commit)
    : db_(std::move(db)),
      limits_(limits),
      before_commit_(std::move(before_commit)),
      completer_([this] {
        name_this_thread("dx-store-done");
        run_guarded("dx-store-done", [this] { complete(); });
      }),
      thread_([this] {
        name_this_thread("dx-store-write");
        run_guarded("dx-store-write", [this] { run(); });
      }) {}

GroupCommitWriter::~GroupCommitWriter() { stop(); }

void GroupCommitWriter::submit(WriteJob job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.done(Status("unavailable", "the store is shutting down"));
}

void GroupCommitWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(done_mu_);
    writer_done_ = true;
  }
  done_cv_.notify_one();
  if (completer_.joinable()) completer_.join();
}

void GroupCommitWriter::complete() {
  for (;;) {
    Committed c;
    {
      std::unique_lock lock(done_mu_);
      done_cv_.wait(lock, [this] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;  // the writer has stopped and everyone has been told
      c = std::move(committed_.front());
      committed_.pop_front();
    }
    for (std::size_t i = 0; i < c.jobs.size(); ++i) {
      // A caller's callback that throws has failed its own answer; the others are still told.
      try {
        c.jobs[i].done(std::move(c.results[i]));
      } catch (const std::exception& e) {
        store_log().error("callback-threw", {{"reason", e.what()}});
      } catch (...) {
        store_log().error("callback-threw", {{"reason", "unknown exception"}});
      }
    }
  }
}

void GroupCommitWriter::run() {
  std::deque<WriteJob> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been committed
      uint64_t bytes = 0;
      while (!queue_.empty() && batch.size() < limits_.max_batch_jobs &&
             (batch.empty() || bytes + queue_.front().weight_bytes <= limits_.max_batch_bytes)) {
        bytes += queue_.front().weight_bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
  }
}

Status GroupCommitWriter::run_job(WriteJob& job) {
  auto savepoint = db_->prepare("SAVEPOINT job");
  if (!savepoint) return savepoint.status();
  if (Status s = savepoint->run(); !s.ok()) return s;
  Status result;
  // A job that throws fails alone (its savepoint is rolled back), like one that fails.
  try {
    result = job.apply(*db_);
  } catch (const std::exception& e) {
    result = Status("internal", std::string("store job: unexpected exception: ") + e.what());
  } catch (...) {
    result = Status("internal", "store job: unexpected exception");
  }
  if (!db_->in_transaction()) return result;  // SQLite rolled the whole batch back
  if (!result.ok()) {
    auto rollback = db_->prepare("ROLLBACK TO job");
    if (!rollback) return rollback.status();
    if (Status s = rollback->run(); !s.ok()) return s;
  }
  auto release = db_->prepare("RELEASE job");
  if (!release) return release.status();
  if (Status s = release->run(); !s.ok()) return s;
  return result;
}

void GroupCommitWriter::commit_batch(std::deque<WriteJob>& batch) {
  std::vector<Status> results;
  results.reserve(batch.size());
  const auto began = std::chrono::steady_clock::now();
  Status batch_status = db_->run_cached("BEGIN IMMEDIATE");
  if (batch_status.ok()) {
    for (WriteJob& job : batch) {
      results.push_back(run_job(job));
      if (!db_->in_transaction()) {
        // Only an error inside the job (I/O, full, busy) makes SQLite abandon the
        // transaction; the earlier jobs' work went with it.
        batch_status = results.back().ok()
                           ? Status("internal", "the batch transaction ended unexpectedly")
                           : results.back();
        break;
      }
    }
    if (batch_status.ok() && before_commit_) {
      try {
        batch_status = before_commit_();
      } catch (const std::exception& e) {
        batch_status = Status("internal", std::string("before commit: ") + e.what());
      } catch (...) {
        batch_status = Status("internal", "before commit: unexpected exception");
      }
    }
    if (batch_status.ok()) batch_status = db_->run_cached("COMMIT");
    if (!batch_status.ok() && db_->in_transaction()) (void)db_->exec("ROLLBACK");
  }

  {
    std::lock_guard lk(failure_mu_);
    last_failure_ = batch_status;
  }
  if (batch_status.ok()) {
    commit_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    const uint64_t n = batch.size();
    commits_.fetch_add(1, std::memory_order_relaxed);
    jobs_.fetch_add(n, std::memory_order_relaxed);
    uint64_t seen = max_batch_.load(std::memory_order_relaxed);
    while (n > seen && !max_batch_.compare_exchange_weak(seen, n)) {
    }
    size_t bucket = std::min<size_t>(std::bit_width(n) - 1, histogram_.size() - 1);
    histogram_[bucket].fetch_add(1, std::memory_order_relaxed);
  } else {
    failed_commits_.fetch_add(1, std::memory_order_relaxed);
    static log::RateLimiter limiter(5);  // a failing disk fails every batch
    if (const auto d = limiter.admit(batch_status.code()); d.log) {
      store_log().error("commit-failed", {{"code", batch_status.code()},
                                          {"reason", batch_status.message()},
                                          {"jobs", batch.size()},
                                          {"suppressed", d.suppressed}});
    }
  }
  if (!batch_status.ok()) results.assign(batch.size(), batch_status);
  results.resize(batch.size());
  {
    std::lock_guard lock(done_mu_);
    committed_.push_back(Committed{std::move(batch), std::move(results)});
  }
  done_cv_.notify_one();
}

Status GroupCommitWriter::last_commit_failure() const {
  std::lock_guard lk(failure_mu_);
  return last_failure_;
}

void GroupCommitWriter::fill(StoreCounters& out) const {
  out.commits = commits_.load(std::memory_order_relaxed);
  out.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  out.jobs = jobs_.load(std::memory_order_relaxed);
  out.max_batch = max_batch_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < histogram_.size(); ++i) {
    out.batch_histogram[i] = histogram_[i].load(std::memory_order_relaxed);
  }
  out.commit_seconds = commit_seconds_.snapshot();
}

}  // namespace docaxis::store
