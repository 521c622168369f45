// Delivery's port towards a transport whose recipients read their inbox by polling (the axis
// HTTP API, hub/vxp): list and count what waits, fetch a package, report a status. The
// recipient organs are those the caller authenticated (a system acts for its organs only);
// nothing here knows how. Header-only, no store types. Implemented by PolledInboxService.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::delivery {

// A delivery to a polling organ, as its system sees it.
struct PolledItem {
  uint64_t delivery_id = 0;
  std::string sha256_hex;     // of the package's exact bytes (the API's DocId is a prefix)
  std::string message_type;   // "edoc" | "status"
  std::string sender;         // the package's From organ
  std::string recipient;      // the polling organ
  std::string document_id;    // the package's DocumentId (the duplicate key's part)
  std::string state;          // waiting | in_flight | delivered | refused | dead
  std::string recipient_status;  // the last status the recipient reported ("" = none)
  int64_t created_ms = 0;     // when the package was received here
  int64_t updated_ms = 0;     // the delivery's last state change
};

struct PolledPackage {
  PolledItem item;
  std::string bytes;  // the exact package bytes
};

// How a recipient reports on a package (updateStatus): done -> delivered (the hub's signed
// receipt goes to the sender), fail -> refused with the reason, any other value -> recorded.
struct RecipientStatus {
  std::string status;  // as the recipient spelled it (done, fail, processing, ...)
  std::string reason;  // fail: why; recorded with the refusal
  std::string by;      // who reported it, for the history and the audit log (e.g. "vxp:<system>")
};

// What became of a sent package for one recipient: the delivery here (to the recipient's
// inbox, or to the peer hub on its route) and the receipt that came back, if any.
struct SentRecipient {
  std::string recipient;
  std::string next_hop;    // "local" or the peer hub
  std::string state;       // waiting | in_flight | delivered | refused | dead (here)
  std::string last_error;
  int64_t updated_ms = 0;
  std::string outcome;     // the receipt's: delivered | rejected | expired; "" = none yet
  std::string issuer;      // the hub that issued it
  std::string receipt_id;
  std::string reason;
  int64_t receipt_ms = 0;  // when the receipt was stored here
};

// A package sent by one of a system's organs.
struct SentItem {
  std::string sha256_hex;
  std::string message_type;
  std::string sender;
  std::string document_id;
  std::string title;
  std::string notation;
  int64_t sent_ms = 0;  // received here
  std::vector<SentRecipient> recipients;
};

class PolledInboxes {
 public:
  virtual ~PolledInboxes() = default;
  using StatusDone = std::function<void(Result<PolledItem>)>;

  // Waiting deliveries to `organs` of packages of `message_type`, oldest first, at most
  // `limit`. Errors: the store's (transient).
  virtual Result<std::vector<PolledItem>> waiting(const std::vector<std::string>& organs,
                                                  const std::string& message_type,
                                                  uint32_t limit) = 0;
  virtual Result<uint64_t> count_waiting(const std::vector<std::string>& organs,
                                         const std::string& message_type) = 0;
  // The package whose SHA-256 hex starts with `doc_id` (lowercase hex), delivered or waiting
  // for one of `organs`, in any state; the fetch is recorded with `by`. not-found otherwise.
  virtual Result<PolledPackage> fetch(const std::vector<std::string>& organs,
                                      const std::string& doc_id, const std::string& by) = 0;
  // Packages sent by `organs`: the one whose SHA-256 hex starts with `doc_id`, or with an
  // empty `doc_id` the newest `limit` of `message_type`. Errors: the store's; invalid-argument.
  virtual Result<std::vector<SentItem>> sent(const std::vector<std::string>& organs,
                                             const std::string& doc_id,
                                             const std::string& message_type, uint32_t limit) = 0;
  // Applies `status` to that delivery; `done` runs once, on any thread (must not block),
  // with the delivery after it. Idempotent: done twice, fail twice answer the same.
  // failed-precondition: it ended otherwise (done after fail, done after expiry).
  virtual void report_status(const std::vector<std::string>& organs, const std::string& doc_id,
                             RecipientStatus status, StatusDone done) = 0;
};

}  // namespace docaxis::delivery
