#include "admin/hub_ports.hpp"

namespace docaxis::admin {

using nlohmann::json;

HubPorts hub_ports(delivery::Dispatcher& dispatcher, const engine::Ingest& ingest,
                   const engine::ReceiptIssuer& receipts, const audit::AuditTrail* audit,
                   const store::HubStore& store, std::function<int64_t()> clock) {
  HubPorts p;
  p.clock = clock;
  p.counters = [&dispatcher, &ingest, &receipts, audit, &store] {
    const engine::IngestStats in = ingest.stats();
    uint64_t refused = 0;
    json by_code = json::object();
    for (const auto& [code, n] : in.refused) {
      refused += n;
      by_code[code] = n;
    }
    const delivery::DispatcherCounters d = dispatcher.counters();
    const store::StoreCounters s = store.counters();
    json c = {
        {"ingest", {{"received", in.received}, {"accepted", in.accepted},
                    {"duplicates", in.duplicates}, {"overloaded", in.overloaded},
                    {"refused", refused}, {"refused_by_code", by_code}}},
        {"delivery", {{"attempts", d.attempts}, {"delivered", d.delivered},
                      {"refused", d.refused}, {"retried", d.retried}, {"dead", d.dead},
                      {"timeouts", d.timeouts}, {"late_outcomes", d.late_outcomes},
                      {"store_errors", d.store_errors}, {"recovered", d.recovered},
                      {"commits", d.commits}}},
        {"receipts", {{"issued", receipts.issued()}, {"failed", receipts.failed()},
                      {"audit_failures", receipts.audit_failures()}}},
        {"store", {{"commits", s.commits}, {"failed_commits", s.failed_commits},
                   {"jobs", s.jobs}, {"packages_stored", s.packages_stored},
                   {"duplicates", s.duplicates}, {"conflicts", s.conflicts}}},
        {"gauges", {{"in_flight", d.in_flight}, {"store_max_batch", s.max_batch}}}};
    if (audit != nullptr) {
      const audit::AuditStats a = audit->stats();
      c["audit"] = {{"records", a.records}, {"checkpoints", a.checkpoints}, {"syncs", a.syncs}};
      c["gauges"]["audit_last_seq"] = audit->last_seq();
    }
    return c;
  };
  p.breaker = [&dispatcher, clock](const std::string& next_hop, const std::string& recipient) {
    store::Delivery d;
    d.next_hop = next_hop;
    d.recipient = recipient;
    return std::string(delivery::to_string(dispatcher.breaker_state(d, clock())));
  };
  p.inbox_attached = [&dispatcher](const std::string& organ) {
    return dispatcher.inbox_ready(organ);
  };
  p.peer_link_up = [&dispatcher](const std::string& peer) {
    return dispatcher.peer_link_up(peer);
  };
  p.wake_dispatcher = [&dispatcher] { dispatcher.wake(); };
  return p;
}

}  // namespace docaxis::admin
