// Real processes for the adapter tests: a docaxis-hub with its own data folder and a
// configuration made from the test PKI (fast retries, so tests of redelivery stay short), a
// docaxis-agent child process, a way to run a command and capture its output, and test
// packages with distinct DocumentIds. Nothing here mocks the network.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hub_process.hpp"
#include "temp_dir.hpp"

namespace docaxis::adapters_test {

namespace fs = std::filesystem;

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}
inline const std::string kPki = env_or("DOCAXIS_PKI", DOCAXIS_DEFAULT_PKI);
inline const std::string kFixtures = env_or("DOCAXIS_FIXTURES", DOCAXIS_DEFAULT_FIXTURES);
inline const std::string kHubBinary = env_or("DOCAXIS_HUB", DOCAXIS_HUB_BINARY);
inline const std::string kAgentBinary = env_or("DOCAXIS_AGENT", DOCAXIS_AGENT_BINARY);

inline constexpr const char* kSender = "000.00.13.H30";     // the fixtures' From
inline constexpr const char* kRecipient = "000.00.01.G12";  // the fixtures' To

inline std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}
// Writes elsewhere, then renames in: how a document system drops a file into outbox/.
inline void drop(const fs::path& dir, const std::string& name, const std::string& bytes) {
  const fs::path staging = dir.parent_path() / ("staging-" + name);
  write(staging, bytes);
  fs::rename(staging, dir / name);
}

inline std::string organ(const std::string& id) { return kPki + "/organs/" + id; }

// A test's scratch folder (tests/support/temp_dir.hpp), removed at the end of the test unless
// it failed or DOCAXIS_KEEP_TMP is set (then it is kept for inspection: hub.log, agent.log, the
// folders). Declare it before the processes using it.
struct Scratch {
  explicit Scratch(const std::string& name) : tmp("adapters-" + name), dir(tmp.path()) {}
  ~Scratch() {
    if (::testing::Test::HasFailure()) tmp.keep();
  }
  test::TempDir tmp;
  fs::path dir;
};

// A free TCP port on 127.0.0.1 (bound, read, released), for a hub that must come back on the
// same port after a restart.
inline int free_port() { return test::free_loopback_port(); }

// The unsigned fixture (From 000.00.13.H30, To 000.00.01.G12) with DocumentId `id`.
inline std::string unsigned_package(const std::string& id) {
  static const std::string base = read(kFixtures + "/unsigned.edxml");
  static const std::string first =
      "<edXML:DocumentId>000.00.13.H30,2019/01/16,74/VPCP-TTĐT</edXML:DocumentId>";
  std::string doc = base;
  const auto at = doc.find(first);
  EXPECT_NE(at, std::string::npos) << "the unsigned fixture changed";
  if (at != std::string::npos) {
    doc.replace(at, first.size(), "<edXML:DocumentId>" + id + "</edXML:DocumentId>");
  }
  return doc;
}

// One docaxis-hub process (tests/support/hub_process.hpp) serving 000.00.13.H30 and
// 000.00.01.G12, with retries fast enough for tests (first after 1 s, at most 3 s apart) and no
// poison limit or circuit breaker to speak of (agents are killed on purpose here).
class Hub {
 public:
  explicit Hub(fs::path dir, int port = 0)
      : port_(port), process_(kHubBinary, dir, config(dir, port)) {}
  ~Hub() { stop(SIGKILL); }

  static std::string config(const fs::path& dir, int port) {
    return test::hub_toml(
        {.pki = kPki,
         .data_dir = dir / "data",
         .port = port,
         .organs = {"000.00.13.H30", "000.00.01.G12"},
         .extra_toml =
             "[limits]\ndelivery_timeout_seconds = 5\n"
             "[retry]\nfirst_retry_seconds = 1\nmultiplier = 1.5\nmax_interval_seconds = 3\n"
             "poison_limit = 1000\nsweeper_interval_seconds = 5\nin_flight_timeout_seconds = 20\n"
             "[circuit_breaker]\nfailures_to_open = 1000\nopen_seconds = 1\n"});
  }

  // Starts the hub and returns its port (0 on failure, with a test failure recorded).
  int start() {
    auto port = process_.launch(std::chrono::seconds(30));
    if (!port.ok()) {
      ADD_FAILURE() << "the hub did not start: " << port.status().message();
      return 0;
    }
    port_ = *port;
    return port_;
  }
  // Exit status, or -signal.
  int stop(int sig) { return process_.stop(sig); }
  int port() const { return port_; }
  std::string url() const { return "amqps://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_.log(); }

 private:
  int port_;
  test::HubProcess process_;
};

// The connection flags of docaxis-agent for `organ_id`.
inline std::vector<std::string> agent_flags(const Hub& hub, const std::string& organ_id) {
  return {"--hub",    hub.url(),
          "--cert",   organ(organ_id) + ".fullchain.pem",
          "--key",    organ(organ_id) + ".key",
          "--trust",  kPki + "/trust-anchors.pem",
          "--server-name", "localhost"};
}

struct AgentRun {
  int exit_code = -1;
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

// Runs docaxis-agent with `args` to completion, capturing both streams.
inline AgentRun run_agent(const std::vector<std::string>& args, const fs::path& scratch) {
  const fs::path out = scratch / "run.out", err = scratch / "run.err";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kAgentBinary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(kAgentBinary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  AgentRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  r.out = read(out);
  r.err = read(err);
  return r;
}

// A folder-mode agent: its root folder, agent.toml, and the `run` process.
class FolderAgent {
 public:
  FolderAgent(fs::path root, const Hub& hub, std::string organ_id, const std::string& extra = "")
      : root_(std::move(root)), organ_(std::move(organ_id)) {
    fs::create_directories(root_);
    std::ofstream(root_ / "agent.toml")
        << "[hub]\nurl = \"" << hub.url() << "\"\nserver_name = \"localhost\"\n"
        << "outcome_timeout_seconds = 30\n"
        << "[tls]\ncert_file = \"" << organ(organ_) << ".fullchain.pem\"\n"
        << "key_file = \"" << organ(organ_) << ".key\"\n"
        << "trust_file = \"" << kPki << "/trust-anchors.pem\"\n"
        << "[sign]\nenabled = true\n"
        << "[send]\nretry_first_seconds = 1\nretry_max_seconds = 2\n"
        << "[folders]\npoll_interval_ms = 100\n"
        << extra;
    for (const char* d : {"outbox", "sent", "failed", "inbox", "receipts"}) {
      fs::create_directories(root_ / d);
    }
  }
  ~FolderAgent() { stop(SIGKILL); }

  void start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (root_ / "agent.log").string();
      std::freopen(log.c_str(), "a", stdout);
      std::freopen(log.c_str(), "a", stderr);
      const std::string cfg = (root_ / "agent.toml").string();
      execl(kAgentBinary.c_str(), kAgentBinary.c_str(), "run", "--config", cfg.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  int stop(int sig) {
    if (pid_ <= 0) return 0;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  bool running() const { return pid_ > 0; }
  fs::path dir(const std::string& name) const { return root_ / name; }
  std::string log() const { return read(root_ / "agent.log"); }

  // Regular files of a folder (by name), hidden names included.
  std::vector<std::string> files(const std::string& folder) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ / folder, ec)) {
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::size_t count(const std::string& folder, const std::string& prefix = "") const {
    std::size_t n = 0;
    for (const auto& f : files(folder)) n += f.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

 private:
  fs::path root_;
  std::string organ_;
  pid_t pid_ = 0;
};

// Waits until `done()` or `seconds` have passed; true when done.
template <typename F>
bool eventually(int seconds, F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

}  // namespace docaxis::adapters_test
