// AdminService: request dispatch, document references, caller identity.
#include "admin/service.hpp"

#include <chrono>
#include <exception>

namespace docaxis::admin {

using nlohmann::json;

AdminService::AdminService(ServiceOptions options, store::Store& store,
                           store::AdminStore& admin_store, audit::AuditTrail* audit, HubPorts ports)
    : options_(std::move(options)),
      config_(*options_.config),
      store_(store),
      admin_(admin_store),
      audit_(audit),
      ports_(std::move(ports)) {}

std::string AdminService::handle_line(const Caller& caller, std::string_view line) {
  auto request = parse_request(line);
  if (!request) return encode_error(request.status());
  try {
    auto result = handle(caller, *request);
    return result ? encode_ok(*result) : encode_error(result.status());
  } catch (const std::exception& e) {  // a JSON type error in a handler is a bug: answer it
    return encode_error(Status("internal", std::string("admin handler failed: ") + e.what()));
  }
}

Result<json> AdminService::handle(const Caller& caller, const Request& r) {
  const json& a = r.args;
  // Read-only commands.
  if (r.cmd == "hub.info") return hub_info();
  if (r.cmd == "queue.list") return queue_list();
  if (r.cmd == "doc.list") return doc_list(a);
  if (r.cmd == "doc.show") return doc_show(a);
  if (r.cmd == "dlq.list") return dlq_list(a);
  if (r.cmd == "route.list") return route_list();
  if (r.cmd == "endpoint.list") return endpoint_list();
  if (r.cmd == "peer.list") return peer_list();
  if (r.cmd == "stats") return stats();
  if (r.cmd == "cert.list") return cert_list();
  // Mutating commands: parse_request checks the declaration too; handle() may be called
  // directly (tests), so check again.
  const CommandInfo* c = find_command(r.cmd);
  if (c == nullptr) return Status("unknown-command", "no command \"" + r.cmd + "\"");
  if (c->access != Access::kMutate || !r.mutate) {
    return Status("mutation-not-declared", r.cmd + " needs \"mutate\": true");
  }
  if (r.cmd == "doc.retry") return doc_retry(caller, r);
  if (r.cmd == "dlq.retry") return dlq_retry(caller, r);
  if (r.cmd == "dlq.purge") return dlq_purge(caller, r);
  return Status("unknown-command", "no command \"" + r.cmd + "\"");
}

int64_t AdminService::now() const {
  if (ports_.clock) return ports_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string AdminService::who(const Caller& caller, const Request& r) const {
  std::string w = caller.identity();
  if (!r.who.empty() && r.who != caller.user) w += " claims \"" + r.who + "\"";
  return w;
}

std::string AdminService::breaker(const std::string& next_hop, const std::string& recipient) const {
  return ports_.breaker ? ports_.breaker(next_hop, recipient) : "unknown";
}

json AdminService::attached(const std::string& next_hop, const std::string& recipient) const {
  // A peer destination is "attached" while its outgoing link is up; null: not known.
  if (next_hop != store::kLocalHop) {
    if (!ports_.peer_link_up) return nullptr;
    return ports_.peer_link_up(next_hop);
  }
  if (!ports_.inbox_attached) return nullptr;
  return ports_.inbox_attached(recipient);
}

Result<std::vector<uint64_t>> AdminService::resolve(const std::string& ref) {
  auto by_seq = [this](const std::string& digits) -> Result<std::vector<uint64_t>> {
    uint64_t seq = 0;
    try {
      seq = std::stoull(digits);
    } catch (const std::exception&) {
      return Status("invalid-argument", "\"" + digits + "\" is not a seq number");
    }
    auto d = store_.deliveries_of(seq);
    if (!d) return d.status();
    return std::vector<uint64_t>{seq};
  };
  if (ref.empty()) return Status("invalid-argument", "a document reference is required");
  if (ref.rfind("seq:", 0) == 0) return by_seq(ref.substr(4));
  if (ref.rfind("doc:", 0) == 0) {
    auto seqs = admin_.packages_with_document_id(ref.substr(4));
    if (!seqs) return seqs.status();
    if (seqs->empty()) return Status("not-found", "no document with id \"" + ref.substr(4) + "\"");
    return seqs;
  }
  if (ref.find_first_not_of("0123456789") == std::string::npos && ref.size() < 19) {
    auto seq = by_seq(ref);
    if (seq || seq.status().code() != "not-found") return seq;
  }
  auto seqs = admin_.packages_with_document_id(ref);
  if (!seqs) return seqs.status();
  if (seqs->empty()) {
    return Status("not-found", "no document with seq or id \"" + ref + "\" on this hub");
  }
  return seqs;
}

}  // namespace docaxis::admin
