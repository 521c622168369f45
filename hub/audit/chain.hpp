// Building the hash chain: the part of appending that does not depend on where the records are
// kept. AuditLog (segment files) and PgAuditLog (PostgreSQL, hub/store_pg) both chain records
// with these functions, so both write byte-identical lines for the same events, seq, time and
// previous line (README.md has the format).
//
// Pure functions (signing aside); thread-safe. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint_keys.hpp"
#include "audit/record.hpp"
#include "common/status.hpp"

namespace docaxis::audit {

// Whether the hub may append `e`: a kebab-case type that is not reserved ("checkpoint" and
// "recovered" are the log's own), and an object `detail`. "invalid-argument" otherwise.
Status validate_event(const Event& e);
// The first invalid event's status, or ok.
Status validate_events(const std::vector<Event>& events);

// The end of a chain: the seq of the next record and the SHA-256 of the last line
// (kGenesisPrev before the first record).
struct ChainHead {
  std::uint64_t next_seq = 1;
  std::string hash{kGenesisPrev};
};

// Chains `r` onto `head`: sets r.seq and r.prev from the head (r.time must be set), formats
// the line (setting r.hash), advances the head past it and returns the line without '\n'.
std::string chain_record(ChainHead& head, Record& r);

// The checkpoint that seals `head` at `time`: `detail` = {alg, key, reason, records, sig}, the
// signature by `signer` over checkpoint_message(head.next_seq, time, head.hash, key). Not
// chained yet: pass it to chain_record with the same head. "internal" when signing fails.
Result<Record> checkpoint_record(const ChainHead& head, std::string time,
                                 const CheckpointSigner& signer, std::string_view reason,
                                 std::uint64_t records);

}  // namespace docaxis::audit
