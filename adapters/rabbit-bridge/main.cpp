// docaxis-rabbit-bridge: an agency's RabbitMQ connected to its docaxis hub.
//
//   docaxis-rabbit-bridge --config bridge.toml [--check-config]
//
// Flags, bridge.toml keys, message headers, output lines and exit codes are documented in
// README.md (a public contract). Exit codes: 0 stopped by SIGTERM/SIGINT (or --check-config:
// valid), 2 usage or configuration error.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <thread>

#include "edxml/xml_doc.hpp"
#include "rabbit-bridge/bridge.hpp"
#include "rabbit-bridge/bridge_config.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int) { g_stop = true; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace docaxis::rabbit_bridge;
  CLI::App app{"docaxis-rabbit-bridge: RabbitMQ queues to a docaxis hub and back"};
  std::string config_path;
  bool check_only = false;
  app.add_option("--config", config_path,
                 "bridge.toml (every key with its default: bridge.example.toml; the package "
                 "installs /etc/docaxis/bridge.toml)")
      ->required();
  app.add_flag("--check-config", check_only,
               "validate the configuration, print every problem (one per line), exit");
  app.footer(R"(Moves packages from a RabbitMQ queue ([in]) to the hub, and from the organ's hub
inbox to a RabbitMQ exchange ([out]). Prints RUNNING at start and STOPPED with its counters at
the end; keeps reconnecting to RabbitMQ and to the hub. SIGTERM or SIGINT stop it after the
messages in flight are answered or requeued. The environment variable DOCAXIS_RABBIT_PASSWORD
overrides [rabbit] password.

Examples:
  docaxis-rabbit-bridge --config /etc/docaxis/bridge.toml --check-config
  docaxis-rabbit-bridge --config /etc/docaxis/bridge.toml
  systemctl enable --now docaxis-rabbit-bridge     (the Debian package's unit)

Exit codes:
  0  stopped by SIGTERM or SIGINT; with --check-config: the configuration is valid
  2  usage or configuration error (every problem printed, one per line))");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  const LoadedBridgeConfig loaded = load_bridge_config(config_path);
  for (const auto& p : loaded.problems) {
    std::cerr << "docaxis-rabbit-bridge: config " << config_path
              << (p.line > 0 ? ":" + std::to_string(p.line) : "")
              << (p.key.empty() ? "" : ": " + p.key) << ": " << p.message << "\n";
  }
  if (!loaded.problems.empty()) return kExitUsage;
  const BridgeConfig& c = loaded.config;
  if (check_only) return kExitOk;

  install_signal_handlers();
  docaxis::edxml::init_xml_library();  // once, on the main thread, before any thread parses

  auto hub = docaxis::client::Client::create(client_options(c));
  if (!hub) {
    std::cerr << "docaxis-rabbit-bridge: " << hub.status().to_string() << "\n";
    return kExitUsage;
  }
  print_line("RUNNING organ=" + c.organ.id + " hub=" + c.hub.url + " rabbit=" + c.rabbit.host +
             ":" + std::to_string(c.rabbit.port) + c.rabbit.vhost);

  BridgeStats stats;
  std::thread in, out;
  if (c.in.enabled) {
    in = std::thread([&] { run_inbound(c, **hub, g_stop, stats, std::chrono::seconds(10)); });
  }
  if (c.out.enabled) out = std::thread([&] { run_outbound(c, **hub, g_stop, stats); });
  if (in.joinable()) in.join();
  if (out.joinable()) out.join();
  (*hub)->close();
  print_line("STOPPED in-received=" + std::to_string(stats.in_received) +
             " in-sent=" + std::to_string(stats.in_sent) +
             " in-rejected=" + std::to_string(stats.in_rejected) +
             " in-requeued=" + std::to_string(stats.in_requeued) +
             " out-published=" + std::to_string(stats.out_published) +
             " out-released=" + std::to_string(stats.out_released));
  return kExitOk;
}
