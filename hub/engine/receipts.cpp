#include "engine/receipts.hpp"

#include <ctime>

#include "edxml/receipt.hpp"

namespace docaxis::engine {
namespace {

std::string iso_utc(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string receipt_outcome(std::string_view dispatcher_outcome) {
  if (dispatcher_outcome == "delivered") return "delivered";
  if (dispatcher_outcome == "refused") return "rejected";
  return "expired";
}

}  // namespace

ReceiptIssuer::ReceiptIssuer(store::Store& store, const dsig::Signer& signer,
                             const routing::RouteTable& routes, audit::AuditLog* audit,
                             std::string hub_name, std::function<int64_t()> clock,
                             std::function<void()> on_queued)
    : store_(store),
      signer_(signer),
      routes_(routes),
      audit_(audit),
      hub_(std::move(hub_name)),
      clock_(std::move(clock)),
      on_queued_(std::move(on_queued)) {}

void ReceiptIssuer::record_failure(const store::Delivery& d, const Status& s) {
  ++failed_;
  if (audit_ == nullptr) return;
  audit::Event e;
  e.type = "receipt-failed";
  e.organ = d.recipient;
  e.detail = {{"delivery", d.id}, {"seq", d.seq}, {"code", s.code()}, {"reason", s.message()}};
  (void)audit_->append(std::move(e));
}

void ReceiptIssuer::issue(const store::Delivery& d, std::string_view outcome) {
  auto pkg = store_.load_package(d.seq);
  if (!pkg) return record_failure(d, pkg.status());
  if (pkg->message_type == "receipt") return;  // no receipts for receipts

  const int64_t now = clock_();
  edxml::DeliveryReceipt r;
  r.receipt_id = hub_ + "-" + std::to_string(d.seq) + "-" + std::to_string(d.id);
  r.document_id = pkg->document_id;
  r.sender = pkg->sender;
  r.recipient = d.recipient;
  r.outcome = receipt_outcome(outcome);
  r.delivered_sha256_hex = pkg->sha256_hex;
  for (const auto& h : pkg->hops) r.hops.push_back({h.hub, iso_utc(h.arrived_ms), {}});
  r.issued_at = iso_utc(now);
  r.issuer_hub = hub_;
  if (r.outcome != "delivered") {
    r.reason = d.last_error.empty() ? (r.outcome == "rejected" ? "refused by the recipient"
                                                               : "delivery deadline passed")
                                    : d.last_error;
  }
  r.policy_relaxations = pkg->relaxations;
  if (Status s = edxml::validate_receipt(r); !s.ok()) return record_failure(d, s);
  auto signed_receipt = signer_.sign(edxml::write_receipt(r), dsig::Placement::kRootLastChild);
  if (!signed_receipt) return record_failure(d, signed_receipt.status());

  auto hop = routes_.resolve(r.sender);
  if (!hop) return record_failure(d, hop.status());
  store::StoredPackage receipt;
  receipt.message_type = "receipt";
  receipt.sender = hub_;
  receipt.document_id = r.receipt_id;
  receipt.sha256_hex = edxml::sha256_hex(*signed_receipt);
  receipt.bytes = std::move(signed_receipt).value();
  receipt.received_ms = now;
  receipt.from_endpoint = hub_;
  receipt.hops = {{hub_, now}};
  receipt.verdict = "issued by " + hub_ + " for delivery " + std::to_string(d.id);
  store::DeliverySpec to;
  to.recipient = r.sender;
  to.next_hop =
      hop->kind == routing::NextHop::Kind::local ? std::string(store::kLocalHop) : hop->peer;
  // Audited here, on the caller's thread: the store's callback runs on its writer thread,
  // which must not wait for the audit log's fsync.
  if (audit_ != nullptr) {
    audit::Event e;
    e.type = "receipt-issued";
    e.doc = r.document_id;
    e.organ = d.recipient;
    e.detail = {{"receipt", r.receipt_id},
                {"outcome", r.outcome},
                {"delivery", d.id},
                {"sha256", r.delivered_sha256_hex}};
    (void)audit_->append(std::move(e));
  }
  store_.ingest_async(std::move(receipt), {to}, [this, d](Result<store::IngestOutcome> result) {
    if (!result) return record_failure(d, result.status());  // rare: audited on this thread
    ++issued_;
    if (on_queued_) on_queued_();
  });
}

}  // namespace docaxis::engine
