// Value types of the durable spool: what the store keeps about a package and about each of
// its deliveries. Plain data, no I/O; every field is written by the engine except those
// marked "store-assigned".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "model/trail.hpp"

namespace docaxis::store {

// A recipient of a relayed package that this hub left to an earlier hub of its trail (its
// route leads back along the trail).
struct LeftRecipient {
  std::string recipient;  // organ id
  std::string via;        // the peer hub its route leads to

  bool operator==(const LeftRecipient&) const = default;
};

// What the hub decided about a package when it accepted it, as fields (columns of
// `packages` since schema version 4). `describe_verdict` turns it into the sentence shown to
// operators; nothing parses that sentence back.
struct PackageVerdict {
  // kPackage: an edoc or status verified at ingest. kRelayedReceipt: a receipt another hub
  // issued, relayed to us by a peer. kIssuedReceipt: a receipt this hub issued (receipts.cpp).
  // kLegacy: stored before schema version 4: `legacy_text` is the sentence as written then and
  // the other fields were filled from it, best effort, by the migration.
  enum class Form { kPackage, kRelayedReceipt, kIssuedReceipt, kLegacy };
  Form form = Form::kPackage;
  bool is_signed = false;
  std::string signer_subject;    // RFC 2253 subject of the signing certificate
  std::string signature_method;  // algorithm URI
  std::string unsigned_note;     // why an accepted package counts as unsigned (verifier's note)
  std::string relaxation_reason;  // the endpoint's reason, when relaxations were applied
                                  // (the relaxations themselves: StoredPackage::relaxations)
  std::string relayed_by;         // the peer hub that handed it to us; empty from an endpoint
  std::vector<LeftRecipient> left_to_earlier_hubs;
  // Receipts (both forms).
  std::string receipt_issuer;   // IssuerHub
  std::string receipt_outcome;  // delivered | rejected | expired
  std::string about_document;   // the DocumentId the receipt is about
  std::string about_sha256;     // sha256 of the package the receipt is about (both forms;
                                // relayed receipts since schema version 5)
  std::string about_recipient;  // the recipient the receipt is about (since version 5)
  std::string about_reason;     // why, when not delivered (since version 5)
  // kIssuedReceipt: the package (seq) and the delivery (id) the receipt is about, here. The
  // receipt id "<hub>-<seq>-<delivery>" is built from them; nothing parses it back.
  std::optional<uint64_t> about_seq;
  std::optional<uint64_t> about_delivery;
  std::string legacy_text;  // kLegacy only

  bool operator==(const PackageVerdict&) const = default;
};

// "package", "relayed-receipt", "issued-receipt", "legacy" (the names stored in the database).
std::string_view to_string(PackageVerdict::Form form);
std::optional<PackageVerdict::Form> parse_verdict_form(std::string_view name);

// A package as accepted at ingest. `bytes` are the exact bytes received and are never
// modified; `sha256_hex` is their SHA-256, computed by the caller (the engine already needs
// it for receipts) as 64 lowercase hex digits; the store checks the format only.
struct StoredPackage {
  uint64_t seq = 0;                   // store-assigned at ingest: monotonic, never reused
  std::string message_type;           // "edoc" | "status" | "receipt"
  std::string sender;                 // From/OrganId
  std::string document_id;            // the duplicate key's document part (engine's choice)
  std::string sha256_hex;             // of `bytes`
  std::string bytes;                  // exact package bytes (binary-safe)
  int64_t received_ms = 0;            // unix milliseconds
  std::string from_endpoint;          // connection identity (certificate subject or peer)
  std::vector<std::string> relaxations;  // verification policy relaxations applied
  model::Trail hops;                     // trail so far, this hub last (model/trail.hpp)
  PackageVerdict verdict;             // what the hub decided (describe_verdict: as a sentence)
  // What the sender's system shows of it (getSentEdocList): edXML Subject and
  // "<CodeNumber>/<CodeNotation>" of a document; empty otherwise.
  std::string title = {};
  std::string notation = {};

  bool operator==(const StoredPackage&) const = default;
};

// The verdict as one sentence for operators (doc show, the audit record), derived from the
// fields: "signed by <subject>; <method>[; relaxed: a,b (reason)][; relayed by X][; left to
// earlier hubs: r (via p),...]", "unsigned[: note]...", "receipt for <doc> (<outcome>) issued
// by <hub>, signed by <subject>; relayed by <peer>", "issued by <hub> for delivery <id>
// (<outcome>, document <doc>, sha256 <hex>)"; a legacy row: its stored sentence.
std::string describe_verdict(const StoredPackage& pkg);

// Package metadata without the bytes, for listings.
struct PackageSummary {
  uint64_t seq = 0;
  std::string message_type;
  std::string sender;
  std::string document_id;
  std::string sha256_hex;
  uint64_t size = 0;  // of bytes
  int64_t received_ms = 0;
  std::string from_endpoint;
  int64_t released_ms = 0;  // when retention released the bytes (0: held; retention.hpp)
};

// Life of one (package, recipient) delivery:
//   waiting --claim_due--> in_flight --mark_delivered--> delivered
//                          in_flight --mark_refused----> refused     (permanent, recipient said no)
//                          in_flight --schedule_retry--> waiting     (at next_attempt_ms)
//   waiting|in_flight --mark_dead--> dead                            (deadline or poison limit)
//   in_flight --recover_in_flight--> waiting                         (sweeper, restart)
// delivered, refused and dead are terminal.
enum class DeliveryState { kWaiting, kInFlight, kDelivered, kRefused, kDead };

// "waiting", "in_flight", "delivered", "refused", "dead" (the names stored in the database).
std::string_view to_string(DeliveryState state);
std::optional<DeliveryState> parse_delivery_state(std::string_view name);
inline bool is_terminal(DeliveryState s) {
  return s == DeliveryState::kDelivered || s == DeliveryState::kRefused ||
         s == DeliveryState::kDead;
}

inline constexpr std::string_view kLocalHop = "local";  // next_hop of an inbox served here

struct Delivery {
  uint64_t id = 0;            // store-assigned
  uint64_t seq = 0;           // the package
  std::string recipient;      // organ id
  std::string next_hop;       // "local" or a peer hub name
  DeliveryState state = DeliveryState::kWaiting;
  uint32_t attempts = 0;      // attempts started: incremented by claim_due
  uint32_t unanswered = 0;    // attempts that ended with no outcome at all (timeout, link
                              // lost, hub killed while in flight): the poison count
  int64_t next_attempt_ms = 0;  // due time while waiting
  std::string last_error;     // last retry cause, refusal reason or why it died
  int64_t created_ms = 0;     // = the package's received_ms
  int64_t updated_ms = 0;     // last state change

  bool operator==(const Delivery&) const = default;
};

// What ingest creates per recipient.
struct DeliverySpec {
  std::string recipient;
  std::string next_hop{};
  int64_t not_before_ms = 0;  // first attempt not before this; 0 = at received_ms
};

// One destination's share of a claim: at most `limit` due deliveries of `recipient` (empty:
// any recipient) via `next_hop` (empty: the claim call's next_hop). A local inbox is
// {organ, n}; a peer link is {"", n, peer}.
struct ClaimQuota {
  std::string recipient;
  uint32_t limit = 0;
  std::string next_hop{};
};

// A package to store in the same transaction as a delivery's final state (the hub's signed
// delivery receipt), so that a crash can never leave a finished delivery without it.
struct FollowUp {
  StoredPackage package;
  std::vector<DeliverySpec> recipients;
};

// A delivery state change, applied in a batch by Store::apply (one commit for all).
//   kDelivered  in_flight | waiting | delivered -> delivered (idempotent: a late outcome)
//   kRefused    in_flight | waiting             -> refused, `error` kept in last_error
//   kRetry      in_flight                       -> waiting at next_attempt_ms, `error` kept
//   kDead       in_flight | waiting             -> dead, `error` kept
// `unanswered` (kRetry, kDead): the attempt ended with no outcome; unanswered + 1.
enum class TransitionKind { kDelivered, kRefused, kRetry, kDead };
struct Transition {
  uint64_t id = 0;
  TransitionKind kind = TransitionKind::kDelivered;
  int64_t next_attempt_ms = 0;  // kRetry only
  std::string error;            // kRefused, kRetry, kDead
  bool unanswered = false;
  // Stored with the transition (same commit) if, and only if, it changed the state to a
  // terminal one; its failure (e.g. duplicate-conflict) does not undo the transition.
  std::optional<FollowUp> follow_up;
};

// The result of one Transition. status: ok, not-found, or failed-precondition (the state does
// not allow it; nothing changed). `delivery`: the row after the transition (when ok).
// `changed`: false when the row was already in the target terminal state (a repeated
// kDelivered), so callers act on each terminal state exactly once.
// follow_up_status / follow_up_seq: the follow-up's ingest result when one was stored or
// attempted (status ok and seq set when stored; a duplicate reports the original seq).
struct TransitionResult {
  Status status;
  Delivery delivery;
  bool changed = false;
  Status follow_up_status;
  std::optional<uint64_t> follow_up_seq;
};

// The state machine above, shared by every Store implementation (store.cpp).
//   check_transition: the state the transition leads to, or failed-precondition
//     "delivery <id> is <state>: cannot <verb>" when the delivery's current state (its stored
//     name) does not allow it.
//   counts_unanswered: whether it adds one to `unanswered` (kRetry and kDead with unanswered).
//   follow_up_fails_the_job: a follow-up that failed this way (unavailable,
//     resource-exhausted, store-busy, internal) could not be written at all: the transition
//     must not commit without it, so the whole apply job fails and its caller retries. Other
//     failures (duplicate-conflict, ...) leave the transition applied.
Result<DeliveryState> check_transition(uint64_t id, TransitionKind kind,
                                       std::string_view current_state);
bool counts_unanswered(const Transition& t);
bool follow_up_fails_the_job(const Status& s);

struct IngestOutcome {
  enum class Kind { kStored, kDuplicate };
  Kind kind = Kind::kStored;
  // kStored: the new package's seq. kDuplicate: the seq of the package first stored under
  // this key, or 0 when that package has been purged (only its tombstone remains).
  uint64_t seq = 0;
};

// Per next hop, for `queue list`. `waiting` and `retrying` are disjoint: waiting counts
// deliveries never attempted, retrying those waiting again after at least one attempt.
struct HopQueueStats {
  std::string next_hop{};
  uint64_t waiting = 0;
  uint64_t retrying = 0;
  uint64_t in_flight = 0;
  uint64_t delivered = 0;
  uint64_t refused = 0;
  uint64_t dead = 0;
  std::optional<int64_t> oldest_pending_created_ms;  // oldest waiting or in_flight
  std::optional<int64_t> next_attempt_ms;            // earliest due time among waiting
};

// All set members must match; results ordered by seq ascending, seq > after_seq.
struct PackageFilter {
  std::optional<std::string> sender;
  std::optional<std::string> document_id;
  std::optional<std::string> message_type;
  std::optional<int64_t> received_from_ms;  // inclusive
  std::optional<int64_t> received_to_ms;    // exclusive
  uint64_t after_seq = 0;
  uint32_t limit = 100;
};

}  // namespace docaxis::store
