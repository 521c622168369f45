// AdminEndpoint: the admin service behind its Unix socket, as the hub program creates it —
// one construction and start() in hub/server/hub_main.cpp. The socket is
// config.resolved_admin_socket() (default <data_dir>/admin.sock).
#pragma once

#include "admin/server.hpp"
#include "admin/service.hpp"

namespace docaxis::admin {

class AdminEndpoint {
 public:
  // Every reference must outlive the endpoint. `audit` may be null (no operator records).
  AdminEndpoint(const config::HubConfig& config, store::Store& store,
                store::AdminStore& admin_store, audit::AuditTrail* audit, HubPorts ports);
  ~AdminEndpoint();  // stop()
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  Status start();  // AdminServer::start() errors
  void stop();
  const AdminServer& server() const { return server_; }
  // Runs one READ-ONLY command in-process (the status page's JSON, hub/ops): a mutating or
  // unknown command is refused `unknown-command` without running. Thread-safe (the service's
  // reads are); may block on the store's read connection.
  Result<nlohmann::json> read_only(const std::string& cmd, const nlohmann::json& args);

 private:
  AdminService service_;
  AdminServer server_;
};

}  // namespace docaxis::admin
