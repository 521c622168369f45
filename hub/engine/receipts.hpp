// Signed delivery receipts (issue 3): when a delivery ends — delivered to the recipient,
// refused by it, or expired — the hub issues a DeliveryReceipt (schemas/docaxis-receipt.xsd),
// signs it with its own key (enveloped XML-DSig as the last child of the receipt; an EC P-256
// hub key makes that ~17 µs), stores it durably and routes it to the original sender's inbox
// with messagetype "receipt". Receipts are never issued for receipts.
//
// Threads: issue() is called from the delivery dispatcher's thread; it never blocks on the
// store (ingest_async) and the store's callback only appends to the audit log and wakes the
// dispatcher.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "audit/audit_log.hpp"
#include "dsig/signer.hpp"
#include "routing/route_table.hpp"
#include "store/store.hpp"

namespace docaxis::engine {

class ReceiptIssuer {
 public:
  ReceiptIssuer(store::Store& store, const dsig::Signer& signer, const routing::RouteTable& routes,
                audit::AuditLog* audit, std::string hub_name, std::function<int64_t()> clock,
                std::function<void()> on_queued);

  // outcome: "delivered" | "refused" | "expired" (the dispatcher's terminal outcomes).
  // Failures are recorded in the audit log as "receipt-failed" and counted; the delivery's own
  // state is already final, so nothing is retried here.
  void issue(const store::Delivery& delivery, std::string_view outcome);

  std::uint64_t issued() const { return issued_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void record_failure(const store::Delivery& d, const Status& s);

  store::Store& store_;
  const dsig::Signer& signer_;
  const routing::RouteTable& routes_;
  audit::AuditLog* audit_;
  std::string hub_;
  std::function<int64_t()> clock_;
  std::function<void()> on_queued_;
  std::atomic<std::uint64_t> issued_{0};
  std::atomic<std::uint64_t> failed_{0};
};

}  // namespace docaxis::engine
