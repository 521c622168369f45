#include "server/store_backend.hpp"

#include <unistd.h>

#include <array>

#include "store/sqlite_store.hpp"

namespace docaxis::server {

std::string store_node_name(const config::HubConfig& c) {
  if (!c.store.node.empty()) return c.store.node;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') return "node";
  return std::string(host.data());
}

Result<std::unique_ptr<store::HubStore>> open_hub_store(const config::HubConfig& c,
                                                        const DataPaths& paths) {
  if (c.store.backend == config::StoreBackend::postgresql) {
    return Status("failed-precondition",
                  "store.backend = \"postgresql\" is not available in this build yet");
  }
  auto s = store::SqliteStore::open(store_options(c, paths));
  if (!s) return s.status();
  return std::unique_ptr<store::HubStore>(std::move(*s));
}

std::vector<std::pair<std::string, std::string>> local_volumes(const config::HubConfig& c,
                                                               const DataPaths& paths) {
  std::vector<std::pair<std::string, std::string>> v;
  if (c.store.backend == config::StoreBackend::sqlite) v.emplace_back("store", paths.store);
  v.emplace_back("audit", paths.audit);
  return v;
}

}  // namespace docaxis::server
