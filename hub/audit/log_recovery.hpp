// Start-up recovery of an audit log directory: find where the chain ends and cut off a torn
// tail left by a crash. Used by AuditLog::open() only, before any writer exists.
//
// Only the last non-empty segment is scanned (full verification is verify_log's job): its
// complete, well-formed records must chain (seq +1, prev = SHA-256 of the previous line).
// The first line that is not such a record starts the "torn tail" if nothing after it is a
// well-formed record: those bytes are copied to `<segment>.torn-<offset>` (fsync'ed), then the
// segment is truncated to the last good record and fsync'ed. If a well-formed record follows a
// bad one, the damage is not a crash artefact and recovery refuses with "data-loss".
// An earlier segment (rotation only follows a durable write) must be whole, else "data-loss".
#pragma once

#include <cstdint>
#include <string>

#include "audit/record.hpp"
#include "common/status.hpp"

namespace docaxis::audit {

struct TailState {
  std::uint64_t segment_index = 0;  // last segment file (0: the directory holds none)
  std::uint64_t segment_size = 0;   // its size after any cut
  std::uint64_t last_seq = 0;       // 0: no record yet
  std::string head{kGenesisPrev};   // SHA-256 of the last record's line
  std::string last_type;            // event type of the last record
  // Set when a torn tail was cut off.
  bool torn = false;
  std::string torn_segment;
  std::uint64_t torn_offset = 0;
  std::uint64_t torn_bytes = 0;
  std::string torn_sha256;
  std::string torn_reason;
  std::string torn_saved_as;
};

// Errors: "data-loss" (corruption that is not a torn tail; message names file and line),
// "unavailable" / "resource-exhausted" (I/O).
Result<TailState> recover_tail(const std::string& dir);

}  // namespace docaxis::audit
