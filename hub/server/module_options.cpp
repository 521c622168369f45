#include "server/module_options.hpp"

#include <algorithm>
#include <chrono>

namespace docaxis::server {
namespace {

std::int64_t ms(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

DataPaths data_paths(const config::HubConfig& c) {
  DataPaths p;
  p.data_dir = c.hub.data_dir;
  p.store = c.store.path.empty() ? (p.data_dir / "spool.sqlite").string() : c.store.path;
  p.audit = c.audit.dir.empty() ? (p.data_dir / "audit").string() : c.audit.dir;
  p.tls_chain = (p.data_dir / "tls-chain.pem").string();
  p.client_cas = (p.data_dir / "tls-client-cas.pem").string();
  p.port_file = (p.data_dir / "hub.port").string();
  p.vxp_port_file = (p.data_dir / "vxp.port").string();
  p.ops_port_file = (p.data_dir / "ops.port").string();
  p.crl_cache = (p.data_dir / "crl-cache").string();
  return p;
}

dsig::TrustConfig trust_options(const config::HubConfig& c, const DataPaths& paths) {
  dsig::TrustConfig t{c.trust.anchor_files, c.trust.intermediate_files, c.trust.crl_files,
                      static_cast<int>(c.verification.min_rsa_bits)};
  if (c.trust.crl_fetch) {
    t.crl_cache_dir = paths.crl_cache;
    t.crl_grace_seconds = c.trust.crl_grace.count();
  }
  return t;
}

crl::FetcherOptions crl_fetcher_options(const config::HubConfig& c, const DataPaths& paths) {
  crl::FetcherOptions o;
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const auto& f : from) {
      if (!f.empty()) to.push_back(f);
    }
  };
  add(o.ca_files, c.trust.anchor_files);
  add(o.ca_files, c.trust.intermediate_files);
  add(o.ca_files, c.listener.tls.client_ca_files);
  add(o.cdp_source_files, {c.listener.tls.cert_file, c.listener.tls.chain_file,
                           c.signing.cert_file, c.signing.chain_file});
  o.extra_urls = c.trust.crl_fetch_urls;
  o.cache_dir = paths.crl_cache;
  o.interval = c.trust.crl_fetch_interval;
  o.grace = c.trust.crl_grace;
  o.limits.max_bytes = static_cast<std::size_t>(c.trust.crl_max_bytes);
  o.limits.total_timeout = c.trust.crl_fetch_timeout;
  o.limits.connect_timeout = std::min(c.trust.crl_fetch_timeout, config::Seconds(10));
  o.limits.proxy = c.trust.crl_fetch_proxy;
  o.retry_initial = std::min<std::chrono::milliseconds>(std::chrono::seconds(10),
                                                        c.trust.crl_fetch_interval);
  return o;
}

store::SqliteStoreOptions store_options(const config::HubConfig& c, const DataPaths& paths) {
  store::SqliteStoreOptions o;
  o.path = paths.store;
  o.fsync = c.store.fsync == config::FsyncMode::full ? store::FsyncMode::kFull
                                                     : store::FsyncMode::kNormal;
  o.max_batch_jobs = static_cast<uint32_t>(c.store.group_commit_max_batch);
  o.check_on_open = c.store.check_on_open == config::OpenCheck::full   ? store::OpenCheck::kFull
                    : c.store.check_on_open == config::OpenCheck::none ? store::OpenCheck::kNone
                                                                       : store::OpenCheck::kQuick;
  return o;
}

store::RetentionPolicy retention_policy(const config::HubConfig& c) {
  store::RetentionPolicy p;
  const auto ms = [](config::Seconds s) { return static_cast<int64_t>(s.count()) * 1000; };
  p.edoc_ms = ms(c.retention.edoc);
  p.status_ms = ms(c.retention.status);
  p.receipt_ms = ms(c.retention.receipt);
  p.batch = static_cast<uint32_t>(c.retention.batch);
  return p;
}

audit::AuditOptions audit_options(const config::HubConfig& c, const DataPaths& paths) {
  audit::AuditOptions o;
  o.dir = paths.audit;
  o.key_pem = c.signing.key_file;
  o.cert_pem = c.signing.cert_file;
  o.checkpoint_every_records = static_cast<uint64_t>(c.audit.checkpoint_every_records);
  o.checkpoint_interval = c.audit.checkpoint_every;
  return o;
}

delivery::RetryPolicy retry_policy(const config::Retry& r) {
  delivery::RetryPolicy p;
  p.backoff.initial = std::chrono::duration_cast<std::chrono::milliseconds>(r.first_retry);
  p.backoff.multiplier = r.multiplier;
  p.backoff.max = std::chrono::duration_cast<std::chrono::milliseconds>(r.max_interval);
  p.deadline_ms = ms(std::chrono::duration_cast<std::chrono::milliseconds>(r.deadline));
  p.backoff.jitter = r.jitter;
  p.poison_limit = static_cast<uint32_t>(r.poison_limit);
  return p;
}

delivery::BreakerPolicy breaker_policy(const config::CircuitBreaker& b) {
  delivery::BreakerPolicy p;
  p.failures_to_open = static_cast<uint32_t>(b.failures_to_open);
  p.open_ms = ms(std::chrono::duration_cast<std::chrono::milliseconds>(b.open_duration));
  return p;
}

delivery::DispatcherOptions dispatcher_options(const config::HubConfig& c) {
  delivery::DispatcherOptions o;
  o.retry = retry_policy(c.retry);
  o.breaker = breaker_policy(c.circuit_breaker);
  o.delivery_timeout_ms =
      ms(std::chrono::duration_cast<std::chrono::milliseconds>(c.limits.delivery_timeout));
  o.max_in_flight_per_organ = static_cast<uint32_t>(c.limits.max_in_flight_per_link);
  o.sweeper_interval_ms =
      ms(std::chrono::duration_cast<std::chrono::milliseconds>(c.retry.sweeper_interval));
  o.in_flight_timeout_ms =
      ms(std::chrono::duration_cast<std::chrono::milliseconds>(c.retry.in_flight_timeout));
  return o;
}

engine::IngestOptions ingest_options(const config::HubConfig& c) {
  engine::IngestOptions o;
  o.hub_name = c.hub.name;
  o.max_hops = c.routing.max_hops;
  o.max_package_bytes = c.limits.max_package_bytes;
  o.workers = static_cast<std::size_t>(c.limits.verify_workers);
  o.max_pending = static_cast<std::size_t>(c.limits.max_pending_packages);
  return o;
}

amqp::ServerOptions amqp_options(const config::HubConfig& c, const DataPaths& paths) {
  amqp::ServerOptions o;
  o.host = c.listener.tls.host;
  o.port = static_cast<int>(c.listener.tls.port);
  o.max_message_bytes = static_cast<std::size_t>(c.limits.max_package_bytes);
  o.container_id = c.hub.name;
  o.tls = amqp::TlsFiles{paths.tls_chain, c.listener.tls.key_file, paths.client_cas,
                         c.trust.intermediate_files, c.listener.tls.crl_files};
  if (c.trust.crl_fetch) {
    o.tls->crl_cache_dir = paths.crl_cache;
    o.tls->crl_grace_seconds = c.trust.crl_grace.count();
  }
  o.limits.max_connections = static_cast<std::size_t>(c.limits.max_connections);
  o.limits.max_connections_per_address =
      static_cast<std::size_t>(c.limits.max_connections_per_address);
  o.limits.handshake_timeout = c.limits.handshake_timeout;
  o.limits.idle_timeout = c.limits.idle_timeout;
  o.limits.max_bytes_in_flight = static_cast<std::size_t>(c.limits.max_bytes_in_flight);
  o.limits.max_bytes_in_flight_per_connection =
      static_cast<std::size_t>(c.limits.max_bytes_in_flight_per_connection);
  o.peer_reconnect.failures_to_open =
      static_cast<std::uint32_t>(c.circuit_breaker.failures_to_open);
  o.peer_reconnect.open_delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(c.circuit_breaker.open_duration);
  // Peer links: this hub's listener certificate is its client certificate towards peers.
  for (const auto& peer : c.peers) {
    amqp::PeerSpec spec;
    spec.name = peer.name;
    spec.url = peer.url;
    spec.server_name = peer.server_name;
    spec.certificate_chain = paths.tls_chain;
    spec.private_key = c.listener.tls.key_file;
    spec.trust_anchors = paths.client_cas;
    o.peers.push_back(std::move(spec));
  }
  return o;
}

http::ServerOptions vxp_server_options(const config::HubConfig& c, const DataPaths& paths) {
  const config::Vxp& v = c.vxp;
  http::ServerOptions o;
  o.address = v.host;
  o.port = static_cast<uint16_t>(v.port);
  if (!v.plain_http) {
    o.cert_chain_file = paths.tls_chain;
    o.key_file = c.listener.tls.key_file;
    o.tls_session_cache = static_cast<std::size_t>(v.tls_session_cache);
  }
  o.header_limit = static_cast<std::size_t>(v.max_header_bytes);
  o.body_limit = static_cast<std::size_t>(c.limits.max_package_bytes) + 2;  // + the SDK's CRLF
  // The same budget as AMQP's, for the bodies of authenticated requests being received.
  o.max_body_bytes_in_flight = static_cast<std::size_t>(c.limits.max_bytes_in_flight) + 2;
  o.max_connections = static_cast<std::size_t>(v.max_connections);
  o.max_per_address = static_cast<std::size_t>(v.max_connections_per_address);
  o.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(v.idle_timeout);
  o.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(v.request_timeout);
  o.thread_name = "dx-vxp";
  return o;
}

http::ServerOptions ops_server_options(const config::HubConfig& c, const DataPaths& paths) {
  const config::Ops& o = c.ops;
  http::ServerOptions s;
  s.address = o.host;
  s.port = static_cast<uint16_t>(o.port);
  if (o.tls) {
    s.cert_chain_file = paths.tls_chain;
    s.key_file = c.listener.tls.key_file;
    s.tls_session_cache = 1000;
  }
  s.header_limit = static_cast<std::size_t>(o.max_header_bytes);
  s.body_limit = 0;  // GET only: no request carries a body
  s.max_body_bytes_in_flight = 0;
  s.max_connections = static_cast<std::size_t>(o.max_connections);
  s.max_per_address = static_cast<std::size_t>(o.max_connections_per_address);
  s.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.idle_timeout);
  s.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.request_timeout);
  s.thread_name = "dx-ops";
  return s;
}

}  // namespace docaxis::server
