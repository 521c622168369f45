// hub_bench: the docaxis-hub under test, as a real child process with its own data folder: the
// tests' HubProcess (tests/support/hub_process.hpp, docaxis::test_hub_process) with the
// configuration of a hub on the test PKI (mutual TLS on 127.0.0.1, trust and CRLs from the PKI,
// the hub's own key (h30 unless named otherwise) for TLS and receipts, one endpoint per organ
// used). Everything else keeps the hub's defaults, notably [store] fsync = "full" (stated in the
// file, so the figure is the durable one). The hub dies with the benchmark (PR_SET_PDEATHSIG);
// HubProcess::cpu_seconds() and peak_rss_kb() give the figures.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "hub_process.hpp"

namespace docaxis::bench {

using test::HubProcess;

struct HubSpec {
  std::string binary;               // path to docaxis-hub
  std::string pki;                  // test PKI folder
  std::filesystem::path dir;        // created; holds hub.toml, hub.log and data/
  std::vector<std::string> organs;  // endpoints served by the hub
  std::string extra_toml;           // appended to the configuration as is
  std::string fsync = "full";       // store.fsync
  std::string name = "h30";         // hub name; its key is <pki>/hubs/<name>.{crt,key}
  int port = 0;                     // listener port; 0 = ephemeral (a peer needs a fixed one)
  std::string store_toml;           // more [store] keys (e.g. backend = "postgresql", ...)
};

// Writes the configuration, starts the hub and waits (up to 30 min: opening a big seeded
// spool runs PRAGMA quick_check over all of it, minutes at 1,000,000 packages on a slow disk)
// for <data>/hub.port. Stop it with HubProcess::terminate() (SIGTERM, SIGKILL after 30 s).
// Errors: unavailable (fork failed, or the hub exited or never wrote its port: the message
// holds the end of its log).
Result<std::unique_ptr<HubProcess>> start_hub(const HubSpec& spec);

}  // namespace docaxis::bench
