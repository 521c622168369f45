// From the typed configuration to each module's options: one function per module, the only
// place where configuration keys meet module types (modules never include config/). Pure.
#pragma once

#include <filesystem>
#include <string>

#include "amqp/server.hpp"
#include "audit/audit_log.hpp"
#include "config/hub_config.hpp"
#include "crl/fetcher.hpp"
#include "delivery/dispatcher.hpp"
#include "dsig/trust_store.hpp"
#include "engine/ingest.hpp"
#include "http/server.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::server {

// Where the hub keeps what it writes: hub.data_dir, and store.path / audit.dir when set.
struct DataPaths {
  std::filesystem::path data_dir;
  std::string store;       // the SQLite spool
  std::string audit;       // the audit log's directory
  std::string tls_chain;   // listener certificate + chain, concatenated at start
  std::string client_cas;  // listener.tls.client_ca_files, concatenated at start
  std::string port_file;   // hub.port: the listening port, written once listening
  std::string vxp_port_file;  // vxp.port: the axis HTTP API's port, written once listening
  std::string ops_port_file;  // ops.port: the operator endpoint's port, written once listening
  std::string crl_cache;      // crl-cache/: fetched CRLs (trust.crl_fetch; hub/crl)
};
DataPaths data_paths(const config::HubConfig& c);

// With trust.crl_fetch, also the CRL cache directory and trust.crl_grace_seconds.
dsig::TrustConfig trust_options(const config::HubConfig& c, const DataPaths& paths);
// trust.crl_fetch*: the CAs of both trusts, the hub's own certificates (their distribution
// points name their issuers' CRLs), the cache directory, the schedule and the limits.
crl::FetcherOptions crl_fetcher_options(const config::HubConfig& c, const DataPaths& paths);
store::SqliteStoreOptions store_options(const config::HubConfig& c, const DataPaths& paths);
// [retention] as the store's policy (ages in ms).
store::RetentionPolicy retention_policy(const config::HubConfig& c);
audit::AuditOptions audit_options(const config::HubConfig& c, const DataPaths& paths);
delivery::RetryPolicy retry_policy(const config::Retry& r);
delivery::BreakerPolicy breaker_policy(const config::CircuitBreaker& b);
delivery::DispatcherOptions dispatcher_options(const config::HubConfig& c);
// Without the callbacks and the disk floor (the Application adds them).
engine::IngestOptions ingest_options(const config::HubConfig& c);
// Listener, limits and peer links; without the callbacks (peer verification, log).
amqp::ServerOptions amqp_options(const config::HubConfig& c, const DataPaths& paths);
// The axis HTTP API's server ([vxp]): HTTPS with the listener's certificate (paths.tls_chain)
// unless plain_http; bodies up to the package limit plus the SDK's CRLF.
http::ServerOptions vxp_server_options(const config::HubConfig& c, const DataPaths& paths);
// The operator endpoint's server ([ops]): HTTPS with the listener's certificate when ops.tls;
// no request bodies; thread dx-ops.
http::ServerOptions ops_server_options(const config::HubConfig& c, const DataPaths& paths);

}  // namespace docaxis::server
