// RetentionStore: releasing the bytes of packages nobody will ask for again, and the
// RetentionRunner thread that does it on a timer. Separate from Store so the engine, the
// dispatcher and their test doubles never see it; SqliteStore implements it
// (sqlite_retention.cpp), and the next store (replicated, bytes chunked in the database) will.
//
// What retention does (hub/store/README.md, "Retention"): for each message type with an age,
// a package whose every delivery is final (delivered, refused, dead) and last changed before
// now - age, and which was received before then, has its bytes released: `released_ms` is set
// on its row and its bytes are no longer readable (load_package: `released`). Everything else
// stays: the row and its metadata, its deliveries and attempts, the receipts (rows of their
// own, retained by their own age), the duplicate key (so a late re-send is still recognised)
// and the audit log. A package with a delivery still waiting or in flight is never released,
// whatever its age. Segment files whose every package is released (or that no row refers to:
// bytes of a batch that never committed, purged packages) are then deleted whole, never the
// one appends go to. A package stored with its bytes in its row (before schema 6) gets them
// cleared: the database reuses that space but does not shrink.
//
// Crash safety: the releases commit first, and a segment is deleted only after the commit that
// released its last package, and only when it is sealed (below the segment appends go to), so
// no row that may still be read ever points at a deleted file; a crash between the commit and
// the deletion leaves a file the next pass deletes.
//
// Threads: release_expired and reclaim_segments go through the store's single writer (they
// block the caller until committed); usage() reads. RetentionRunner: one thread, "dx-retention".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.hpp"

namespace docaxis::store {

// Ages in milliseconds per message type; 0 keeps that type's bytes for ever.
struct RetentionPolicy {
  int64_t edoc_ms = 0;
  int64_t status_ms = 0;
  int64_t receipt_ms = 0;
  uint32_t batch = 1000;  // packages released per write (call again while a pass is full)
  bool any() const { return edoc_ms > 0 || status_ms > 0 || receipt_ms > 0; }
};

// What one call released.
struct RetentionPass {
  uint64_t packages = 0;  // packages whose bytes were released
  uint64_t bytes = 0;     // their sizes, summed
  bool full = false;      // some type hit `batch`: more may be due now
};

// What one reclaim deleted.
struct SegmentReclaim {
  uint64_t segments = 0;
  uint64_t bytes = 0;  // the deleted files' sizes
};

// The spool's footprint and what retention has freed since the store was created.
struct SpoolUsage {
  uint64_t database_bytes = 0;  // the SQLite file
  uint64_t wal_bytes = 0;       // its write-ahead log
  uint64_t segment_bytes = 0;   // the package segment files
  uint64_t segments = 0;
  uint64_t held_packages = 0;      // packages whose bytes are kept
  uint64_t released_packages = 0;  // packages whose bytes retention released (in total)
  uint64_t released_bytes = 0;     // ... their sizes
  uint64_t segments_removed = 0;   // segment files retention deleted (in total)
  uint64_t segment_bytes_freed = 0;
  int64_t last_release_ms = 0;     // the last pass that released something (0: never)
};

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;
  // Releases up to policy.batch packages of each type that are due at now_ms (see above).
  virtual Result<RetentionPass> release_expired(const RetentionPolicy& policy, int64_t now_ms) = 0;
  // Deletes the sealed segment files that hold no unreleased package.
  virtual Result<SegmentReclaim> reclaim_segments() = 0;
  virtual Result<SpoolUsage> usage() = 0;
};

// Runs release_expired (until a pass is not full) then reclaim_segments every `interval`.
// `on_pass` (on this thread) is told of every round that released or deleted something, and of
// failures (the next round tries again).
class RetentionRunner {
 public:
  struct Round {
    RetentionPass released;
    SegmentReclaim reclaimed;
    Status status;
  };
  RetentionRunner(RetentionStore& store, RetentionPolicy policy, std::chrono::milliseconds interval,
                  std::function<int64_t()> clock, std::function<void(const Round&)> on_round);
  ~RetentionRunner();  // stops and joins the thread
  RetentionRunner(const RetentionRunner&) = delete;
  RetentionRunner& operator=(const RetentionRunner&) = delete;

  // One round now, on the caller's thread (tests, the admin's command).
  Round run_once();

 private:
  void loop();

  RetentionStore& store_;
  const RetentionPolicy policy_;
  const std::chrono::milliseconds interval_;
  std::function<int64_t()> clock_;
  std::function<void(const Round&)> on_round_;
  std::mutex round_mu_;  // one round at a time
  std::mutex mu_;        // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace docaxis::store
