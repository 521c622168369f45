#include "admin/endpoint.hpp"

#include <chrono>

namespace docaxis::admin {

namespace {

ServiceOptions options_for(const config::HubConfig& config, const HubPorts& ports) {
  ServiceOptions o;
  o.config = &config;
  o.started_ms = ports.clock ? ports.clock()
                             : std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
  o.admin_socket = config.resolved_admin_socket();
  return o;
}

}  // namespace

AdminEndpoint::AdminEndpoint(const config::HubConfig& config, store::Store& store,
                             store::AdminStore& admin_store, audit::AuditTrail* audit, HubPorts ports)
    : service_(options_for(config, ports), store, admin_store, audit, ports),
      server_(config.resolved_admin_socket(), [this](const Caller& caller, std::string_view line) {
        return service_.handle_line(caller, line);
      }) {}

AdminEndpoint::~AdminEndpoint() { stop(); }

Status AdminEndpoint::start() { return server_.start(); }

void AdminEndpoint::stop() { server_.stop(); }

Result<nlohmann::json> AdminEndpoint::read_only(const std::string& cmd, const nlohmann::json& args) {
  const CommandInfo* c = find_command(cmd);
  if (c == nullptr || c->access != Access::kRead) {
    return Status("unknown-command", "\"" + cmd + "\" is not a read-only command");
  }
  Request r;
  r.cmd = cmd;
  r.args = args.is_object() ? args : nlohmann::json::object();
  Caller self;
  self.user = "status page";
  try {
    return service_.handle(self, r);
  } catch (const std::exception& e) {
    return Status("internal", std::string("admin query failed: ") + e.what());
  }
}

}  // namespace docaxis::admin
