// A docaxis-hub child process for the tests and the benchmarks (library
// docaxis::test_hub_process): its own folder <dir> holding hub.toml, hub.log (the hub's
// standard output and error) and data/ (its data_dir), and hub_toml(), the configuration of a
// hub on the test PKI. Used by the integration tests (tests/integration/hub_fixture.hpp), the
// adapter tests (tests/adapters/support.hpp) and hub_bench (tests/bench/hub_bench_process.hpp).
// Threads: one owner; cpu_seconds() and peak_rss_kb() may be called from any thread.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace docaxis::test {

// A hub on the test PKI: [hub] name and data_dir; [listener.tls] on 127.0.0.1:port with
// <pki>/hubs/<name>.{crt,key} and the PKI's intermediate CA as chain, clients checked against
// its trust anchors; [trust] anchors, intermediates and CRLs of the PKI; [signing] with the
// hub's own key; one [[endpoints]] per organ; then `extra_toml` as is (tables the above does
// not define: [retry], [store], [[peers]], ...).
struct HubConfigSpec {
  std::string pki;                  // test PKI folder (scripts/make-test-pki.sh)
  std::filesystem::path data_dir;   // usually <dir>/data
  std::string name = "h30";         // hub name; its key is <pki>/hubs/<name>.{crt,key}
  int port = 0;                     // listener port; 0 = ephemeral (a peer needs a fixed one)
  std::vector<std::string> organs;  // endpoints served
  std::string extra_toml;
};
std::string hub_toml(const HubConfigSpec& spec);

class HubProcess {
 public:
  // Writes `config` to <dir>/hub.toml (creating <dir>); nothing runs before launch().
  // `binary` is the docaxis-hub to run.
  HubProcess(std::string binary, std::filesystem::path dir, const std::string& config);
  ~HubProcess();  // SIGKILL if still running
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // An environment variable for the hub (the caller's environment is inherited otherwise).
  void set_env(const std::string& name, const std::string& value);
  // RLIMIT_NOFILE (soft and hard) for the hub; 0 inherits the caller's limit.
  void set_max_open_files(rlim_t n) { max_open_files_ = n; }
  // The hub gets SIGKILL when the thread that launched it ends (PR_SET_PDEATHSIG): a benchmark
  // interrupted never leaves hubs behind. Off by default (a test may launch from any thread).
  void set_die_with_parent(bool on) { die_with_parent_ = on; }

  // Starts the hub (again, after a stop) and waits up to `timeout` for <data>/hub.port.
  // Returns the port. Errors: unavailable (fork failed; the hub exited first, with its exit
  // code; or no port within `timeout`: the message holds the end of its log).
  Result<int> launch(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Sends `sig` and waits for the exit. Returns the exit code, or -signal (0 if not running).
  int stop(int sig);
  // SIGTERM, then waits up to `grace` (SIGKILL after that). Returns as stop().
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(30));
  // True when the process has exited (and reaps it).
  bool exited();

  int port() const { return port_; }  // of the last launch()
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::string log() const;
  // The last `bytes` of the log.
  std::string log_tail(std::size_t bytes = 2000) const;
  // utime + stime of the hub (all its threads) in seconds; -1 when /proc cannot be read.
  double cpu_seconds() const;
  // VmHWM: the hub's peak resident set since it started, KB; -1 when unknown.
  long peak_rss_kb() const;

 private:
  std::string binary_;
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, std::string>> env_;
  rlim_t max_open_files_ = 0;
  bool die_with_parent_ = false;
  pid_t pid_ = 0;
  int port_ = 0;
};

// The whole file; "" when it cannot be read.
std::string read_whole_file(const std::filesystem::path& path);

// A TCP port on 127.0.0.1 that was free when asked (0 if none): the kernel picks it, and
// another process may take it before the caller binds it (a hub that must come back on the same
// port, a peer whose URL must be known before it starts).
int free_loopback_port();

}  // namespace docaxis::test
