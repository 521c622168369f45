#include "server/store_backend.hpp"

#include <unistd.h>

#include <array>
#include <chrono>

#include "audit/audit_log.hpp"
#include "store/sqlite_store.hpp"
#include "store_pg/pg_audit.hpp"
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

bool bind_peer_leases(store::HubStore& store, PeerLeasePorts& ports) {
  auto* pg = dynamic_cast<store::PgStore*>(&store);
  if (pg == nullptr) return false;
  ports.acquire = [pg](const std::string& link, std::int64_t ttl_ms) {
    return pg->acquire_link_lease(link, ttl_ms);
  };
  ports.release = [pg](const std::string& link) { return pg->release_link_lease(link); };
  return true;
}

Result<std::unique_ptr<audit::AuditTrail>> open_audit_trail(const config::HubConfig& c,
                                                            const DataPaths& paths) {
  if (c.store.backend == config::StoreBackend::postgresql) {
    store::PgAuditOptions o;
    o.conninfo = c.store.postgresql_conninfo;
    o.key_pem = c.signing.key_file;
    o.cert_pem = c.signing.cert_file;
    o.node = store_node_name(c);
    o.checkpoint_every_records = static_cast<uint64_t>(c.audit.checkpoint_every_records);
    o.checkpoint_interval = c.audit.checkpoint_every;
    o.require_synchronous_standby = c.store.require_synchronous_standby;
    auto a = store::PgAuditLog::open(std::move(o));
    if (!a) return a.status();
    return std::unique_ptr<audit::AuditTrail>(std::move(*a));
  }
  auto a = audit::AuditLog::open(audit_options(c, paths));
  if (!a) return a.status();
  return std::unique_ptr<audit::AuditTrail>(std::move(*a));
}

std::vector<std::pair<std::string, std::string>> local_volumes(const config::HubConfig& c,
                                                               const DataPaths& paths) {
  std::vector<std::pair<std::string, std::string>> v;
  // With PostgreSQL both the spool and the audit chain are on the database's servers.
  if (c.store.backend == config::StoreBackend::sqlite) {
    v.emplace_back("store", paths.store);
    v.emplace_back("audit", paths.audit);
  }
  return v;
}

}  // namespace docaxis::server
