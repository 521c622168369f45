// AdminService: what each admin command does (README.md has every command, its arguments and
// its result). It reads the spool through store::Store / store::AdminStore, the hub's live
// state through HubPorts (callbacks the hub wires to its dispatcher and counters), and the
// configuration; mutating commands change the spool only through AdminStore's repairs and
// record each change in the audit log as an "operator" event with the caller's identity.
//
// Nothing here knows about sockets: AdminServer feeds it request lines; tests call handle()
// directly.
//
// Threads: handle() is called from the admin server's one thread; everything it uses is
// thread-safe (Store, AdminStore, AuditTrail, the ports).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "admin/protocol.hpp"
#include "admin/server.hpp"
#include "audit/audit_trail.hpp"
#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "model/cert_info.hpp"
#include "store/admin_store.hpp"
#include "store/store.hpp"

namespace docaxis::admin {

// The hub's live state, as callbacks (hub_ports.hpp binds them to the real objects).
// Every member may be empty; the service then reports the value as unknown.
struct HubPorts {
  std::function<int64_t()> clock;  // unix ms; empty: the system clock
  // Monotonic counters since start, grouped: {"ingest": {"received": 3, ...}, ...}. A group
  // named "gauges" holds current values, which get no rate.
  std::function<nlohmann::json()> counters;
  // Circuit-breaker state of a destination: "closed" | "open" | "half-open".
  std::function<std::string(const std::string& next_hop, const std::string& recipient)> breaker;
  // Is inbox/<organ> attached (a receiver link with credit)?
  std::function<bool(const std::string& organ)> inbox_attached;
  std::function<bool(const std::string& peer)> peer_link_up;  // the outgoing link is up
  // After a retry: let the dispatcher claim what became due.
  std::function<void()> wake_dispatcher;
  // When the axis HTTP API system `system` last made an authenticated request (unix ms), if
  // it has since the hub started; empty function: the API is off.
  std::function<std::optional<int64_t>(const std::string& system)> vxp_last_request;
  // The spool's footprint and what retention freed (stats' "spool"); empty: not reported.
  std::function<Result<nlohmann::json>()> spool;
  // The certificate inventory (tls/cert_inventory.hpp) for cert.list; empty: none.
  std::function<std::vector<model::CertInfo>()> certificates;
};

struct ServiceOptions {
  const config::HubConfig* config = nullptr;  // must outlive the service
  int64_t started_ms = 0;
  std::string admin_socket;  // reported by hub.info
};

class AdminService {
 public:
  AdminService(ServiceOptions options, store::Store& store, store::AdminStore& admin_store,
               audit::AuditTrail* audit, HubPorts ports);

  // One request line in, one response line out (protocol.hpp), never throws.
  std::string handle_line(const Caller& caller, std::string_view line);
  // A parsed request; the result object or the error.
  Result<nlohmann::json> handle(const Caller& caller, const Request& request);

 private:
  // Read-only commands (queries.cpp, doc_queries.cpp).
  Result<nlohmann::json> hub_info();
  Result<nlohmann::json> queue_list();
  Result<nlohmann::json> route_list();
  Result<nlohmann::json> endpoint_list();
  Result<nlohmann::json> peer_list();
  Result<nlohmann::json> stats();
  Result<nlohmann::json> cert_list();  // cert_queries.cpp
  Result<nlohmann::json> doc_list(const nlohmann::json& args);
  Result<nlohmann::json> doc_show(const nlohmann::json& args);
  Result<nlohmann::json> dlq_list(const nlohmann::json& args);
  // Mutating commands (repairs.cpp).
  Result<nlohmann::json> doc_retry(const Caller& caller, const Request& request);
  Result<nlohmann::json> dlq_retry(const Caller& caller, const Request& request);
  Result<nlohmann::json> dlq_purge(const Caller& caller, const Request& request);

  // Seqs a document reference names: "seq:N", "doc:ID", or bare (digits: a seq when one
  // exists, else a document id). not-found when none.
  Result<std::vector<uint64_t>> resolve(const std::string& ref);
  // Retries `ids` and audits each changed delivery (one operator event per delivery).
  Result<nlohmann::json> retry(const Caller& caller, const Request& request,
                               std::vector<uint64_t> ids, bool allow_waiting, bool allow_refused);
  // The audit `who` for a caller: the kernel's identity, plus the client's claim if it differs.
  std::string who(const Caller& caller, const Request& request) const;
  std::string breaker(const std::string& next_hop, const std::string& recipient) const;
  nlohmann::json attached(const std::string& next_hop, const std::string& recipient) const;
  int64_t now() const;

  ServiceOptions options_;
  const config::HubConfig& config_;
  store::Store& store_;
  store::AdminStore& admin_;
  audit::AuditTrail* audit_;
  HubPorts ports_;
};

}  // namespace docaxis::admin
