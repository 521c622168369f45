// Application: the one wiring place of a hub. build() makes every module from a validated
// HubConfig, in dependency order (data directory, trust and verifier, store, audit log,
// routing, signing key, receipts, dispatcher, ingest, AMQP server, admin endpoint, trust
// refresher); start() starts them in that order and stop() stops them in reverse. main()
// (hub_main.cpp) parses flags and waits for signals; integration tests may run a hub
// in-process through this class (the real binary stays tested too).
//
// Errors: build() and start() return a StartError naming the step, the Status and the exit
// code the program uses for it (2: configuration, trust, keys, unsafe data directory; 1: a
// runtime failure such as the store, the audit log or the listener).
// Threads: build/start/reload/stop from one thread (main's); the modules run their own.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "model/cert_info.hpp"

namespace docaxis::crl {
class CrlFetcher;
}

namespace docaxis::server {

struct StartError {
  std::string step;  // "store", "audit log", "listener", …
  Status status;
  int exit_code = 1;
};

class Application {
 public:
  // Builds every module; nothing listens yet. `config` must have passed config::validate.
  static std::unique_ptr<Application> build(const config::HubConfig& config, StartError& error);
  ~Application();  // stop()
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Starts the admin endpoint, the dispatcher, the listener (then writes hub.port) and the
  // trust refresher. False with `error` set when one fails (those started are stopped).
  bool start(StartError& error);
  // The listener's port once started (0 before).
  int port() const;
  // The operator endpoint's port ([ops], hub/ops) once started; 0 when off.
  int ops_port() const;
  // Re-reads the trust files and CRLs (SIGHUP): the verifier and the TLS layer; then the
  // hub's TLS certificate and key (tls_identity.hpp: new handshakes present the renewed one),
  // the hub's signing key (reload_signing_key), the certificate inventory and the expiry
  // warnings. The status is the trust reload's (a refused certificate or key rollover is
  // logged apart, and keeps the one in use).
  Status reload_trust(const std::string& why);
  // Reloads `[signing]` (HubKeys::reload): "rolled", "unchanged", or why the key was kept.
  Result<std::string> reload_signing_key(const std::string& why);
  // The certificate inventory (tls/cert_inventory.hpp): the hub's own certificates, the trust,
  // and the certificates seen on connections. Thread-safe; for metrics and tests.
  std::vector<model::CertInfo> certificates() const;
  // The Prometheus exposition of every module's metrics (hub_metrics.hpp), read now. Any
  // thread, once built; safe while the hub runs.
  std::string metrics_text() const;
  // The CRL fetcher (trust.crl_fetch), nullptr when off: its states() (crl/fetcher.hpp, one
  // CrlState per CRL source: usable, reason, nextUpdate, last success) are for /readyz and
  // metrics. Valid until the Application is destroyed; states() is thread-safe.
  const crl::CrlFetcher* crl_fetcher() const;
  // Stops in reverse order: no new packages first, then deliveries, then the rest.
  void stop();

 private:
  struct Modules;
  explicit Application(std::unique_ptr<Modules> modules);
  Status start_ops();  // [ops]: the operator endpoint, its checks and queries
  // Re-reads the configured certificates into the inventory, then warns about expiries.
  void refresh_certificates(const std::string& why);
  std::unique_ptr<Modules> m_;
};

}  // namespace docaxis::server
