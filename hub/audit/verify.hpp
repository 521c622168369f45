// Offline verification and export of an audit log directory (README.md: format and codes).
//
// verify_log() needs only the directory and the hub certificate(s): it recomputes every
// record's hash and the prev chain across all segments, checks seq continuity and segment
// numbering, and verifies every checkpoint signature. It stops at the FIRST bad record and names
// it (file, 1-based line, seq, code, message). Tampering is a report, not an error: the Result
// is an error only when verification could not run.
//
// What each verdict proves:
//   kSealed        every record verified and the log ends with a valid checkpoint.
//   kUnsealedTail  the chain is intact, but `unsealed_records` follow the last checkpoint (and/or
//                  a torn partial line ends the last segment): a crash before the next seal, or
//                  records cut/altered after the last checkpoint, which no offline check can tell
//                  apart. The hub seals such a tail with a checkpoint when it reopens the log.
//   kTampered      `failure` names the first bad record.
//   kEmpty         no segment holds a record.
// Removal of whole checkpoints from the end is only detectable against an anchor the auditor
// kept from an earlier run (VerifyOptions::anchor_seq / anchor_hash).
//
// Errors: "invalid-argument" (certificate file), "not-found" (directory), "unavailable" (I/O).
// Free functions; thread-safe; read-only (safe against a log being appended to: a partial last
// line is reported as a torn tail).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.hpp"
#include "common/status.hpp"

namespace docaxis::audit {

enum class Verdict { kSealed, kUnsealedTail, kTampered, kEmpty };
const char* to_string(Verdict v);  // "sealed", "unsealed-tail", "tampered", "empty"

struct VerifyFailure {
  // hash-mismatch, prev-mismatch, seq-gap, seq-out-of-order, bad-checkpoint-signature,
  // malformed, truncated, missing-segment, anchor-mismatch
  std::string code;
  std::string file;        // segment file name
  std::uint64_t line = 0;  // 1-based line in `file` (0: the file itself)
  std::uint64_t seq = 0;   // the record's seq when readable, else the seq expected there
  std::string message;
};

struct VerifyReport {
  Verdict verdict = Verdict::kEmpty;
  std::optional<VerifyFailure> failure;
  std::uint64_t segments = 0;
  std::uint64_t records = 0;  // verified records, checkpoints included
  std::uint64_t checkpoints = 0;
  std::uint64_t recovered_events = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t last_checkpoint_seq = 0;  // 0: none
  std::string last_checkpoint_time;
  std::string last_checkpoint_hash;  // keep it: pass it back as an anchor next time
  std::uint64_t unsealed_records = 0;
  bool torn_tail = false;
  std::uint64_t torn_bytes = 0;
};

struct VerifyOptions {
  // A checkpoint the auditor saw before: the log must still contain it, unchanged.
  std::uint64_t anchor_seq = 0;  // 0: none
  std::string anchor_hash;
  // Also parse every record as JSON and demand canonical form (checkpoints and recovered
  // events always are). Off by default: the chain and signatures already cover every byte;
  // this checks conformance of the middle fields, at about a fifth of the speed.
  bool check_json = false;
  // Called after each segment (bytes verified so far, total bytes).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

Result<VerifyReport> verify_log(const std::string& dir, const std::string& hub_cert_pem,
                                const VerifyOptions& options = {});
// The same with every hub certificate used over the log's life (key rollovers): each
// checkpoint is checked with the certificate whose key it names.
Result<VerifyReport> verify_log(const std::string& dir, const std::vector<std::string>& hub_cert_pems,
                                const VerifyOptions& options = {});

// Export for auditors: every well-formed record with since <= time < until, in seq order.
// Does not verify the chain (run verify_log first); a malformed line other than a torn last line
// is "data-loss" naming file and line. `fn` returns false to stop early.
struct ExportFilter {
  std::optional<std::chrono::system_clock::time_point> since;
  std::optional<std::chrono::system_clock::time_point> until;
};
struct ExportedRecord {
  const std::string& file;
  std::uint64_t line;
  const Record& record;
  std::string_view raw;  // the exact line, without '\n'
};
Status for_each_record(const std::string& dir, const ExportFilter& filter,
                       const std::function<bool(const ExportedRecord&)>& fn);

}  // namespace docaxis::audit
