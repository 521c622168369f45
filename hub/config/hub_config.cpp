#include "config/hub_config.hpp"

#include <filesystem>

namespace docaxis::config {
namespace {

std::string in_data_dir(const std::string& configured, const std::string& data_dir,
                        const char* default_name) {
  if (!configured.empty()) return configured;
  return (std::filesystem::path(data_dir) / default_name).string();
}

}  // namespace

std::string HubConfig::resolved_store_path() const {
  return in_data_dir(store.path, hub.data_dir, "spool.sqlite");
}
std::string HubConfig::resolved_audit_dir() const {
  return in_data_dir(audit.dir, hub.data_dir, "audit");
}
std::string HubConfig::resolved_admin_socket() const {
  return in_data_dir(admin.socket, hub.data_dir, "admin.sock");
}

const char* to_string(VerifyEngine e) { return e == VerifyEngine::native ? "native" : "xmlsec"; }
const char* to_string(FsyncMode m) { return m == FsyncMode::full ? "full" : "normal"; }

}  // namespace docaxis::config
