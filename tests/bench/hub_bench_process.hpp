// hub_bench: the docaxis-hub under test, as a real child process with its own data folder and
// a configuration made from the test PKI (the shape of tests/integration/hub_process.hpp:
// mutual TLS on 127.0.0.1 with an ephemeral port, trust and CRLs from the PKI, the hub's own
// key (h30 unless named otherwise) for TLS and receipts, one endpoint per organ used).
// Everything else keeps the hub's defaults, notably [store] fsync = "full" (stated in the
// file, so the figure is the durable one).
//
// Also reads the process's CPU time and peak RSS from /proc, for the figures.
// Threads: one owner; cpu_seconds() and peak_rss_kb() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::bench {

struct HubSpec {
  std::string binary;               // path to docaxis-hub
  std::string pki;                  // test PKI folder
  std::filesystem::path dir;        // created; holds hub.toml, hub.log and data/
  std::vector<std::string> organs;  // endpoints served by the hub
  std::string extra_toml;           // appended to the configuration as is
  std::string fsync = "full";       // store.fsync
  std::string name = "h30";         // hub name; its key is <pki>/hubs/<name>.{crt,key}
  int port = 0;                     // listener port; 0 = ephemeral (a peer needs a fixed one)
};

class HubProcess {
 public:
  // Writes the configuration, starts the hub and waits (up to 30 min: opening a big seeded
  // spool runs PRAGMA quick_check over all of it, minutes at 1,000,000 packages on a slow
  // disk) for <data>/hub.port.
  // Errors: unavailable (fork failed, or the hub exited or never wrote its port: the message
  // holds the end of its log).
  static Result<std::unique_ptr<HubProcess>> start(const HubSpec& spec);
  ~HubProcess();  // SIGKILL if still running
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // utime + stime of the hub (all its threads) in seconds; -1 when /proc cannot be read.
  double cpu_seconds() const;
  // VmHWM: the hub's peak resident set since it started, KB; -1 when unknown.
  long peak_rss_kb() const;
  // SIGTERM, then waits up to 30 s (SIGKILL after that). Returns the exit code, or -signal.
  int stop();
  // The last `bytes` of the hub's log (its stdout and stderr).
  std::string log_tail(std::size_t bytes = 2000) const;

 private:
  HubProcess(std::filesystem::path dir, pid_t pid) : dir_(std::move(dir)), pid_(pid) {}
  std::filesystem::path dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace docaxis::bench
