// The hub's spool, chosen by `[store] backend` (README.md "High availability"): the one place
// that knows both store implementations. `sqlite`: SqliteStore, one file in the data directory
// (one hub node). `postgresql`: PgStore (hub/store_pg), a database shared by the hub's nodes.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "server/module_options.hpp"
#include "audit/audit_trail.hpp"
#include "server/peer_lease_keeper.hpp"
#include "store/hub_store.hpp"

namespace docaxis::server {

// Opens the configured store. Errors are the store's (unavailable: PostgreSQL unreachable or
// without the required synchronous standby; failed-precondition: a newer schema; data-loss).
Result<std::unique_ptr<store::HubStore>> open_hub_store(const config::HubConfig& c,
                                                        const DataPaths& paths);

// Opens the audit log that goes with the store: the file log in [audit] dir beside a SQLite
// spool; the chain in the PostgreSQL database (store_pg PgAuditLog: one chain for all the
// hub's nodes, in commit order) beside a PostgreSQL spool.
Result<std::unique_ptr<audit::AuditTrail>> open_audit_trail(const config::HubConfig& c,
                                                            const DataPaths& paths);

// The peer link leases of a PostgreSQL store (PgStore::acquire_link_lease / release_link_lease)
// as the keeper's acquire and release; false when `store` is not one (SQLite: one node, no
// leases). `store` must outlive the functions.
bool bind_peer_leases(store::HubStore& store, PeerLeasePorts& ports);

// How long a peer link lease lasts (PeerLeaseKeeper: renewed every third of it).
inline constexpr std::chrono::milliseconds kPeerLeaseTtl{15'000};

// The node name a PostgreSQL-backed hub uses ([store] node, or the host name).
std::string store_node_name(const config::HubConfig& c);

// The local filesystems the hub writes to and watches for free space: the spool's (SQLite
// only: a PostgreSQL spool is on its servers) and the audit log's.
std::vector<std::pair<std::string, std::string>> local_volumes(const config::HubConfig& c,
                                                               const DataPaths& paths);

}  // namespace docaxis::server
