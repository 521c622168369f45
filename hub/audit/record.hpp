// One audit record and its exact line format (format version 1; README.md is the public spec).
//
// A record is one line of a segment file:
//   {"v":1,"seq":N,"time":T,"event":E,"who":W,"doc":D,"organ":O,"detail":{...},"prev":P,"hash":H}\n
// keys always present, always in this order, no whitespace, `detail` serialised by nlohmann-json
// with sorted keys. `hash` = hex SHA-256 of the line bytes *before* `,"hash":"` (the "body");
// `prev` = hex SHA-256 of the previous record's whole line without its '\n' (64 zeros for seq 1).
// Hashes are always taken over the exact bytes on disk, never over re-serialised JSON; parsing
// additionally re-formats the record and demands byte equality, so a line that hashes but is
// not in canonical form (duplicate keys, spaces, other escapes) is refused as "malformed".
//
// Pure functions; thread-safe. No I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace docaxis::audit {

inline constexpr int kFormatVersion = 1;
inline constexpr std::string_view kGenesisPrev =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What happened. `type` is kebab-case [a-z0-9-], 1..40 chars; "checkpoint" and "recovered"
// are reserved for the log itself. `who` is the operator or connection identity for
// operator actions ("" for the hub itself); `doc` / `organ` may be "".
struct Event {
  std::string type;
  std::string who;
  std::string doc;
  std::string organ;
  nlohmann::json detail = nlohmann::json::object();
};

struct Record {
  std::uint64_t seq = 0;
  std::string time;  // RFC 3339 UTC, milliseconds: 2024-05-01T10:00:00.123Z
  Event event;
  std::string prev;  // 64 lowercase hex
  std::string hash;  // 64 lowercase hex; filled in by format_line / parse_line
};

// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

// 2024-05-01T10:00:00.123Z (always 24 characters, so strings compare like times).
std::string format_time(std::chrono::system_clock::time_point t);

// True for a valid event type (kebab-case, 1..40 chars). Reserved types are valid here.
bool valid_event_type(std::string_view type);

// The line for `r` without the trailing '\n'; sets r.hash. `detail` must be a JSON object.
std::string format_line(Record& r);

// Parses one line (without '\n'). Failure codes (the verifier's vocabulary):
//   "malformed"      not a canonical version-1 record (message says what)
//   "hash-mismatch"  the `hash` field is not the SHA-256 of the body
Result<Record> parse_line(std::string_view line);

// The fixed parts of a line, checked without a JSON parser: the envelope
// `{"v":1,"seq":N,"time":"<24>","event":"<type>",` ... `,"prev":"<64 hex>","hash":"<64 hex>"}`
// and the hash over the body. Enough for chain verification (every byte is still covered by
// `hash`); parse_line adds the full JSON and canonical-form check. Same failure codes.
struct Envelope {
  std::uint64_t seq = 0;
  std::string_view time;
  std::string_view type;
  std::string_view prev;
  std::string_view hash;
};
Result<Envelope> parse_envelope(std::string_view line);

// The bytes a checkpoint signature covers: domain tag, the checkpoint's seq and time, the chain
// head it seals (its `prev`) and the signing key's fingerprint, one per line.
std::string checkpoint_message(std::uint64_t seq, std::string_view time, std::string_view head,
                               std::string_view key_fingerprint);

}  // namespace docaxis::audit
