// Signed delivery receipts (issue 3): when a delivery ends — delivered to the recipient,
// refused by it, or expired — the hub issues a DeliveryReceipt (schemas/docaxis-receipt.xsd),
// signs it with its own key (enveloped XML-DSig as the last child of the receipt; an EC P-256
// hub key makes that ~17 µs) and routes it to the original sender's inbox with messagetype
// "receipt". Receipts are never issued for receipts.
//
// Two halves, both called on the delivery dispatcher's thread (record() also on the thread
// that calls Dispatcher::stop(), for the last landed batches):
// - make_receipt() is the dispatcher's MakeFollowUp: it builds and signs the receipt before
//   the final state is committed, and the store commits both together (Store::apply), so a
//   crash can never leave a finished delivery without its receipt.
// - record() is the dispatcher's on_terminal: after the commit it queues, for the whole batch
//   in one asynchronous audit append (sharing an fdatasync), each delivery's event ("delivered",
//   "refused-by-recipient", "dead-lettered") and its "receipt-issued" (or "receipt-failed")
//   event.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_trail.hpp"
#include "engine/verification.hpp"
#include "routing/route_table.hpp"
#include "store/store.hpp"

namespace docaxis::engine {

// A delivery that reached a final state, as committed. outcome: "delivered" | "refused" |
// "expired"; receipt_id/receipt_seq: the receipt stored with it; receipt_status: why there
// is none when one was due (ok otherwise).
struct FinishedDelivery {
  store::Delivery delivery;
  std::string outcome;
  std::string receipt_id;
  std::optional<std::uint64_t> receipt_seq;
  Status receipt_status;
};

class ReceiptIssuer {
 public:
  ReceiptIssuer(store::Store& store, const ReceiptSigner& signer, const routing::RouteTable& routes,
                audit::AuditTrail* audit, std::string hub_name, std::function<int64_t()> clock);

  // Organs served here that read their outcomes by polling (the axis HTTP API) instead of
  // receiving receipts: a receipt for one is stored with no delivery. Set before use.
  void keep_receipts_for(std::function<bool(const std::string& organ)> keeps) {
    keeps_ = std::move(keeps);
  }

  // The signed receipt for `final_state` (as it will be committed) and where it goes;
  // nullopt for the delivery of a receipt. Errors: the package cannot be read, the receipt
  // cannot be built, signed or routed (codes from store, edxml, dsig, routing).
  // `package`: the delivery's package (bytes not needed) if at hand, else null (loaded).
  Result<std::optional<store::FollowUp>> make_receipt(const store::Delivery& final_state,
                                                      std::string_view outcome,
                                                      const store::StoredPackage* package = nullptr);

  // Audits a committed batch (see above). Audit failures are counted, not retried: the
  // deliveries are final either way.
  void record(const std::vector<FinishedDelivery>& batch);

  std::uint64_t issued() const { return issued_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t audit_failures() const { return audit_failures_; }

 private:
  store::Store& store_;
  const ReceiptSigner& signer_;
  const routing::RouteTable& routes_;
  audit::AuditTrail* audit_;
  std::string hub_;
  std::function<int64_t()> clock_;
  std::function<bool(const std::string&)> keeps_;
  std::atomic<std::uint64_t> issued_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> audit_failures_{0};
};

}  // namespace docaxis::engine
