#include "server/store_backend.hpp"

#include <unistd.h>

#include <array>
#include <chrono>

#include "store/sqlite_store.hpp"
#include "store_pg/pg_store.hpp"

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
    store::PgStoreOptions o;
    o.conninfo = c.store.postgresql_conninfo;
    o.max_batch_jobs = static_cast<uint32_t>(c.store.group_commit_max_batch);
    o.require_synchronous_standby = c.store.require_synchronous_standby;
    o.node = store_node_name(c);
    // A claim is this node's for as long as the dispatcher's own sweeper would leave it in
    // flight: after that another node may take it back (hub/store_pg/README.md).
    o.lease_ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.retry.in_flight_timeout)
                     .count();
    auto s = store::PgStore::open(std::move(o));
    if (!s) return s.status();
    return std::unique_ptr<store::HubStore>(std::move(*s));
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
