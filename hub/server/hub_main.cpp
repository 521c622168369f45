// docaxis-hub: one node of the document axis. Wires the configuration, trust, store, audit
// log, ingest pipeline, delivery dispatcher and AMQP listener together; this is the only
// place that knows every concrete type.
//
//   docaxis-hub --config FILE [--check-config]
//
// Exit codes: 0 clean shutdown (SIGTERM/SIGINT) or a valid configuration with --check-config,
// 1 a runtime failure at start (store, audit log, listener), 2 a configuration error (every
// problem is printed, one per line, before exiting) or an unsafe data directory.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "admin/endpoint.hpp"
#include "admin/hub_ports.hpp"
#include "amqp/server.hpp"
#include "audit/audit_log.hpp"
#include "config/loader.hpp"
#include "config/validate.hpp"
#include "delivery/config_mapping.hpp"
#include "delivery/dispatcher.hpp"
#include "dsig/dsig_init.hpp"
#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "dsig/x509_util.hpp"
#include "edxml/organ_id.hpp"
#include "engine/identity.hpp"
#include "engine/ingest.hpp"
#include "engine/receipts.hpp"
#include "log/log.hpp"
#include "routing/endpoint_registry.hpp"
#include "routing/route_table.hpp"
#include "server/data_dir.hpp"
#include "server/startup_log.hpp"
#include "server/trust_refresher.hpp"
#include "store/disk_floor.hpp"
#include "store/sqlite_store.hpp"

namespace fs = std::filesystem;
using namespace docaxis;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int fail(const std::string& what, const Status& s, int code = 1) {
  std::cerr << "docaxis-hub: " << what << ": " << s.to_string() << "\n";
  return code;
}

// Concatenates PEM files into one (Proton takes one file for a chain or a CA list).
Status concatenate(const std::vector<std::string>& files, const fs::path& out) {
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  for (const auto& f : files) {
    if (f.empty()) continue;
    auto bytes = dsig::read_file(f);
    if (!bytes) return bytes.status();
    o << *bytes;
    if (!bytes->empty() && bytes->back() != '\n') o << '\n';
  }
  o.flush();
  if (!o) return {"unavailable", "cannot write " + out.string()};
  return {};
}

// The dispatcher's outbound side, bound to the AMQP server once that exists (the server
// needs the dispatcher as its inbox port, the dispatcher needs the server to send).
class ServerOutbound : public delivery::Outbound {
 public:
  void bind(amqp::AmqpServer* server) { server_ = server; }
  void deliver(const store::Delivery& d, amqp::OutgoingMessage message,
               amqp::DeliveryDone done) override {
    if (server_ == nullptr) {
      done({amqp::DeliveryResult::kNoLink, {}, "the listener is not running"});
      return;
    }
    if (d.next_hop == store::kLocalHop) {
      server_->deliver(d.recipient, std::move(message), std::move(done));
    } else {
      server_->deliver_to_peer(d.next_hop, std::move(message), std::move(done));
    }
  }

 private:
  amqp::AmqpServer* server_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // every file the hub creates (spool, WAL, audit, PEMs, hub.port) is 0600
  CLI::App app{"docaxis-hub: a store-and-forward node of the national document axis"};
  std::string config_path;
  bool check_only = false;
  app.add_option("--config", config_path, "the hub's TOML configuration")->required();
  app.add_flag("--check-config", check_only,
               "validate the configuration, print every problem, exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // Configuration: every problem at once, exit 2.
  const config::ConfigErrors errors = config::check_config_file(config_path);
  if (!errors.empty()) {
    for (const auto& e : errors)
      std::cerr << "docaxis-hub: " << config_path << ": " << e.to_string() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "configuration OK: " << config_path << "\n";
    return 0;
  }
  const config::HubConfig cfg = config::load_config_file(config_path).config;
  server::apply_log_config(cfg);

  // Block the shutdown signals (and SIGHUP: reload trust) in every thread; the main thread
  // waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every connection is a file descriptor: take the hard limit, and say so when it is below
  // what [limits] max_connections asks (accept then waits for descriptors; nothing fails).
  if (struct rlimit rl {}; getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    const auto wanted = static_cast<rlim_t>(cfg.limits.max_connections) + 64;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted) {
      log::get("server").warn("fd-limit-low", {{"limit", static_cast<std::uint64_t>(rl.rlim_cur)},
                                               {"wanted", static_cast<std::uint64_t>(wanted)}});
    }
  }

  const fs::path data_dir = cfg.hub.data_dir;
  for (const auto& dir : {data_dir, fs::path(cfg.audit.dir)}) {
    if (dir.empty()) continue;
    if (Status s = server::prepare_data_dir(dir); !s.ok())
      return fail("data directory", s, s.code() == "data-dir-unsafe" ? 2 : 1);
  }

  dsig::init_dsig();
  const dsig::TrustConfig trust_config{cfg.trust.anchor_files, cfg.trust.intermediate_files,
                                       cfg.trust.crl_files,
                                       static_cast<int>(cfg.verification.min_rsa_bits)};
  auto trust = dsig::TrustStore::load(trust_config);
  if (!trust) return fail("trust", trust.status(), 2);
  dsig::Verifier verifier(
      *trust, {}, static_cast<std::size_t>(cfg.verification.signer_cache_capacity),
      cfg.verification.engine == config::VerifyEngine::xmlsec ? dsig::Engine::kXmlsec
                                                              : dsig::Engine::kNative);

  store::SqliteStoreOptions store_options;
  store_options.path =
      cfg.store.path.empty() ? (data_dir / "spool.sqlite").string() : cfg.store.path;
  store_options.fsync = cfg.store.fsync == config::FsyncMode::full ? store::FsyncMode::kFull
                                                                   : store::FsyncMode::kNormal;
  store_options.max_batch_jobs = static_cast<uint32_t>(cfg.store.group_commit_max_batch);
  store_options.check_on_open = cfg.store.check_on_open == config::OpenCheck::full
                                    ? store::OpenCheck::kFull
                                : cfg.store.check_on_open == config::OpenCheck::none
                                    ? store::OpenCheck::kNone
                                    : store::OpenCheck::kQuick;
  auto store = store::SqliteStore::open(store_options);
  if (!store) return fail("store", store.status());

  audit::AuditOptions audit_options;
  audit_options.dir = cfg.audit.dir.empty() ? (data_dir / "audit").string() : cfg.audit.dir;
  audit_options.key_pem = cfg.signing.key_file;
  audit_options.cert_pem = cfg.signing.cert_file;
  audit_options.checkpoint_every_records =
      static_cast<uint64_t>(cfg.audit.checkpoint_every_records);
  audit_options.checkpoint_interval = cfg.audit.checkpoint_every;
  auto audit = audit::AuditLog::open(audit_options);
  if (!audit) return fail("audit log", audit.status());

  auto registry = routing::EndpointRegistry::build(cfg);
  if (!registry) return fail("endpoints", registry.status(), 2);
  auto routes = routing::RouteTable::build(cfg);
  if (!routes) return fail("routes", routes.status(), 2);

  // The hub's own signing key: receipts and audit checkpoints.
  auto signer = dsig::Signer::load(cfg.signing.key_file, cfg.signing.cert_file,
                                   cfg.signing.chain_file.empty()
                                       ? std::vector<std::string>{}
                                       : std::vector<std::string>{cfg.signing.chain_file});
  if (!signer) return fail("signing key", signer.status(), 2);

  ServerOutbound outbound;
  engine::ReceiptIssuer receipts(**store, **signer, *routes, audit->get(), cfg.hub.name, now_ms);
  delivery::DispatcherOptions dispatch_options;
  dispatch_options.retry = delivery::retry_policy_from(cfg.retry);
  dispatch_options.breaker = delivery::breaker_policy_from(cfg.circuit_breaker);
  dispatch_options.delivery_timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.limits.delivery_timeout).count();
  dispatch_options.max_in_flight_per_organ =
      static_cast<uint32_t>(cfg.limits.max_in_flight_per_link);
  dispatch_options.sweeper_interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.retry.sweeper_interval).count();
  dispatch_options.in_flight_timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.retry.in_flight_timeout).count();
  const routing::EndpointRegistry& reg = *registry;
  audit::AuditLog* audit_log = audit->get();
  delivery::Dispatcher dispatcher(
      **store, outbound, dispatch_options, now_ms,
      [&reg](const amqp::PeerIdentity& who, const std::string& organ) -> Status {
        auto id = edxml::OrganId::parse(organ);
        if (!id) return id.status();
        return reg.may_attach_inbox(engine::identify(reg, who), *id);
      },
      [&receipts](const std::vector<delivery::Dispatcher::Finished>& finished) {
        std::vector<engine::FinishedDelivery> batch;
        batch.reserve(finished.size());
        for (const auto& f : finished) {
          batch.push_back({f.delivery, f.outcome, f.follow_up_id, f.follow_up_seq,
                           f.follow_up_status});
        }
        receipts.record(batch);
      },
      {},
      [&receipts](const store::Delivery& d, std::string_view outcome,
                  const store::StoredPackage* package) {
        return receipts.make_receipt(d, outcome, package);
      });

  engine::IngestOptions ingest_options;
  ingest_options.hub_name = cfg.hub.name;
  ingest_options.max_hops = cfg.routing.max_hops;
  ingest_options.max_package_bytes = cfg.limits.max_package_bytes;
  ingest_options.workers = static_cast<std::size_t>(cfg.limits.verify_workers);
  ingest_options.max_pending = static_cast<std::size_t>(cfg.limits.max_pending_packages);
  // Below the free-space floor new packages are released before any write can fail.
  ingest_options.disk_floor = std::make_shared<const store::DiskFloor>(
      std::vector<std::string>{store_options.path, audit_options.dir},
      static_cast<std::uint64_t>(cfg.limits.min_free_disk_bytes));
  ingest_options.on_stored = [&dispatcher](uint64_t, const std::vector<store::DeliverySpec>&) {
    dispatcher.wake();
  };
  engine::Ingest ingest(**store, verifier, *registry, *routes, audit_log, ingest_options);

  amqp::ServerOptions server_options;
  server_options.host = cfg.listener.tls.host;
  server_options.port = static_cast<int>(cfg.listener.tls.port);
  server_options.max_message_bytes = static_cast<std::size_t>(cfg.limits.max_package_bytes);
  server_options.container_id = cfg.hub.name;
  const fs::path chain = data_dir / "tls-chain.pem";
  const fs::path client_cas = data_dir / "tls-client-cas.pem";
  if (Status s = concatenate({cfg.listener.tls.cert_file, cfg.listener.tls.chain_file}, chain);
      !s.ok()) {
    return fail("TLS certificate", s, 2);
  }
  if (Status s = concatenate(cfg.listener.tls.client_ca_files, client_cas); !s.ok()) {
    return fail("TLS client CAs", s, 2);
  }
  server_options.tls = amqp::TlsFiles{chain.string(), cfg.listener.tls.key_file,
                                      client_cas.string(), cfg.trust.intermediate_files,
                                      cfg.listener.tls.crl_files};
  server_options.limits.max_connections = static_cast<std::size_t>(cfg.limits.max_connections);
  server_options.limits.max_connections_per_address =
      static_cast<std::size_t>(cfg.limits.max_connections_per_address);
  server_options.limits.handshake_timeout = cfg.limits.handshake_timeout;
  server_options.limits.idle_timeout = cfg.limits.idle_timeout;
  server_options.limits.max_bytes_in_flight =
      static_cast<std::size_t>(cfg.limits.max_bytes_in_flight);
  server_options.limits.max_bytes_in_flight_per_connection =
      static_cast<std::size_t>(cfg.limits.max_bytes_in_flight_per_connection);
  // Peer links: this hub's listener certificate is its client certificate towards peers.
  server_options.peer_reconnect.failures_to_open =
      static_cast<std::uint32_t>(cfg.circuit_breaker.failures_to_open);
  server_options.peer_reconnect.open_delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.circuit_breaker.open_duration);
  for (const auto& peer : cfg.peers) {
    amqp::PeerSpec spec;
    spec.name = peer.name;
    spec.url = peer.url;
    spec.server_name = peer.server_name;
    spec.certificate_chain = chain.string();
    spec.private_key = cfg.listener.tls.key_file;
    spec.trust_anchors = client_cas.string();
    spec.verify = [&reg, name = peer.name](const amqp::PeerIdentity& who) -> Status {
      const auto id = engine::identify(reg, who);
      if (id.is_peer() && id.peer == name) return Status();
      return Status("unauthorized", "its certificate (" + who.subject +
                                        ") is not the one configured for peer " + name);
    };
    server_options.peers.push_back(std::move(spec));
  }
  amqp::AmqpServer server(server_options, ingest, dispatcher);
  outbound.bind(&server);
  // --- admin endpoint (hub/admin): the docaxis CLI's Unix socket, owner-only ----------------
  admin::AdminEndpoint admin_endpoint(
      cfg, **store, **store, audit_log,
      admin::hub_ports(dispatcher, ingest, receipts, audit_log, **store, now_ms));
  if (Status s = admin_endpoint.start(); !s.ok()) return fail("admin socket", s);
  // ------------------------------------------------------------------------------------------
  if (Status s = dispatcher.start(); !s.ok()) return fail("dispatcher", s);
  auto port = server.start();
  if (!port) {
    dispatcher.stop();
    return fail("listener", port.status());
  }
  std::cout << "docaxis-hub " << cfg.hub.name << " listening on amqps://" << server_options.host
            << ":" << *port << std::endl;
  { std::ofstream(data_dir / "hub.port") << *port << "\n"; }
  server::log_startup_summary(cfg, *port);

  server::TrustRefresher refresher(verifier, trust_config, cfg.trust.crl_refresh);
  refresher.also_reload([&server] { return server.reload_tls(); });
  refresher.start();
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    (void)refresher.reload_now("sighup");
  }
  refresher.stop();
  server::log_shutdown(sig);
  std::cout << "docaxis-hub " << cfg.hub.name << ": signal " << sig << ", shutting down"
            << std::endl;
  server.stop();  // no new packages; unanswered ones are released by the sender's retry
  outbound.bind(nullptr);
  dispatcher.stop();  // in-flight deliveries stay in the store and are recovered at start
  return 0;
}
