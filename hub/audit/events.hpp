// The audit log's event vocabulary: every event type the hub writes, and the one builder of each
// (its `who`, `doc`, `organ` and detail fields). Used by the hub's modules that record events
// and by the `docaxis` CLI that reads them back, so a type or a field is spelled once. The
// types and fields are a public contract (hub/audit/README.md); add, never rename.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.hpp"

namespace docaxis::audit::events {

// Written by the hub's modules.
inline constexpr std::string_view kAccepted = "accepted";            // a package stored
inline constexpr std::string_view kDuplicate = "duplicate";          // a re-send answered ok
inline constexpr std::string_view kRefused = "refused";              // refused at ingest
inline constexpr std::string_view kReleased = "released";            // transient: not kept
inline constexpr std::string_view kRefusalsSuppressed = "refusals-suppressed";
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kRefusedByRecipient = "refused-by-recipient";
inline constexpr std::string_view kDeadLettered = "dead-lettered";
inline constexpr std::string_view kReceiptIssued = "receipt-issued";
inline constexpr std::string_view kReceiptFailed = "receipt-failed";
inline constexpr std::string_view kOperator = "operator";            // an admin repair
inline constexpr std::string_view kRecipientStatus = "recipient-status";  // reported by polling
inline constexpr std::string_view kRetention = "retention";  // package bytes released, segments deleted
inline constexpr std::string_view kKeyRollover = "key-rollover";  // the hub signing key replaced
// Written by the log itself (reserved: AuditLog refuses them from callers).
inline constexpr std::string_view kCheckpoint = "checkpoint";
inline constexpr std::string_view kRecovered = "recovered";

// A package committed (`stored`) or answered as a duplicate of a stored one.
struct PackageFacts {
  std::string who;           // the connection's identity as stored (from_endpoint)
  std::string doc;           // the duplicate key's document part
  std::string organ;         // the sender organ
  std::uint64_t seq = 0;
  std::string message_type;  // "edoc" | "status" | "receipt"
  std::vector<std::string> recipients;  // "<organ>@<next hop>"
  std::vector<std::string> relaxations;
  std::string sha256;
  std::uint64_t size = 0;
  std::string verdict;
};
Event package_stored(bool stored, const PackageFacts& p);

// A package refused at ingest: `refused`, or `released` for a transient code.
Event package_refused(bool transient, const std::string& who, const std::string& doc,
                      const std::string& organ, const std::string& code,
                      const std::string& reason, const std::string& address, std::uint64_t size);

// Refusals of `code` not recorded one by one in a sampling window.
Event refusals_suppressed(const std::string& code, std::uint64_t suppressed,
                          std::uint64_t recorded, std::int64_t window_start_ms,
                          std::int64_t window_ms);

// A delivery in a final state; `outcome` is the dispatcher's: "delivered" | "refused" |
// "expired" (recorded as delivered, refused-by-recipient, dead-lettered).
Event delivery_finished(std::string_view outcome, const std::string& organ, std::uint64_t delivery,
                        std::uint64_t seq, const std::string& next_hop, std::uint64_t attempts,
                        const std::string& last_error);

Event receipt_issued(const std::string& organ, const std::string& receipt,
                     std::uint64_t receipt_seq, std::string_view outcome, std::uint64_t delivery,
                     std::uint64_t seq);
Event receipt_failed(const std::string& organ, std::uint64_t delivery, std::uint64_t seq,
                     const std::string& code, const std::string& reason);

// An operator's repair through the admin socket.
Event operator_action(const std::string& who, const std::string& doc, const std::string& organ,
                      const std::string& action, std::uint64_t seq, std::uint64_t delivery,
                      const std::string& state, int pid);

// A retention round (hub/store/retention.hpp) that released package bytes or deleted segment
// files: who = "retention", detail packages, bytes, segments, segment_bytes.
Event retention_round(std::uint64_t packages, std::uint64_t bytes, std::uint64_t segments,
                      std::uint64_t segment_bytes);

// The hub's signing key and certificate replaced without a restart (SIGHUP): who = the
// trigger ("sighup"), detail old_cert / new_cert (SHA-256 of the DER certificates: what a
// receipt's X509Data carries), old_key / new_key (the checkpoint key fingerprints, SPKI
// SHA-256: what checkpoints name), old_subject / new_subject, new_not_after (RFC 3339).
struct KeyRollover {
  std::string old_cert, new_cert, old_key, new_key, old_subject, new_subject, new_not_after;
};
Event key_rollover(const std::string& who, const KeyRollover& r);

// A status a recipient reported on a delivery through the axis HTTP API (updateStatus):
// `who` is "vxp:<system>", `status` as reported (done, fail, processing, ...), `state` the
// delivery's state after it.
Event recipient_status(const std::string& who, const std::string& doc, const std::string& organ,
                       const std::string& status, const std::string& reason,
                       std::uint64_t delivery, const std::string& sha256,
                       const std::string& state);

}  // namespace docaxis::audit::events
