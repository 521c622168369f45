// The store's counters (a snapshot; the live values are atomics inside SqliteStore).
// Tests and the metrics endpoint read these, never log text.
#pragma once

#include <array>
#include <cstdint>

#include "metrics/histogram.hpp"

namespace docaxis::store {

struct StoreCounters {
  uint64_t commits = 0;           // batch transactions committed
  uint64_t failed_commits = 0;    // batch transactions that failed as a whole
  uint64_t jobs = 0;              // write operations completed (in committed batches)
  uint64_t max_batch = 0;         // largest batch committed, in jobs
  // Batch sizes in jobs: [0] 1, [1] 2-3, [2] 4-7, [3] 8-15, [4] 16-31, [5] 32-63,
  // [6] 64-127, [7] 128 or more.
  std::array<uint64_t, 8> batch_histogram{};
  uint64_t packages_stored = 0;   // ingest -> stored
  uint64_t duplicates = 0;        // ingest -> duplicate
  uint64_t conflicts = 0;         // ingest -> duplicate-conflict
  // WAL frames the writer's commits appended (each one database page plus a 24-byte header):
  // the database's share of the bytes written per package, segments and audit aside.
  uint64_t wal_frames = 0;
  uint64_t page_size = 0;         // bytes per database page (and per WAL frame's payload)
  // Batch transactions from BEGIN to COMMIT returned (segment and WAL syncs included), in
  // seconds; committed batches only.
  metrics::HistogramSnapshot commit_seconds;
};

}  // namespace docaxis::store
