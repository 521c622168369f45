#include "engine/receipts.hpp"


#include "common/time_text.hpp"
#include "audit/events.hpp"
#include "edxml/receipt.hpp"
#include "edxml/text.hpp"

namespace docaxis::engine {
namespace {

// A receipt's Reason is at most 1,000 characters (edxml::validate_receipt). The reason comes
// from the recipient (an AMQP rejection's description, an updateStatus description) and may be
// longer: it is cut on a character boundary, marked "...", rather than costing the receipt.
constexpr std::size_t kMaxReasonChars = 1000;
std::string clamp_reason(std::string reason) {
  if (edxml::text::char_count(reason) <= kMaxReasonChars) return reason;
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < reason.size(); ++i) {
    const auto c = static_cast<unsigned char>(reason[i]);
    if ((c & 0xC0) != 0x80 && chars++ == kMaxReasonChars - 3) break;  // a lead byte
  }
  reason.resize(i);
  return reason + "...";
}

std::string receipt_outcome(std::string_view dispatcher_outcome) {
  if (dispatcher_outcome == "delivered") return "delivered";
  if (dispatcher_outcome == "refused") return "rejected";
  return "expired";
}

}  // namespace

ReceiptIssuer::ReceiptIssuer(store::Store& store, const ReceiptSigner& signer,
                             const routing::RouteTable& routes, audit::AuditTrail* audit,
                             std::string hub_name, std::function<int64_t()> clock)
    : store_(store),
      signer_(signer),
      routes_(routes),
      audit_(audit),
      hub_(std::move(hub_name)),
      clock_(std::move(clock)) {}

Result<std::optional<store::FollowUp>> ReceiptIssuer::make_receipt(
    const store::Delivery& d, std::string_view outcome, const store::StoredPackage* given) {
  std::optional<store::StoredPackage> loaded;
  if (given == nullptr) {
    auto r = store_.load_package(d.seq);
    if (!r) return r.status();
    loaded = std::move(*r);
  }
  const store::StoredPackage* pkg = given != nullptr ? given : &*loaded;
  if (pkg->message_type == "receipt") return std::optional<store::FollowUp>();  // none for receipts
  // Handed to a peer hub: the hub that delivers to the recipient issues the receipt. A refusal
  // or expiry here ends the journey, so this hub reports it.
  if (d.next_hop != store::kLocalHop && outcome == "delivered") {
    return std::optional<store::FollowUp>();
  }

  const int64_t now = clock_();
  edxml::DeliveryReceipt r;
  r.receipt_id = hub_ + "-" + std::to_string(d.seq) + "-" + std::to_string(d.id);
  r.document_id = pkg->document_id;
  r.sender = pkg->sender;
  r.recipient = d.recipient;
  r.outcome = receipt_outcome(outcome);
  r.delivered_sha256_hex = pkg->sha256_hex;
  for (const auto& h : pkg->hops) r.hops.push_back({h.hub, iso_utc_ms(h.arrived_ms), {}});
  r.issued_at = iso_utc_ms(now);
  r.issuer_hub = hub_;
  if (r.outcome != "delivered") {
    r.reason = d.last_error.empty() ? (r.outcome == "rejected" ? "refused by the recipient"
                                                               : "delivery deadline passed")
                                    : clamp_reason(d.last_error);
  }
  r.policy_relaxations = pkg->relaxations;
  if (Status s = edxml::validate_receipt(r); !s.ok()) return s;
  auto signed_receipt = signer_.sign_receipt(edxml::write_receipt(r));
  if (!signed_receipt) return signed_receipt.status();
  auto hop = routes_.resolve(r.sender);
  if (!hop) return hop.status();

  store::FollowUp f;
  f.package.message_type = "receipt";
  f.package.sender = hub_;
  f.package.document_id = r.receipt_id;
  f.package.sha256_hex = edxml::sha256_hex(*signed_receipt);
  f.package.bytes = std::move(signed_receipt).value();
  f.package.received_ms = now;
  f.package.from_endpoint = hub_;
  f.package.hops = {{hub_, now}};
  store::PackageVerdict& v = f.package.verdict;
  v.form = store::PackageVerdict::Form::kIssuedReceipt;
  v.receipt_issuer = hub_;
  v.receipt_outcome = r.outcome;
  v.about_document = r.document_id;
  v.about_sha256 = r.delivered_sha256_hex;
  v.about_recipient = r.recipient;
  v.about_reason = r.reason;
  v.about_seq = d.seq;  // the receipt id above is made of these two; the admin reads them here
  v.about_delivery = d.id;
  const bool local = hop->kind == routing::NextHop::Kind::local;
  if (!local || !keeps_ || !keeps_(r.sender)) {
    store::DeliverySpec to;
    to.recipient = r.sender;
    to.next_hop = local ? std::string(store::kLocalHop) : hop->peer;
    f.recipients = {to};
  }
  return std::optional<store::FollowUp>(std::move(f));
}

void ReceiptIssuer::record(const std::vector<FinishedDelivery>& batch) {
  std::vector<audit::Event> events;
  events.reserve(batch.size() * 2);
  for (const FinishedDelivery& f : batch) {
    const store::Delivery& d = f.delivery;
    events.push_back(audit::events::delivery_finished(f.outcome, d.recipient, d.id, d.seq,
                                                      d.next_hop, d.attempts, d.last_error));
    if (f.receipt_seq) {
      ++issued_;
      events.push_back(audit::events::receipt_issued(d.recipient, f.receipt_id, *f.receipt_seq,
                                                     f.outcome, d.id, d.seq));
    } else if (!f.receipt_status.ok()) {
      ++failed_;
      events.push_back(audit::events::receipt_failed(d.recipient, d.id, d.seq,
                                                     f.receipt_status.code(),
                                                     f.receipt_status.message()));
    }
  }
  if (audit_ == nullptr || events.empty()) return;
  // Asynchronous: the dispatcher does not wait for the fdatasync (the states are committed
  // already); a failure is counted.
  audit_->append_async(std::move(events), [this](Result<std::uint64_t> r) {
    if (!r.ok()) ++audit_failures_;
  });
}

}  // namespace docaxis::engine
