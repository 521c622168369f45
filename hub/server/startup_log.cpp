#include "server/startup_log.hpp"

#include <string>
#include <vector>

#include "config/validate.hpp"
#include "server/store_backend.hpp"
#include "log/log.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("server");
  return l;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

}  // namespace

void apply_log_config(const config::HubConfig& cfg) {
  // validate() has refused unknown names and levels already; a failure here is a bug, and the
  // hub still runs with the default levels.
  if (Status s = log::configure(config::log_settings(cfg.log)); !s.ok()) {
    L().error("log-config-ignored", {{"code", s.code()}, {"reason", s.message()}});
  }
}

void log_startup_summary(const config::HubConfig& cfg, int listener_port) {
  if (!L().enabled(log::Level::info)) return;
  std::string levels;
  for (const auto& [logger, level] : cfg.log.levels) {
    levels += (levels.empty() ? "" : ",") + logger + ":" + level;
  }
  L().info("hub-start", {{"hub", cfg.hub.name},
                         {"data_dir", cfg.hub.data_dir},
                         {"store", cfg.store.backend == config::StoreBackend::postgresql
                                       ? std::string("postgresql")
                                       : cfg.resolved_store_path()},
                         {"store_node", cfg.store.backend == config::StoreBackend::postgresql
                                            ? store_node_name(cfg)
                                            : std::string()},
                         {"audit_dir", cfg.resolved_audit_dir()},
                         {"admin_socket", cfg.resolved_admin_socket()},
                         {"endpoints", cfg.endpoints.size()},
                         {"peers", cfg.peers.size()},
                         {"routes", cfg.routes.size()},
                         {"log_level", cfg.log.level},
                         {"log_levels", levels}});
  const auto& tls = cfg.listener.tls;
  L().info("listener", {{"hub", cfg.hub.name},
                        {"url", "amqps://" + tls.host + ":" + std::to_string(listener_port)},
                        {"cert", tls.cert_file},
                        {"client_ca_files", tls.client_ca_files.size()},
                        {"crl_files", tls.crl_files.size()}});
  for (const auto& p : cfg.peers) {
    L().info("peer", {{"peer", p.name},
                      {"url", p.url},
                      {"server_name", p.server_name},
                      {"sha256", log::prefix(p.cert_sha256, 16)},
                      {"subject", p.cert_subject},
                      {"relay_for", joined(p.relay_for)}});
  }
  auto files = [](std::string_view kind, const std::vector<std::string>& paths) {
    for (const auto& f : paths) L().info("trust-file", {{"kind", kind}, {"path", f}});
  };
  files("anchor", cfg.trust.anchor_files);
  files("intermediate", cfg.trust.intermediate_files);
  files("crl", cfg.trust.crl_files);
  files("client-ca", tls.client_ca_files);
  files("client-crl", tls.crl_files);
}

void log_shutdown(int signal) { L().info("hub-stop", {{"signal", signal}}); }

}  // namespace docaxis::server
