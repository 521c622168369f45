// AdminService, mutating commands: doc.retry, dlq.retry, dlq.purge. Each changes the spool
// only through AdminStore (one commit), then records one "operator" audit event per delivery
// it changed (so `docaxis receipt show DOC` finds the operator's hand in that document's
// trail), with who did it, then wakes the dispatcher.
#include <map>
#include <set>

#include "admin/json_util.hpp"
#include "admin/service.hpp"
#include "audit/events.hpp"

namespace docaxis::admin {

using nlohmann::json;
using namespace detail;

namespace {

constexpr uint32_t kPurgeChunk = 500;

// Appends the events; a failure is reported as "audit-failed" naming what was already done
// (the spool change is committed and stays: the hub never undoes a repair it cannot audit).
Result<uint64_t> record(audit::AuditTrail* audit, std::vector<audit::Event> events,
                        const std::string& done) {
  if (audit == nullptr || events.empty()) return uint64_t{0};
  auto seq = audit->append_batch(std::move(events));
  if (!seq) {
    return Status("audit-failed", done + ", but the audit log refused the record: " +
                                      seq.status().to_string());
  }
  return *seq;
}

audit::Event operator_event(const std::string& who, const std::string& action,
                            const store::DeliveryListing& l, int pid) {
  return audit::events::operator_action(who, l.document_id, l.delivery.recipient, action,
                                        l.delivery.seq, l.delivery.id,
                                        std::string(store::to_string(l.delivery.state)), pid);
}

}  // namespace

Result<json> AdminService::retry(const Caller& caller, const Request& r, std::vector<uint64_t> ids,
                                 bool allow_waiting, bool allow_refused) {
  // The listing of each delivery before the retry: its document id for the audit record.
  std::map<uint64_t, store::DeliveryListing> before;
  {
    std::set<uint64_t> seqs;
    for (uint64_t id : ids) {
      auto d = store_.load_delivery(id);
      if (d) seqs.insert(d->seq);
    }
    for (uint64_t seq : seqs) {
      store::DeliveryFilter f;
      f.seq = seq;
      f.limit = 100'000;
      auto rows = admin_.find_deliveries(f);
      if (!rows) return rows.status();
      for (auto& l : *rows) before[l.delivery.id] = std::move(l);
    }
  }
  store::RetryRequest req;
  req.ids = std::move(ids);
  req.who = who(caller, r);
  req.allow_waiting = allow_waiting;
  req.allow_dead = true;
  req.allow_refused = allow_refused;
  auto results = admin_.retry_now(req, now());
  if (!results) return results.status();

  json retried = json::array(), skipped = json::array();
  std::vector<audit::Event> events;
  for (const auto& x : *results) {
    if (!x.status.ok()) {
      skipped.push_back({{"delivery", x.id}, {"code", x.status.code()}, {"reason", x.status.message()}});
      continue;
    }
    retried.push_back({{"delivery", x.id},
                       {"was", std::string(store::to_string(x.was))},
                       {"now", delivery_json(*x.now)}});
    auto it = before.find(x.id);
    if (it == before.end()) continue;  // cannot happen: it was found by retry_now
    audit::Event e = operator_event(req.who, r.cmd, it->second, caller.pid);
    e.detail["new_delivery"] = x.now->id;
    e.detail["due_ms"] = x.now->next_attempt_ms;
    e.detail["last_error"] = it->second.delivery.last_error;
    events.push_back(std::move(e));
  }
  if (!retried.empty() && ports_.wake_dispatcher) ports_.wake_dispatcher();
  auto audit_seq = record(audit_, std::move(events),
                          "retried " + std::to_string(retried.size()) + " deliveries");
  if (!audit_seq) return audit_seq.status();
  return json{{"retried", retried}, {"skipped", skipped}, {"audit_seq", *audit_seq}};
}

Result<json> AdminService::doc_retry(const Caller& caller, const Request& r) {
  auto ref = opt_string(r.args, "ref");
  if (!ref) return ref.status();
  if (!*ref) return Status("invalid-argument", "argument \"ref\" (a seq or document id) is required");
  auto recipient = opt_string(r.args, "recipient");
  if (!recipient) return recipient.status();
  auto include_refused = opt_bool(r.args, "include_refused");
  if (!include_refused) return include_refused.status();
  auto seqs = resolve(**ref);
  if (!seqs) return seqs.status();
  if (seqs->size() > 1) {
    return Status("ambiguous", "\"" + **ref + "\" names " + std::to_string(seqs->size()) +
                                   " packages: retry one of them with seq:N");
  }
  auto deliveries = store_.deliveries_of(seqs->front());
  if (!deliveries) return deliveries.status();
  std::vector<uint64_t> ids;
  std::string states;
  for (const auto& d : *deliveries) {
    if (*recipient && d.recipient != **recipient) continue;
    states += (states.empty() ? "" : ", ") + d.recipient + " " + std::string(store::to_string(d.state));
    const bool retriable = d.state == store::DeliveryState::kWaiting ||
                           d.state == store::DeliveryState::kDead ||
                           (d.state == store::DeliveryState::kRefused && *include_refused);
    if (retriable) ids.push_back(d.id);
  }
  if (ids.empty()) {
    return Status("nothing-to-retry",
                  "seq " + std::to_string(seqs->front()) + " has no delivery to retry" +
                      (states.empty() ? (*recipient ? " for " + **recipient : std::string())
                                      : " (" + states + ")") +
                      ": only waiting and dead ones (refused with include_refused) are retried");
  }
  return retry(caller, r, std::move(ids), /*allow_waiting=*/true, *include_refused);
}

Result<json> AdminService::dlq_retry(const Caller& caller, const Request& r) {
  auto ids = opt_ids(r.args, "ids");
  if (!ids) return ids.status();
  auto ref = opt_string(r.args, "ref");
  if (!ref) return ref.status();
  if (ids->empty() == !*ref) {
    return Status("invalid-argument", "give either \"ref\" (a document) or \"ids\" (delivery ids)");
  }
  if (*ref) {
    auto seqs = resolve(**ref);
    if (!seqs) return seqs.status();
    if (seqs->size() > 1) {
      return Status("ambiguous", "\"" + **ref + "\" names " + std::to_string(seqs->size()) +
                                     " packages: use seq:N");
    }
    auto deliveries = store_.deliveries_of(seqs->front());
    if (!deliveries) return deliveries.status();
    for (const auto& d : *deliveries) {
      if (d.state == store::DeliveryState::kDead) ids->push_back(d.id);
    }
    if (ids->empty()) {
      return Status("nothing-to-retry", "seq " + std::to_string(seqs->front()) + " has no dead letter");
    }
  }
  return retry(caller, r, std::move(*ids), /*allow_waiting=*/false, /*allow_refused=*/false);
}

Result<json> AdminService::dlq_purge(const Caller& caller, const Request& r) {
  auto before = opt_int(r.args, "before_ms");
  if (!before) return before.status();
  if (!*before) return Status("invalid-argument", "argument \"before_ms\" (the cutoff) is required");
  // The hub checks the cut-off itself: a cut-off in the future would purge dead letters that
  // die after this command, whatever client sent it.
  if (**before > now()) {
    return Status("invalid-argument", "the cutoff before_ms=" + std::to_string(**before) +
                                          " is in the future (now " + std::to_string(now()) + ")");
  }
  auto limit = opt_int(r.args, "limit");
  if (!limit) return limit.status();
  if (*limit && **limit < 1) return Status("invalid-argument", "limit must be at least 1");
  const std::string who_text = who(caller, r);
  uint64_t deliveries = 0, packages = 0;
  std::optional<uint64_t> audit_seq;
  uint64_t left = *limit ? static_cast<uint64_t>(**limit) : UINT64_MAX;
  while (left > 0) {
    const auto chunk = static_cast<uint32_t>(std::min<uint64_t>(left, kPurgeChunk));
    auto purged = admin_.purge_dead(**before, chunk);
    if (!purged) {
      if (deliveries == 0) return purged.status();
      return Status(purged.status().code(),
                    "purged " + std::to_string(deliveries) + " dead letters, then: " +
                        purged.status().message());
    }
    std::set<uint64_t> gone(purged->packages.begin(), purged->packages.end());
    std::vector<audit::Event> events;
    for (const auto& l : purged->purged) {
      audit::Event e = operator_event(who_text, r.cmd, l, caller.pid);
      e.detail["before_ms"] = **before;
      e.detail["last_error"] = l.delivery.last_error;
      e.detail["package_deleted"] = gone.count(l.delivery.seq) > 0;
      events.push_back(std::move(e));
    }
    deliveries += purged->purged.size();
    packages += purged->packages.size();
    auto seq = record(audit_, std::move(events), "purged " + std::to_string(deliveries) + " dead letters");
    if (!seq) return seq.status();
    if (*seq != 0) audit_seq = *seq;
    if (purged->purged.size() < chunk) break;
    left -= purged->purged.size();
  }
  return json{{"purged", deliveries},
              {"packages_deleted", packages},
              {"before_ms", **before},
              {"audit_seq", audit_seq ? json(*audit_seq) : json(nullptr)}};
}

}  // namespace docaxis::admin
