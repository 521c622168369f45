// docaxis-agent: an agency's connection to its docaxis hub.
//
//   docaxis-agent send    [connection flags] [--sign] FILE...
//   docaxis-agent receive [connection flags] --out DIR [--once] [--idle SECONDS]
//   docaxis-agent run     --config agent.toml [--check-config]
//
// Flags, output lines, exit codes and agent.toml are documented in README.md (a public
// contract). Exit codes: 0 ok, 1 a package failed, 2 usage or configuration, 3 hub
// unreachable.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>

#include "agent/agent_config.hpp"
#include "agent/commands.hpp"
#include "dsig/dsig_init.hpp"
#include "agent/output.hpp"

namespace {

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

struct ConnectionFlags {
  std::string config, hub, cert, key, trust, server_name, organ;
  std::vector<std::string> chain;
  int timeout = 0, connect_timeout = 0;
};

void add_connection_flags(CLI::App* cmd, ConnectionFlags& f) {
  cmd->add_option("--config", f.config, "agent.toml supplying every setting the flags below do not");
  cmd->add_option("--hub", f.hub, "the hub, amqps://HOST[:PORT]");
  cmd->add_option("--cert", f.cert, "organ certificate followed by its issuing CAs (PEM)");
  cmd->add_option("--key", f.key, "its private key (PEM)");
  cmd->add_option("--trust", f.trust, "CA certificates the hub's certificate must chain to");
  cmd->add_option("--server-name", f.server_name, "name in the hub's certificate");
  cmd->add_option("--organ", f.organ, "this organ's id (default: the certificate's UID)");
  cmd->add_option("--timeout", f.timeout, "seconds to wait for each outcome (default 120)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--connect-timeout", f.connect_timeout,
                  "seconds to wait for the connection, then exit 3 (default 30)")
      ->check(CLI::Range(1, 3600));
}

// The configuration: the file if given, then the flags over it; every problem printed.
bool build_config(const ConnectionFlags& f, docaxis::agent::AgentConfig* out) {
  using namespace docaxis::agent;
  LoadedAgentConfig loaded;
  if (!f.config.empty()) {
    loaded = load_agent_config(f.config);
  } else {
    resolve_folders(loaded.config, std::filesystem::current_path().string());
  }
  AgentConfig& c = loaded.config;
  auto abs = [](const std::string& p) { return std::filesystem::absolute(p).string(); };
  if (!f.hub.empty()) c.hub.url = f.hub;
  if (!f.cert.empty()) c.tls.cert_file = abs(f.cert);
  if (!f.key.empty()) c.tls.key_file = abs(f.key);
  if (!f.trust.empty()) c.tls.trust_file = abs(f.trust);
  if (!f.server_name.empty()) c.hub.server_name = f.server_name;
  if (!f.organ.empty()) c.organ.id = f.organ;
  for (const auto& p : f.chain) c.sign.chain_files.push_back(abs(p));
  if (f.timeout > 0) c.hub.outcome_timeout_seconds = f.timeout;
  if (f.connect_timeout > 0) c.hub.connect_timeout_seconds = f.connect_timeout;
  auto problems = loaded.problems;
  for (auto& p : validate(c)) problems.push_back(std::move(p));
  for (const auto& p : problems) {
    print_error("config" + (f.config.empty() ? "" : " " + f.config) +
                (p.line > 0 ? ":" + std::to_string(p.line) : "") +
                (p.key.empty() ? "" : ": " + p.key) + ": " + p.message);
  }
  *out = std::move(c);
  return problems.empty();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace docaxis::agent;
  CLI::App app{"docaxis-agent: send to and receive from a docaxis hub"};
  app.require_subcommand(1);

  ConnectionFlags send_flags;
  std::vector<std::string> files;
  bool sign = false;
  auto* send = app.add_subcommand("send", "send packages; one line per file with its outcome");
  add_connection_flags(send, send_flags);
  send->add_flag("--sign", sign, "sign files that carry no signature (with --key/--cert)");
  send->add_option("--chain", send_flags.chain, "more issuing certificates for the signature");
  send->add_option("files", files, "package files")->required();

  ConnectionFlags recv_flags;
  ReceiveOptions recv;
  auto* receive = app.add_subcommand("receive", "receive from the inbox into a folder");
  add_connection_flags(receive, recv_flags);
  receive->add_option("--out", recv.out_dir, "folder for received packages")->required();
  receive->add_flag("--once", recv.once, "exit once nothing new arrives for --idle seconds");
  receive->add_option("--idle", recv.idle_seconds, "seconds of quiet that end --once (default 5)")
      ->check(CLI::Range(1, 3600));

  std::string run_config;
  bool check_only = false;
  auto* run = app.add_subcommand("run", "folder mode: outbox/ to the hub, the inbox to inbox/");
  run->add_option("--config", run_config, "agent.toml")->required();
  run->add_flag("--check-config", check_only, "validate the configuration and exit");

  send->footer(R"(Examples:
  docaxis-agent send --config /etc/docaxis/agent.toml letter.edxml reply.edxml
  docaxis-agent send --hub amqps://hub.example:5671 --cert organ.fullchain.pem --key organ.key \
      --trust anchors.pem --sign letter.edxml
Output: one line per file, in order: ACCEPTED, REJECTED (refused for good) or FAIL.
Exit codes: 0 every file ACCEPTED, 1 some file REJECTED or FAIL, 2 usage or configuration
error, 3 no connection to the hub within --connect-timeout.)");
  receive->footer(R"(Examples:
  docaxis-agent receive --config /etc/docaxis/agent.toml --out received/
  docaxis-agent receive --config /etc/docaxis/agent.toml --out received/ --once --idle 10
Output: one line per message: RECEIVED, DUPLICATE, RELEASED or FAIL. Runs until SIGTERM or
SIGINT, or with --once until nothing new arrives for --idle seconds.
Exit codes: 0 stopped, or --once ended with every message stored, 1 the inbox was refused or
a message could not be stored, 2 usage or configuration error, 3 no connection to the hub
within --connect-timeout.)");
  run->footer(R"(Folder mode: files renamed into outbox/ go to the hub (then to sent/ or failed/ with a
.reason), documents for the organ arrive in inbox/, signed receipts in receipts/. Runs until
SIGTERM or SIGINT and keeps retrying the hub; nothing is lost on a crash.
Examples:
  docaxis-agent run --config /etc/docaxis/agent.toml --check-config
  docaxis-agent run --config /etc/docaxis/agent.toml
  systemctl enable --now docaxis-agent     (the Debian package's unit)
Exit codes: 0 stopped by SIGTERM or SIGINT, or --check-config: the configuration is valid;
2 usage or configuration error (every problem printed, one per line).)");
  // Set last: a subcommand created after it would inherit it.
  app.footer(R"(Run 'docaxis-agent SUBCOMMAND --help' for its flags, output and exit codes.
Connection flags (send, receive) override the same settings of --config's agent.toml.

Examples:
  docaxis-agent send --config /etc/docaxis/agent.toml letter.edxml
  docaxis-agent receive --config /etc/docaxis/agent.toml --out received/ --once
  docaxis-agent run --config /etc/docaxis/agent.toml

Exit codes:
  0  ok (every file accepted; stopped by a signal; --check-config: valid)
  1  a package was refused or failed (send), a message could not be stored (receive)
  2  usage or configuration error
  3  the hub unreachable within the connect timeout (send, receive))");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  install_signal_handlers();
  docaxis::dsig::init_dsig();  // once, on the main thread, before any thread parses or signs

  AgentConfig config;
  if (*send) {
    if (!build_config(send_flags, &config)) return kExitUsage;
    if (sign) config.sign.enabled = true;
    return send_command(config, files, g_stop);
  }
  if (*receive) {
    if (!build_config(recv_flags, &config)) return kExitUsage;
    return receive_command(config, recv, g_stop);
  }
  ConnectionFlags run_flags;
  run_flags.config = run_config;
  if (!build_config(run_flags, &config)) return kExitUsage;
  if (check_only) return kExitOk;
  return run_command(config, g_stop);
}
