// vxp_bench: the pre-filled store of the polling phase (getReceivedEdocList with many systems).
//
// fill_store() writes <data_dir>/spool.sqlite before the hub starts, through the store's own
// API (SqliteStore::open, ingest_async in batches, claim_due_for_async and apply_async in
// jobs of a dispatcher's size, as the hub's engine and dispatcher do; reopened every few
// batches, which checkpoints the WAL; fsync normal: a fill that is lost is made again), so
// the rows are well-formed hub rows: `packages` edoc packages from and to the generated
// organs, next_hop "local". Most are delivered (claimed once, then `delivered`, no receipt);
// the last ones stay waiting: every 10th organ keeps 1 to 5 waiting deliveries (organ k:
// (k / 10) % 5 + 1), every other organ has an empty inbox. The bytes are a small fake edXML
// document (not signed: the store never verifies, and these are never delivered again) with
// its own DocumentId and sha256; received times run 1 ms apart and end a minute before the
// fill.
//
// Threads: blocks; the store's writer thread does the work.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::bench {

// `n` valid organ ids (edxml::OrganId: ddd.dd.dd.Lnn), distinct, none of the test PKI's:
// "9gg.hh.ll.V77" for k = 0..n-1 (at most 100,000).
std::vector<std::string> generated_organs(std::size_t n);

// Waiting deliveries organ k keeps (0 for most).
inline std::size_t waiting_for(std::size_t k) { return k % 10 == 0 ? (k / 10) % 5 + 1 : 0; }

struct FillInfo {
  std::size_t packages = 0, waiting = 0;
  double seconds = 0;
  std::size_t db_bytes = 0;
};

// Errors: the store's (open, ingest, claim, apply); internal when a step does not do what the
// hub's would (a duplicate, a claim short of its count).
Result<FillInfo> fill_store(const std::filesystem::path& data_dir,
                            const std::vector<std::string>& organs, std::size_t packages);

}  // namespace docaxis::bench
