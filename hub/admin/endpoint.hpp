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
                store::AdminStore& admin_store, audit::AuditLog* audit, HubPorts ports);
  ~AdminEndpoint();  // stop()
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  Status start();  // AdminServer::start() errors
  void stop();
  const AdminServer& server() const { return server_; }

 private:
  AdminService service_;
  AdminServer server_;
};

}  // namespace docaxis::admin
