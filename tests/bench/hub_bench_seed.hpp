// hub_bench: a pre-filled spool for the growth runs (issue 7: throughput with 100,000 and
// 1,000,000 packages already stored, and with 100,000 deliveries waiting in retry).
//
// make_seed() writes a `spool.sqlite` through the store's own API (SqliteStore, the calls the
// hub's engine and dispatcher make), so the rows are the hub's rows:
// - `stored` finished packages: the 12.8 KB benchmark package from a bench sender to a bench
//   recipient (edoc, its duplicate key, a `local` delivery), claimed once and marked delivered
//   together with the hub's signed ECDSA receipt (ReceiptIssuer::make_receipt, Store::apply
//   with the follow-up, as the dispatcher commits it), the receipt's own delivery to the sender
//   claimed and delivered too; the attempt triggers leave one `accepted` row per delivery.
// - `waiting_retries` deliveries of packages to `retry_organ` (an endpoint of the hub that the
//   benchmark never attaches: an agency that is down), each claimed three times and put back
//   (released, released, disconnected: attempts 3, unanswered 1), next attempt 6 days after the
//   seed was made: beyond any run, and inside the hub's 7-day delivery deadline, so neither a
//   claim nor the sweeper's deadline pass touches them during a run.
// Each seeded package has its own DocumentId (`<sender>,2025/12/31,NNNNNNN/SEED`, distinct from
// the runs' `.../BENCH` ones) and its own sha256; the bytes are a signed template with the
// DocumentId replaced after signing, so their signatures do not verify (the store never
// verifies; these packages are never delivered again). Timestamps: received 1 ms apart,
// ending an hour before the seed was made.
//
// The seed is made once per folder and reused while its description (seed.txt) matches and it
// is younger than 5 days; install_seed() copies it (reflink when the file system can) into a
// run's data folder before the hub starts, so every run starts on the seeded state.
//
// Threads: make_seed() uses `threads` threads for the receipts' signatures and blocks.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::bench {

struct SeedSpec {
  std::string pki, sample;              // as for the pool
  std::string hub_name = "h30";         // must be the hub's [hub] name (receipt ids, hops)
  std::vector<std::string> senders;     // bench senders (RSA organs): the stored packages' From
  std::vector<std::string> recipients;  // bench recipients: the stored packages' To
  std::string retry_organ;  // the waiting retries' recipient: an endpoint, never attached
  std::size_t stored = 0, waiting_retries = 0;
  std::filesystem::path dir;  // seed folder: spool.sqlite + seed.txt (reused when they match)
  unsigned threads = 2;
};

struct SeedInfo {
  std::filesystem::path db;  // <dir>/spool.sqlite
  bool reused = false;       // an existing seed matched
  double seconds = 0;        // time to make it (0 when reused)
  double quick_check_seconds = -1;  // PRAGMA quick_check on the finished seed (as the hub's open)
  std::size_t db_bytes = 0;
  std::string description;
};

// Errors: the pool's (PKI, sample, signing), the store's (open, ingest, apply), unavailable for
// file-system failures, internal when a step does not do what the hub's would.
Result<SeedInfo> make_seed(const SeedSpec& spec);

// Copies the seed database into `data_dir` (created) as spool.sqlite and syncs it, so that its
// write-back does not run during the measured window. With `consume`, hard-links it instead
// (no copy of a seed too big to copy for every run) and forgets the seed (its seed.txt goes),
// so the next make_seed() makes it again. Errors: unavailable.
Status install_seed(const SeedInfo& seed, const std::filesystem::path& data_dir,
                    bool consume = false);

}  // namespace docaxis::bench
