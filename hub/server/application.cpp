#include "server/application.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "admin/endpoint.hpp"
#include "admin/hub_ports.hpp"
#include "amqp/server.hpp"
#include "audit/audit_log.hpp"
#include "audit/events.hpp"
#include "crl/fetcher.hpp"
#include "delivery/dispatcher.hpp"
#include "delivery/polled_inboxes.hpp"
#include "dsig/dsig_init.hpp"
#include "dsig/engine_adapter.hpp"
#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "dsig/x509_util.hpp"
#include "edxml/organ_id.hpp"
#include "engine/ingest.hpp"
#include "engine/receipts.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "ops/ops_server.hpp"
#include "ops/recent.hpp"
#include "routing/endpoint_registry.hpp"
#include "routing/route_table.hpp"
#include "server/cert_watch.hpp"
#include "server/data_dir.hpp"
#include "server/hub_metrics.hpp"
#include "server/tls_identity.hpp"
#include "server/hub_keys.hpp"
#include "server/module_options.hpp"
#include "server/trust_refresher.hpp"
#include "store/disk_floor.hpp"
#include "store/hub_store.hpp"
#include "server/store_backend.hpp"
#include "tls/cert_inventory.hpp"
#include "vxp/api.hpp"
#include "vxp/secret.hpp"

namespace docaxis::server {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Concatenates PEM files into one (Proton takes one file for a chain or a CA list).
Status concatenate(const std::vector<std::string>& files, const std::string& out) {
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  for (const auto& f : files) {
    if (f.empty()) continue;
    auto bytes = dsig::read_file(f);
    if (!bytes) return bytes.status();
    o << *bytes;
    if (!bytes->empty() && bytes->back() != '\n') o << '\n';
  }
  o.flush();
  if (!o) return {"unavailable", "cannot write " + out};
  return {};
}

// The dispatcher's outbound side, bound to the AMQP server once that exists (the server
// needs the dispatcher for its link events, the dispatcher needs the server to send).
class ServerOutbound : public delivery::Outbound {
 public:
  void bind(amqp::AmqpServer* server) {
    std::lock_guard lk(mu_);
    server_ = server;
  }
  void deliver(const store::Delivery& d, delivery::OutgoingMessage message,
               delivery::DeliveryDone done) override {
    std::lock_guard lk(mu_);
    if (server_ == nullptr) {
      done({delivery::DeliveryResult::kNoLink, {}, "the listener is not running"});
    } else if (d.next_hop == store::kLocalHop) {
      server_->deliver(d.recipient, std::move(message), std::move(done));
    } else {
      server_->deliver_to_peer(d.next_hop, std::move(message), std::move(done));
    }
  }

 private:
  std::mutex mu_;
  amqp::AmqpServer* server_ = nullptr;
};

}  // namespace

// Every module. Members are destroyed in reverse order of declaration, which is not quite the
// order of construction: the AMQP server is declared before the ingest pipeline so that the
// pipeline, whose destructor waits for the packages it still holds, is destroyed while the
// (stopped) server their answers are posted to still exists; the admin endpoint, which reads
// the pipeline's and the dispatcher's counters, goes before both.
struct Application::Modules {
  config::HubConfig config;
  DataPaths paths;
  dsig::TrustConfig trust_config;
  std::unique_ptr<dsig::Verifier> verifier;
  std::unique_ptr<dsig::DsigPackageVerifier> package_verifier;  // the engine's port over verifier
  std::unique_ptr<store::HubStore> store;
  std::unique_ptr<audit::AuditTrail> audit;
  std::optional<routing::EndpointRegistry> registry;
  std::optional<routing::RouteTable> routes;
  // The engine's port over the hub's signing key (swapped by `keys` on SIGHUP).
  std::unique_ptr<dsig::DsigReceiptSigner> receipt_signer;
  std::unique_ptr<HubKeys> keys;
  // Every certificate the hub holds or has seen (`docaxis cert list`), and its expiry warnings.
  std::shared_ptr<tls::CertInventory> inventory = std::make_shared<tls::CertInventory>(1000);
  std::unique_ptr<CertWatch> cert_watch;
  // The hub's TLS certificate and key ([listener.tls]), swapped on SIGHUP: every TLS context
  // below presents the current one (declared before them, so it outlives them).
  std::shared_ptr<tls::IdentitySlot> identity;
  ServerOutbound outbound;
  std::unique_ptr<engine::ReceiptIssuer> receipts;
  std::unique_ptr<delivery::Dispatcher> dispatcher;
  std::unique_ptr<amqp::AmqpServer> server;    // built after `ingest`, destroyed after it
  std::unique_ptr<engine::Ingest> ingest;
  // PostgreSQL only: this node connects to a peer only while it holds the peer's link lease.
  // Declared after `server` (its set_link calls it), so stopped and destroyed first.
  std::unique_ptr<PeerLeaseKeeper> peer_leases;
  // The axis HTTP API ([vxp]): declared after `ingest` and the dispatcher, so destroyed
  // before them; its inboxes before the Api that calls them.
  std::unique_ptr<delivery::PolledInboxService> polled;
  std::unique_ptr<vxp::Directory> directory;
  std::unique_ptr<vxp::Api> vxp_api;
  std::unique_ptr<http::Server> vxp_server;
  std::unique_ptr<admin::AdminEndpoint> admin;
  std::unique_ptr<TrustRefresher> refresher;
  // trust.crl_fetch: declared after the refresher it reloads, so stopped and destroyed first.
  std::unique_ptr<crl::CrlFetcher> crl;
  std::unique_ptr<store::RetentionRunner> retention;  // [retention], when an age is set
  MetricsSources metrics;  // pointers into the members above
  // The operator endpoint ([ops]), declared last so it stops and goes first: the recent
  // refusals (shared with the ingest's on_refused), the ingest's disk floor, the server.
  std::shared_ptr<ops::RecentRefusals> refusals = std::make_shared<ops::RecentRefusals>(100);
  std::shared_ptr<const store::DiskFloor> disk_floor;
  std::unique_ptr<ops::OpsServer> ops;
  std::atomic<bool> serving{false};  // the AMQP listener (and the HTTP API) started
  int port = 0;
  bool started = false;
};

Application::Application(std::unique_ptr<Modules> modules) : m_(std::move(modules)) {}

Application::~Application() { stop(); }

std::unique_ptr<Application> Application::build(const config::HubConfig& cfg, StartError& error) {
  auto fail = [&](std::string step, Status s, int code) {
    error = StartError{std::move(step), std::move(s), code};
    return nullptr;
  };
  auto m = std::make_unique<Modules>();
  m->config = cfg;
  m->paths = data_paths(cfg);
  for (const auto& dir : {m->paths.data_dir, std::filesystem::path(cfg.audit.dir)}) {
    if (dir.empty()) continue;
    if (Status s = prepare_data_dir(dir); !s.ok()) {
      return fail("data directory", s, s.code() == "data-dir-unsafe" ? 2 : 1);
    }
  }

  dsig::init_dsig();
  if (cfg.trust.crl_fetch) {
    // Before the trust is loaded: the fetcher drops cached CRLs that do not verify.
    auto fetcher = crl::CrlFetcher::create(crl_fetcher_options(cfg, m->paths));
    if (!fetcher) return fail("CRL fetcher", fetcher.status(), 2);
    m->crl = std::move(*fetcher);
  }
  m->trust_config = trust_options(cfg, m->paths);
  auto trust = dsig::TrustStore::load(m->trust_config);
  if (!trust) return fail("trust", trust.status(), 2);
  m->verifier = std::make_unique<dsig::Verifier>(
      std::move(*trust), dsig::Verifier::Clock{},
      static_cast<std::size_t>(cfg.verification.signer_cache_capacity),
      cfg.verification.engine == config::VerifyEngine::xmlsec ? dsig::Engine::kXmlsec
                                                              : dsig::Engine::kNative);

  auto store = open_hub_store(cfg, m->paths);
  if (!store) return fail("store", store.status(), 1);
  m->store = std::move(*store);
  auto audit = open_audit_trail(cfg, m->paths);
  if (!audit) return fail("audit log", audit.status(), 1);
  m->audit = std::move(*audit);

  auto registry = routing::EndpointRegistry::build(cfg);
  if (!registry) return fail("endpoints", registry.status(), 2);
  m->registry.emplace(std::move(*registry));
  auto routes = routing::RouteTable::build(cfg);
  if (!routes) return fail("routes", routes.status(), 2);
  m->routes.emplace(std::move(*routes));

  // The hub's own signing key: receipts and audit checkpoints.
  auto signer = dsig::Signer::load(cfg.signing.key_file, cfg.signing.cert_file,
                                   cfg.signing.chain_file.empty()
                                       ? std::vector<std::string>{}
                                       : std::vector<std::string>{cfg.signing.chain_file});
  if (!signer) return fail("signing key", signer.status(), 2);
  // dsig implements the engine's verification and signing ports.
  m->package_verifier = std::make_unique<dsig::DsigPackageVerifier>(*m->verifier);
  m->receipt_signer = std::make_unique<dsig::DsigReceiptSigner>(
      std::shared_ptr<const dsig::Signer>(std::move(*signer)));
  {
    const dsig::Verifier* verifier = m->verifier.get();
    m->keys = std::make_unique<HubKeys>(cfg.signing, cfg.hub.name, *m->receipt_signer,
                                        m->audit.get(), [verifier] { return verifier->trust(); });
  }

  Modules& w = *m;
  w.receipts = std::make_unique<engine::ReceiptIssuer>(*w.store, *w.receipt_signer, *w.routes,
                                                       w.audit.get(), cfg.hub.name, now_ms);
  const routing::EndpointRegistry& reg = *w.registry;
  engine::ReceiptIssuer& receipts = *w.receipts;
  // Organs served through the axis HTTP API read their outcomes by polling
  // (getSentEdocList): their receipts are kept here, never queued to an inbox.
  std::set<std::string> polling_organs;
  if (cfg.vxp.enabled) {
    for (const config::EndpointConfig& e : cfg.endpoints) {
      if (!e.vxp_system.empty()) polling_organs.insert(e.organ);
    }
  }
  const auto keeps_receipts = [polling_organs](const std::string& organ) {
    return polling_organs.count(organ) > 0;
  };
  receipts.keep_receipts_for(keeps_receipts);
  w.dispatcher = std::make_unique<delivery::Dispatcher>(
      *w.store, w.outbound, dispatcher_options(cfg), now_ms,
      [&reg](const model::ConnectionIdentity& who, const std::string& organ) -> Status {
        auto id = edxml::OrganId::parse(organ);
        if (!id) return id.status();
        return reg.may_attach_inbox(reg.identify(who), *id);
      },
      [&receipts](const std::vector<delivery::Dispatcher::Finished>& finished) {
        std::vector<engine::FinishedDelivery> batch;
        batch.reserve(finished.size());
        for (const auto& f : finished) {
          batch.push_back(
              {f.delivery, f.outcome, f.follow_up_id, f.follow_up_seq, f.follow_up_status});
        }
        receipts.record(batch);
      },
      delivery::Dispatcher::Random{},
      [&receipts](const store::Delivery& d, std::string_view outcome,
                  const store::StoredPackage* package) {
        return receipts.make_receipt(d, outcome, package);
      });

  engine::IngestOptions ingest = ingest_options(cfg);
  // Below the free-space floor new packages are released before any write can fail.
  std::vector<std::string> floor_paths;
  for (const auto& [label, path] : local_volumes(cfg, w.paths)) floor_paths.push_back(path);
  ingest.disk_floor = std::make_shared<const store::DiskFloor>(
      std::move(floor_paths),
      static_cast<std::uint64_t>(cfg.limits.min_free_disk_bytes));
  w.disk_floor = ingest.disk_floor;
  ingest.on_refused = [refusals = w.refusals](const engine::RefusalNote& n) {
    refusals->add(ops::Refusal{n.at_ms, n.code, n.reason, n.document_id, n.organ, n.from, n.size});
  };
  delivery::Dispatcher& dispatcher = *w.dispatcher;
  ingest.on_stored = [&dispatcher](uint64_t, const std::vector<store::DeliverySpec>&) {
    dispatcher.wake();
  };
  ingest.keeps_receipts = keeps_receipts;
  w.ingest = std::make_unique<engine::Ingest>(*w.store, *w.package_verifier, reg, *w.routes, w.audit.get(),
                                              std::move(ingest));

  if (Status s =
          concatenate({cfg.listener.tls.cert_file, cfg.listener.tls.chain_file}, w.paths.tls_chain);
      !s.ok()) {
    return fail("TLS certificate", s, 2);
  }
  if (Status s = concatenate(cfg.listener.tls.client_ca_files, w.paths.client_cas); !s.ok()) {
    return fail("TLS client CAs", s, 2);
  }
  auto identity = tls::IdentitySlot::load(hub_identity_files(cfg), now_ms() / 1000);
  if (!identity) return fail("TLS certificate", identity.status(), 2);
  w.identity = std::move(*identity);
  amqp::ServerOptions server_options = amqp_options(cfg, w.paths);
  server_options.seen_certificates = w.inventory;
  server_options.identity = w.identity;
  for (amqp::PeerSpec& spec : server_options.peers) {
    spec.verify = [&reg, name = spec.name](const model::ConnectionIdentity& who) -> Status {
      const auto id = reg.identify(who);
      if (id.is_peer() && id.peer == name) return Status();
      return Status("unauthorized", "its certificate (" + who.subject +
                                        ") is not the one configured for peer " + name);
    };
  }
  PeerLeasePorts lease_ports;
  if (!server_options.peers.empty() && bind_peer_leases(*w.store, lease_ports)) {
    server_options.peer_links_start_off = true;
    std::vector<std::string> peer_names;
    for (const amqp::PeerSpec& spec : server_options.peers) peer_names.push_back(spec.name);
    Modules* modules = &w;
    lease_ports.set_link = [modules](const std::string& peer, bool on) {
      if (modules->server) modules->server->set_peer_link(peer, on);
    };
    w.peer_leases = std::make_unique<PeerLeaseKeeper>(std::move(peer_names), store_node_name(cfg),
                                                      kPeerLeaseTtl, std::move(lease_ports));
  }
  w.server = std::make_unique<amqp::AmqpServer>(server_options, *w.ingest, *w.dispatcher);
  if (cfg.vxp.enabled) {
    std::map<std::string, std::vector<std::string>> organs_of;  // system id -> its organs
    for (const config::EndpointConfig& e : cfg.endpoints) {
      if (!e.vxp_system.empty()) organs_of[e.vxp_system].push_back(e.organ);
    }
    std::vector<vxp::System> systems;
    for (const config::VxpSystem& sys : cfg.vxp.systems) {
      auto secret = vxp::read_secret_file(sys.secret_file);
      if (!secret) return fail("axis HTTP API secret of system " + sys.id, secret.status(), 2);
      systems.push_back(vxp::System{sys.id, std::move(*secret), std::move(organs_of[sys.id])});
    }
    audit::AuditTrail* audit_log = w.audit.get();
    w.polled = std::make_unique<delivery::PolledInboxService>(
        *w.store, *w.store, *w.dispatcher, now_ms,
        [audit_log](const delivery::PolledItem& item, const delivery::RecipientStatus& status,
                    std::function<void()> then) {
          if (audit_log == nullptr) return then();
          audit_log->append_async({audit::events::recipient_status(
                                  status.by, item.document_id, item.recipient, status.status,
                                  status.reason, item.delivery_id, item.sha256_hex, item.state)},
                              [then = std::move(then)](Result<std::uint64_t> r) {
                                // The state is committed either way: answer, and say the
                                // record is missing.
                                if (!r.ok()) {
                                  log::get("audit").error(
                                      "recipient-status-not-recorded",
                                      {{"reason", r.status().to_string()}});
                                }
                                then();
                              });
        });
    vxp::DirectoryOptions dir_options;
    dir_options.base_file = cfg.vxp.directory_file;
    dir_options.data_dir = w.paths.data_dir.string();
    dir_options.center_code = cfg.hub.name;
    for (const config::VxpSystem& sys : cfg.vxp.systems) {
      if (sys.admin) dir_options.admin_systems.insert(sys.id);
    }
    auto directory = vxp::Directory::load(std::move(dir_options));
    if (!directory) return fail("axis HTTP API directory", directory.status(), 2);
    w.directory = std::move(*directory);
    vxp::ApiOptions api_options{cfg.vxp.path_prefix, {}};
    api_options.on_directory_change = [audit_log](const std::string& system,
                                                  const std::string& action,
                                                  const std::string& organ) {
      if (audit_log == nullptr) return;
      auto r = audit_log->append(audit::events::operator_action("vxp:" + system, "", organ,
                                                                action, 0, 0, "", 0));
      if (!r.ok()) {
        log::get("audit").error("directory-change-not-recorded",
                                {{"reason", r.status().to_string()}});
      }
    };
    w.vxp_api = std::make_unique<vxp::Api>(std::move(api_options), std::move(systems), *w.ingest,
                                           w.polled.get(), w.directory.get());
  }
  admin::HubPorts ports =
      admin::hub_ports(*w.dispatcher, *w.ingest, *w.receipts, w.audit.get(), *w.store, now_ms);
  if (w.vxp_api) {
    const vxp::Api* api = w.vxp_api.get();
    ports.vxp_last_request = [api](const std::string& system) { return api->last_request_ms(system); };
  }
  ports.spool = [store = w.store.get()]() -> Result<nlohmann::json> {
    auto u = store->usage();
    if (!u.ok()) return u.status();
    return nlohmann::json{{"database_bytes", u->database_bytes}, {"wal_bytes", u->wal_bytes},
                          {"segment_bytes", u->segment_bytes}, {"segments", u->segments},
                          {"held_packages", u->held_packages},
                          {"released_packages", u->released_packages},
                          {"released_bytes", u->released_bytes},
                          {"segments_removed", u->segments_removed},
                          {"segment_bytes_freed", u->segment_bytes_freed},
                          {"last_release_ms", u->last_release_ms}};
  };
  ports.certificates = [inventory = w.inventory] { return inventory->snapshot(); };
  w.admin = std::make_unique<admin::AdminEndpoint>(cfg, *w.store, *w.store, w.audit.get(),
                                                   std::move(ports));
  w.refresher =
      std::make_unique<TrustRefresher>(*w.verifier, w.trust_config, cfg.trust.crl_refresh);
  amqp::AmqpServer& server = *w.server;
  w.refresher->also_reload([&server] { return server.reload_tls(); });
  if (w.crl) {
    // A newly fetched CRL takes effect at once, like a SIGHUP (trigger=crl-fetch).
    TrustRefresher* refresher = w.refresher.get();
    w.crl->on_change([refresher] { (void)refresher->reload_now("crl-fetch"); });
  }

  w.metrics.hub_name = cfg.hub.name;
  w.metrics.ingest = w.ingest.get();
  w.metrics.dispatcher = w.dispatcher.get();
  w.metrics.receipts = w.receipts.get();
  w.metrics.store = w.store.get();
  w.metrics.audit = w.audit.get();
  w.metrics.amqp = w.server.get();
  w.metrics.vxp_server = [&w]() -> const http::Server* { return w.vxp_server.get(); };
  for (const auto& p : cfg.peers) w.metrics.peers.push_back(p.name);
  w.metrics.volumes = local_volumes(cfg, w.paths);
  w.metrics.clock_ms = now_ms;
  if (w.crl) w.metrics.extra.push_back(crl_families(*w.crl, cfg.trust.crl_grace.count()));
  w.metrics.extra.push_back(
      certificate_families([inventory = w.inventory] { return inventory->snapshot(); }));
  w.cert_watch = std::make_unique<CertWatch>(*w.inventory, cfg.certs.warn_days);
  return std::unique_ptr<Application>(new Application(std::move(m)));
}

bool Application::start(StartError& error) {
  Modules& w = *m_;
  if (Status s = w.admin->start(); !s.ok()) {
    error = {"admin socket", s, 1};
    return false;
  }
  if (Status s = w.dispatcher->start(); !s.ok()) {
    w.admin->stop();
    error = {"dispatcher", s, 1};
    return false;
  }
  auto port = w.server->start();
  if (!port) {
    w.dispatcher->stop();
    w.admin->stop();
    error = {"listener", port.status(), 1};
    return false;
  }
  w.port = *port;
  // Only now may the dispatcher send through the server (start() has set up its links).
  w.outbound.bind(w.server.get());
  if (w.peer_leases) w.peer_leases->start();  // the peer links start off until a lease is held
  if (w.vxp_api) {
    vxp::Api& api = *w.vxp_api;
    http::ServerOptions vxp_options = vxp_server_options(w.config, w.paths);
    if (!w.config.vxp.plain_http) vxp_options.identity = w.identity;
    auto http = http::Server::start(
        std::move(vxp_options),
        [&api](http::Request r, http::Reply reply) { api.handle(std::move(r), std::move(reply)); },
        &vxp::Api::refusal,
        [&api](const http::Request& head) { return api.check_header(head); });
    if (!http) {
      w.server->stop();
      w.outbound.bind(nullptr);
      w.dispatcher->stop();
      w.admin->stop();
      error = {"axis HTTP API", http.status(), 1};
      return false;
    }
    w.vxp_server = std::move(*http);
    std::cout << "docaxis-hub " << w.config.hub.name << " serving the axis HTTP API on "
              << (w.config.vxp.plain_http ? "http://" : "https://") << w.config.vxp.host << ":"
              << w.vxp_server->port() << w.config.vxp.path_prefix << std::endl;
    { std::ofstream(w.paths.vxp_port_file) << w.vxp_server->port() << "\n"; }
  }
  std::cout << "docaxis-hub " << w.config.hub.name << " listening on amqps://"
            << w.config.listener.tls.host << ":" << w.port << std::endl;
  { std::ofstream(w.paths.port_file) << w.port << "\n"; }
  w.refresher->start();
  if (w.crl) w.crl->start();
  w.serving = true;
  if (w.config.ops.enabled) {
    if (Status st = start_ops(); !st.ok()) {
      w.serving = false;
      if (w.crl) w.crl->stop();
      w.refresher->stop();
      if (w.vxp_server) w.vxp_server->stop();
      w.server->stop();
      w.outbound.bind(nullptr);
      w.dispatcher->stop();
      w.admin->stop();
      error = {"operator endpoint", st, 1};
      return false;
    }
  }
  refresh_certificates("start");
  w.cert_watch->start();
  if (const store::RetentionPolicy policy = retention_policy(w.config); policy.any()) {
    audit::AuditTrail* audit_log = w.audit.get();
    w.retention = std::make_unique<store::RetentionRunner>(
        *w.store, policy, std::chrono::duration_cast<std::chrono::milliseconds>(w.config.retention.interval),
        now_ms, [audit_log](const store::RetentionRunner::Round& r) {
          auto& log = log::get("store");
          if (!r.status.ok()) {
            log.warn("retention-failed", {{"reason", r.status.to_string()}});
          }
          if (r.released.packages == 0 && r.reclaimed.segments == 0) return;
          log.info("retention", {{"packages", std::to_string(r.released.packages)},
                                 {"bytes", std::to_string(r.released.bytes)},
                                 {"segments", std::to_string(r.reclaimed.segments)},
                                 {"segment_bytes", std::to_string(r.reclaimed.bytes)}});
          if (audit_log == nullptr) return;
          auto recorded = audit_log->append(audit::events::retention_round(
              r.released.packages, r.released.bytes, r.reclaimed.segments, r.reclaimed.bytes));
          if (!recorded.ok()) {
            log::get("audit").error("retention-not-recorded",
                                    {{"reason", recorded.status().to_string()}});
          }
        });
  }
  w.started = true;
  return true;
}

int Application::port() const { return m_->port; }

std::string Application::metrics_text() const { return render_metrics(m_->metrics); }
int Application::ops_port() const { return m_->ops ? m_->ops->port() : 0; }

Status Application::start_ops() {
  Modules& w = *m_;
  ops::OpsOptions o;
  o.server = ops_server_options(w.config, w.paths);
  if (w.config.ops.tls) o.server.identity = w.identity;
  o.hub_name = w.config.hub.name;
  o.render_metrics = [&w] { return render_metrics(w.metrics); };
  o.latencies = [store = w.store.get(), ingest = w.ingest.get()] {
    return ops::Latencies{{"commit", store->counters().commit_seconds},
                          {"verify", ingest->stats().verify_seconds}};
  };
  // Only those within [certs] warn_days (or expired): the page shows what needs a person.
  o.certificates = [inventory = w.inventory.get(), horizon = w.config.certs.warn_days] {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::vector<ops::ExpiringCertificate> out;
    for (const model::CertInfo& c : inventory->snapshot()) {
      if (model::days_left(c, now) > horizon) continue;
      out.push_back({c.role, c.subject, c.not_after * 1000, c.source});
    }
    return out;
  };
  o.refusals = w.refusals.get();
  admin::AdminEndpoint& admin = *w.admin;
  o.query = [&admin](const std::string& cmd, const nlohmann::json& args) { return admin.read_only(cmd, args); };
  const bool vxp_configured = w.config.vxp.enabled;
  o.readiness.push_back({"listener", [&w, vxp_configured]() -> std::optional<std::string> {
                           if (!w.serving || w.port <= 0) return "the AMQP listener is not serving";
                           if (vxp_configured && (!w.vxp_server || w.vxp_server->port() == 0)) {
                             return "the axis HTTP API is configured but not listening";
                           }
                           return std::nullopt;
                         }});
  o.readiness.push_back({"store", [store = w.store.get()]() -> std::optional<std::string> {
                           if (Status s = store->last_commit_failure(); !s.ok()) {
                             return "the last spool commit failed: " + s.to_string();
                           }
                           return std::nullopt;
                         }});
  o.readiness.push_back({"audit", [audit = w.audit.get()]() -> std::optional<std::string> {
                           if (audit == nullptr) return std::nullopt;
                           if (Status s = audit->health(); !s.ok()) {
                             return "the audit log cannot take records: " + s.to_string();
                           }
                           return std::nullopt;
                         }});
  o.readiness.push_back({"disk", [floor = w.disk_floor]() -> std::optional<std::string> {
                           if (!floor) return std::nullopt;
                           if (Status s = floor->check(); !s.ok()) return s.message();
                           return std::nullopt;
                         }});
  o.readiness.push_back({"trust", [refresher = w.refresher.get()]() { return refresher->last_failure(); }});
  if (w.crl) {
    o.readiness.push_back({"crl", [fetcher = w.crl.get()]() -> std::optional<std::string> {
                             std::string why;
                             for (const crl::CrlState& c : fetcher->states()) {
                               if (c.usable) continue;
                               if (!why.empty()) why += "; ";
                               why += (c.issuer.empty() ? c.url : c.issuer) + ": " + c.reason;
                             }
                             if (why.empty()) return std::nullopt;
                             return why;
                           }});
  }
  auto server = ops::OpsServer::start(std::move(o));
  if (!server) return server.status();
  w.ops = std::move(*server);
  std::cout << "docaxis-hub " << w.config.hub.name << " serving the operator endpoint on "
            << (w.ops->tls() ? "https://" : "http://") << w.config.ops.host << ":" << w.ops->port()
            << "/status" << std::endl;
  { std::ofstream(w.paths.ops_port_file) << w.ops->port() << "\n"; }
  return {};
}

Status Application::reload_trust(const std::string& why) {
  Status s = m_->refresher->reload_now(why);
  (void)reload_hub_identity(*m_->identity, why, now_ms() / 1000);
  (void)reload_signing_key(why);
  refresh_certificates(why);
  return s;
}

Result<std::string> Application::reload_signing_key(const std::string& why) {
  return m_->keys->reload(why);
}

void Application::refresh_certificates(const std::string& why) {
  Modules& w = *m_;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  w.inventory->set_configured(configured_certificates(
      w.config, describe_identity(*w.identity->current()), w.keys->current_certificate(), now));
  w.cert_watch->check(why);
}

std::vector<model::CertInfo> Application::certificates() const { return m_->inventory->snapshot(); }

const crl::CrlFetcher* Application::crl_fetcher() const { return m_->crl.get(); }

void Application::stop() {
  if (!m_ || !m_->started) return;
  Modules& w = *m_;
  w.started = false;
  if (w.ops) w.ops->stop();  // first: it reads every other module
  w.serving = false;
  w.retention.reset();  // waits for a round in progress
  if (w.crl) w.crl->stop();  // abandons a transfer in progress
  w.cert_watch->stop();
  w.refresher->stop();
  w.admin->stop();
  if (w.peer_leases) w.peer_leases->stop();  // links off, leases given up for another node
  if (w.vxp_server) w.vxp_server->stop();  // no new packages over HTTP; the SDK re-sends
  w.server->stop();  // no new packages; unanswered ones are released by the sender's retry
  w.outbound.bind(nullptr);
  w.dispatcher->stop();  // in-flight deliveries stay in the store and are recovered at start
}

}  // namespace docaxis::server
