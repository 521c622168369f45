#include "delivery/polled_inboxes.hpp"

#include <memory>
#include <utility>

#include "log/log.hpp"

namespace docaxis::delivery {
namespace {

PolledItem item_of(const store::InboxItem& in) {
  PolledItem out;
  out.delivery_id = in.delivery.id;
  out.sha256_hex = in.sha256_hex;
  out.message_type = in.message_type;
  out.sender = in.sender;
  out.recipient = in.delivery.recipient;
  out.document_id = in.document_id;
  out.state = std::string(store::to_string(in.delivery.state));
  out.recipient_status = in.recipient_status;
  out.created_ms = in.received_ms;
  out.updated_ms = in.delivery.updated_ms;
  return out;
}

}  // namespace

PolledInboxService::PolledInboxService(store::Store& store, store::InboxStore& inbox,
                                       Dispatcher& dispatcher, Clock clock, OnStatus on_status)
    : store_(store), inbox_(inbox), dispatcher_(dispatcher), clock_(std::move(clock)),
      on_status_(std::move(on_status)) {}

Result<std::vector<PolledItem>> PolledInboxService::waiting(const std::vector<std::string>& organs,
                                                            const std::string& message_type,
                                                            uint32_t limit) {
  auto rows = inbox_.waiting_for(store::InboxQuery{organs, message_type, limit});
  if (!rows.ok()) return rows.status();
  std::vector<PolledItem> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(item_of(r));
  return out;
}

Result<uint64_t> PolledInboxService::count_waiting(const std::vector<std::string>& organs,
                                                   const std::string& message_type) {
  return inbox_.count_waiting_for(store::InboxQuery{organs, message_type, 0});
}

Result<PolledPackage> PolledInboxService::fetch(const std::vector<std::string>& organs,
                                                const std::string& doc_id, const std::string& by) {
  auto found = inbox_.find_for(organs, doc_id);
  if (!found.ok()) return found.status();
  auto pkg = store_.load_package(found->delivery.seq);
  if (!pkg.ok()) return pkg.status();
  PolledPackage out{item_of(*found), std::move(pkg->bytes)};
  // The fetch is history, not state: the answer does not wait for it.
  inbox_.record_event_async(found->delivery.id, "fetched", "fetched by " + by, "", clock_(),
                            [id = found->delivery.id](const Status& s) {
                              if (s.ok()) return;
                              log::get("delivery").warn(
                                  "fetch-not-recorded",
                                  {{"delivery", std::to_string(id)}, {"reason", s.to_string()}});
                            });
  return out;
}

Result<std::vector<SentItem>> PolledInboxService::sent(const std::vector<std::string>& organs,
                                                       const std::string& doc_id,
                                                       const std::string& message_type,
                                                       uint32_t limit) {
  auto rows = inbox_.sent_by(organs, doc_id, message_type, limit);
  if (!rows.ok()) return rows.status();
  std::vector<SentItem> out;
  out.reserve(rows->size());
  for (const store::SentPackage& p : *rows) {
    SentItem item{p.sha256_hex, p.message_type, p.sender, p.document_id, p.title, p.notation,
                  p.received_ms, {}};
    for (const store::Delivery& d : p.deliveries) {
      SentRecipient r;
      r.recipient = d.recipient;
      r.next_hop = d.next_hop;
      r.state = std::string(store::to_string(d.state));
      r.last_error = d.last_error;
      r.updated_ms = d.updated_ms;
      for (const store::SentReceipt& rc : p.receipts) {  // the latest one counts
        if (rc.recipient != d.recipient) continue;
        r.outcome = rc.outcome;
        r.issuer = rc.issuer;
        r.receipt_id = rc.receipt_id;
        r.reason = rc.reason;
        r.receipt_ms = rc.received_ms;
      }
      item.recipients.push_back(std::move(r));
    }
    out.push_back(std::move(item));
  }
  return out;
}

void PolledInboxService::report_status(const std::vector<std::string>& organs,
                                       const std::string& doc_id, RecipientStatus status,
                                       StatusDone done) {
  auto found = inbox_.find_for(organs, doc_id);
  if (!found.ok()) return done(found.status());
  auto item = std::make_shared<PolledItem>(item_of(*found));
  auto reported = std::make_shared<RecipientStatus>(std::move(status));
  auto on_status = on_status_;
  if (reported->status == "done" || reported->status == "fail") {
    const bool delivered = reported->status == "done";
    std::string reason;
    if (!delivered) {
      reason = "refused by the recipient (" + reported->by + ")";
      if (!reported->reason.empty()) reason += ": " + reported->reason;
    }
    dispatcher_.settle(item->delivery_id, delivered, std::move(reason),
                       [item, reported, on_status, done = std::move(done)](Result<store::Delivery> d) {
                         if (!d.ok()) return done(d.status());
                         item->state = std::string(store::to_string(d->state));
                         item->updated_ms = d->updated_ms;
                         if (!on_status) return done(*item);
                         on_status(*item, *reported, [item, done] { done(*item); });
                       });
    return;
  }
  inbox_.record_event_async(
      item->delivery_id, "status", reported->status + " (reported by " + reported->by + ")",
      reported->status, clock_(),
      [item, reported, on_status, done = std::move(done)](const Status& s) {
        if (!s.ok()) return done(s);
        item->recipient_status = reported->status;
        if (!on_status) return done(*item);
        on_status(*item, *reported, [item, done] { done(*item); });
      });
}

}  // namespace docaxis::delivery
