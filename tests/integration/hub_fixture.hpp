// The integration tests' docaxis-hub: tests/support/hub_process.hpp (docaxis::test_hub_process)
// with the tests' default configuration (h30 serving 000.00.13.H30 and 000.00.01.G12 on the test
// PKI) and a start() that records a test failure; the paths the tests share; temp_dir(), a
// tests/support/temp_dir.hpp folder a TestHub may own.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hub_process.hpp"
#include "temp_dir.hpp"

namespace docaxis::test {

namespace fs = std::filesystem;

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}
inline const std::string kPki = env_or("DOCAXIS_PKI", DOCAXIS_DEFAULT_PKI);
inline const std::string kFixtures = env_or("DOCAXIS_FIXTURES", DOCAXIS_DEFAULT_FIXTURES);
inline const std::string kHub = env_or("DOCAXIS_HUB", DOCAXIS_HUB_BINARY);

inline std::string read(const std::string& path) { return read_whole_file(path); }

inline std::string organ(const std::string& id) { return kPki + "/organs/" + id; }

// A fresh folder for one test (removed at its end unless DOCAXIS_KEEP_TMP is set).
inline TempDir temp_dir(const std::string& name) { return TempDir("hub-test-" + name); }

// The default configuration of a hub in <dir>: h30 serving 000.00.13.H30 and 000.00.01.G12,
// data in <dir>/data, then `extra_toml` (e.g. a [retry] table with short times).
inline std::string default_config(const fs::path& dir, const std::string& extra_toml = {}) {
  return hub_toml({.pki = kPki,
                   .data_dir = dir / "data",
                   .organs = {"000.00.13.H30", "000.00.01.G12"},
                   .extra_toml = extra_toml});
}

namespace detail {
struct OwnedDir {  // a TestHub's folder when it owns it: removed after the hub is gone
  std::optional<TempDir> owned;
};
}  // namespace detail

// One hub process with its own folder; start() waits for the port it prints.
class TestHub : private detail::OwnedDir, public HubProcess {
 public:
  // A configuration of the test's own (data_dir should be <dir>/data).
  struct FullConfig {
    std::string text;
  };
  explicit TestHub(const fs::path& dir, const std::string& extra_toml = {})
      : HubProcess(kHub, dir, default_config(dir, extra_toml)) {}
  TestHub(const fs::path& dir, const FullConfig& full) : HubProcess(kHub, dir, full.text) {}
  // The same, in a folder the hub owns (removed when the hub goes).
  explicit TestHub(TempDir&& dir, const std::string& extra_toml = {})
      : detail::OwnedDir{std::move(dir)},
        HubProcess(kHub, owned->path(), default_config(owned->path(), extra_toml)) {}
  ~TestHub() { stop(SIGKILL); }

  // Starts the hub; its port, or 0 with a test failure recorded.
  int start() {
    auto port = launch();
    if (!port.ok()) {
      ADD_FAILURE() << "the hub did not start: " << port.status().message();
      return 0;
    }
    return *port;
  }
};

}  // namespace docaxis::test
