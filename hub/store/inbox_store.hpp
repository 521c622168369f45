// InboxStore: the spool as an inbox read by polling sees it (the axis HTTP API's receiving
// operations, through delivery/polled_inboxes.hpp). Separate from Store so the dispatcher and
// its test doubles never see it; SqliteStore implements it (sqlite_inbox.cpp).
//
// An organ that polls has deliveries like any other (next_hop "local"); nobody claims them
// while no AMQP inbox link of the organ is attached, so they stay `waiting` until the organ
// acknowledges them (a Store transition, through the dispatcher, which also issues the
// receipt) or the deadline passes (the dispatcher's sweeper: dead, receipt "expired").
//
// Contract: reads see committed data only, from any thread. record_event_async goes through
// the single writer like every other write; `done` runs after its commit on the completer
// thread (must not block on the store).
// Failure codes: those of Store (store-busy, unavailable, data-loss, internal), not-found.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/records.hpp"

namespace docaxis::store {

// A delivery to a polling organ with what its listing shows of the package (no bytes).
struct InboxItem {
  Delivery delivery;
  std::string message_type;
  std::string sender;
  std::string document_id;
  std::string sha256_hex;
  uint64_t size = 0;
  int64_t received_ms = 0;
  std::string recipient_status;  // the last status the recipient reported ("" = none)
};

// Waiting local deliveries of any of `recipients` whose package has `message_type`, oldest
// (lowest delivery id) first, at most `limit`.
struct InboxQuery {
  std::vector<std::string> recipients;
  std::string message_type;
  uint32_t limit = 1000;
};

// A receipt that came back (or was issued here) about a sent package, for one recipient.
struct SentReceipt {
  std::string recipient;  // the organ it is about
  std::string outcome;    // delivered | rejected | expired
  std::string issuer;     // the hub that issued it
  std::string receipt_id;
  std::string reason;     // rejected / expired: why
  int64_t received_ms = 0;  // stored here
};

// A package sent by one of a system's organs, with its deliveries here and its receipts.
struct SentPackage {
  uint64_t seq = 0;
  std::string message_type;
  std::string sender;
  std::string document_id;
  std::string sha256_hex;
  std::string title;
  std::string notation;
  int64_t received_ms = 0;
  std::vector<Delivery> deliveries;  // by id
  std::vector<SentReceipt> receipts;  // in the order they were stored
};

class InboxStore {
 public:
  virtual ~InboxStore() = default;
  InboxStore() = default;
  InboxStore(const InboxStore&) = delete;
  InboxStore& operator=(const InboxStore&) = delete;

  virtual Result<std::vector<InboxItem>> waiting_for(const InboxQuery& query) = 0;
  // The same deliveries counted (limit ignored).
  virtual Result<uint64_t> count_waiting_for(const InboxQuery& query) = 0;
  // The local delivery, to one of `recipients`, of the package whose sha256_hex starts with
  // `sha256_prefix` (lowercase hex, 1..64 digits), in any state; the newest delivery when
  // several match. not-found when there is none.
  virtual Result<InboxItem> find_for(const std::vector<std::string>& recipients,
                                     std::string_view sha256_prefix) = 0;
  // Records what the recipient did that changes no state: a row in the attempt history with
  // `result` ("fetched" or "status"), attempt 0, no start, `detail` as its error text; with
  // `status` non-empty it becomes the delivery's recipient_status. not-found: no such
  // delivery.
  // Packages sent by any of `senders`: the one whose sha256_hex starts with `sha256_prefix`
  // (lowercase hex, 1..64 digits; invalid-argument otherwise), or, with an empty prefix, the
  // newest `limit` of `message_type`, newest first.
  virtual Result<std::vector<SentPackage>> sent_by(const std::vector<std::string>& senders,
                                                   std::string_view sha256_prefix,
                                                   const std::string& message_type,
                                                   uint32_t limit) = 0;
  virtual void record_event_async(uint64_t delivery_id, std::string result, std::string detail,
                                  std::string status, int64_t now_ms,
                                  std::function<void(Status)> done) = 0;
};

}  // namespace docaxis::store
