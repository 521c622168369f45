// docaxis-hub: one node of the document axis. main() parses the flags, checks the
// configuration and handles signals; server::Application (application.hpp) builds, starts and
// stops every module.
//
//   docaxis-hub --config FILE [--check-config]
//
// Exit codes: 0 clean shutdown (SIGTERM/SIGINT) or a valid configuration with --check-config,
// 1 a runtime failure at start (store, audit log, listener), 2 a configuration error (every
// problem is printed, one per line, before exiting) or an unsafe data directory.
// Under systemd (Type=notify, $NOTIFY_SOCKET set) it reports READY=1 once listening,
// RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 at shutdown (sd_notify.hpp).
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "config/loader.hpp"
#include "config/validate.hpp"
#include "log/log.hpp"
#include "server/application.hpp"
#include "server/descriptor_limit.hpp"
#include "server/sd_notify.hpp"
#include "server/startup_log.hpp"

using namespace docaxis;

namespace {

int fail(const server::StartError& e) {
  std::cerr << "docaxis-hub: " << e.step << ": " << e.status.to_string() << "\n";
  return e.exit_code;
}

// The systemd readiness protocol (server/sd_notify.hpp): a no-op outside a Type=notify unit;
// a failure is logged and changes nothing else.
void notify(const std::string& state) {
  if (Status s = server::sd_notify(state); !s.ok()) {
    log::get("server").warn("sd-notify-failed", {{"code", s.code()}, {"reason", s.message()}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // every file the hub creates (spool, WAL, audit, PEMs, hub.port) is 0600
  CLI::App app{"docaxis-hub: a store-and-forward node of the national document axis"};
  std::string config_path;
  bool check_only = false;
  app.add_option("--config", config_path,
                 "the hub's TOML configuration (every key: hub/config/README.md; the package "
                 "installs /etc/docaxis/docaxis-hub.toml)")
      ->required();
  app.add_flag("--check-config", check_only,
               "validate the configuration, print every problem (one per line), exit");
  app.footer(R"(Runs one hub until SIGTERM or SIGINT. SIGHUP re-reads the trust anchors,
intermediates, CRLs, the hub's TLS certificate and key (new connections get the renewed
certificate) and its signing key without a restart (a failed reload keeps what is in use). Logs: key=value lines on standard error. Under systemd (Type=notify) it
reports READY=1 once its listener is up, RELOADING=1 around a reload, STOPPING=1 at the end.
Once serving, <data_dir>/hub.port holds the listener's port; `docaxis` talks to the running hub
through <data_dir>/admin.sock.

Examples:
  docaxis-hub --config /etc/docaxis/docaxis-hub.toml --check-config
  docaxis-hub --config /etc/docaxis/docaxis-hub.toml
  systemctl reload docaxis-hub            (sends SIGHUP)

Exit codes:
  0  stopped by SIGTERM or SIGINT; with --check-config: the configuration is valid
  1  a runtime failure at start (store, audit log, listener)
  2  usage or configuration error (every problem printed), or an unsafe data directory)");
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

  // Block the shutdown signals (and SIGHUP: reload trust) in every thread the modules start;
  // the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Every connection (AMQP and axis HTTP API) is a descriptor: take the hard limit, warn below.
  server::raise_descriptor_limit(server::descriptors_wanted(cfg));

  server::StartError error;
  auto hub = server::Application::build(cfg, error);
  if (!hub) return fail(error);
  if (!hub->start(error)) return fail(error);
  server::log_startup_summary(cfg, hub->port());
  // Ready only now: the listener is up and hub.port written (start() did both).
  const std::string listening = "STATUS=listening on amqps://" + cfg.listener.tls.host + ":" +
                                std::to_string(hub->port());
  notify("READY=1\n" + listening);
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    notify("RELOADING=1\n" + server::monotonic_usec_assignment() + "\nSTATUS=reloading trust");
    const Status reloaded = hub->reload_trust("sighup");
    // A failed reload keeps the current trust (logged trust-reload-failed): still serving.
    notify("READY=1\n" + listening +
           (reloaded.ok() ? "" : "; last trust reload failed (" + reloaded.code() + ")"));
  }
  notify("STOPPING=1\nSTATUS=stopping on signal " + std::to_string(sig));
  server::log_shutdown(sig);
  std::cout << "docaxis-hub " << cfg.hub.name << ": signal " << sig << ", shutting down"
            << std::endl;
  hub->stop();
  return 0;
}
