// A docaxis-hub child process for the integration tests, with its own data directory and a
// configuration made from the test PKI; and the paths the tests share.
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
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace docaxis::test {

namespace fs = std::filesystem;

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}
inline const std::string kPki = env_or("DOCAXIS_PKI", DOCAXIS_DEFAULT_PKI);
inline const std::string kFixtures = env_or("DOCAXIS_FIXTURES", DOCAXIS_DEFAULT_FIXTURES);
inline const std::string kHub = env_or("DOCAXIS_HUB", DOCAXIS_HUB_BINARY);

inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string organ(const std::string& id) { return kPki + "/organs/" + id; }

// One hub process with its own data directory; start() waits for the port it prints.
class HubProcess {
 public:
  // `extra_toml` is appended to the configuration (e.g. a [retry] table with short times).
  explicit HubProcess(fs::path dir, std::string extra_toml = {})
      : dir_(std::move(dir)), extra_toml_(std::move(extra_toml)) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "hub.toml") << config();
  }
  // A hub with a configuration of the test's own (data_dir should be <dir>/data).
  struct FullConfig {
    std::string text;
  };
  HubProcess(fs::path dir, FullConfig full) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "hub.toml") << full.text;
  }
  ~HubProcess() { stop(SIGKILL); }

  std::string config() const {
    const std::string p = kPki;
    std::ostringstream c;
    c << "[hub]\nname = \"h30\"\ndata_dir = \"" << (dir_ / "data").string() << "\"\n"
      << "[listener.tls]\nhost = \"127.0.0.1\"\nport = 0\n"
      << "cert_file = \"" << p << "/hubs/h30.crt\"\nkey_file = \"" << p << "/hubs/h30.key\"\n"
      << "chain_file = \"" << p << "/intermediate-ca.crt\"\n"
      << "client_ca_files = [\"" << p << "/trust-anchors.pem\"]\n"
      << "[trust]\nanchor_files = [\"" << p << "/trust-anchors.pem\"]\n"
      << "intermediate_files = [\"" << p << "/intermediates.pem\"]\n"
      << "crl_files = [\"" << p << "/crl/all.pem\"]\n"
      << "[signing]\nkey_file = \"" << p << "/hubs/h30.key\"\ncert_file = \"" << p
      << "/hubs/h30.crt\"\n"
      << "[[endpoints]]\norgan = \"000.00.13.H30\"\n"
      << "[[endpoints]]\norgan = \"000.00.01.G12\"\n"
      << extra_toml_;
    return c.str();
  }

  // An environment variable for the hub (the test's own environment is inherited otherwise).
  void set_env(const std::string& name, const std::string& value) {
    env_.emplace_back(name, value);
  }
  // RLIMIT_NOFILE (soft and hard) for the hub process; 0 inherits the test's limit.
  void set_max_open_files(rlim_t n) { max_open_files_ = n; }

  int start() {
    fs::remove(dir_ / "data" / "hub.port");
    // Everything the child needs is prepared before fork(): the test process has threads.
    const std::string log = (dir_ / "hub.log").string();
    const std::string cfg = (dir_ / "hub.toml").string();
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      bool overridden = false;
      for (const auto& [name, value] : env_) overridden |= entry.rfind(name + "=", 0) == 0;
      if (!overridden) env_strings.push_back(entry);
    }
    for (const auto& [name, value] : env_) env_strings.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* argv[] = {kHub.c_str(), "--config", cfg.c_str(), nullptr};
    const rlimit nofile{max_open_files_, max_open_files_};
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen(log.c_str(), "a", stdout);
      std::freopen(log.c_str(), "a", stderr);
      if (max_open_files_ != 0 && setrlimit(RLIMIT_NOFILE, &nofile) != 0) _exit(126);
      execve(kHub.c_str(), const_cast<char* const*>(argv), envp.data());
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      const std::string port = read((dir_ / "data" / "hub.port").string());
      if (!port.empty()) return std::atoi(port.c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the hub did not start:\n" << read((dir_ / "hub.log").string());
    return 0;
  }

  // Returns the exit status (or -signal).
  int stop(int sig) {
    if (pid_ <= 0) return 0;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string log() const { return read((dir_ / "hub.log").string()); }
  fs::path dir() const { return dir_; }
  fs::path data_dir() const { return dir_ / "data"; }
  pid_t pid() const { return pid_; }
  // True when the process has exited (and reaps it).
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return true;
    }
    return false;
  }

 private:
  fs::path dir_;
  std::string extra_toml_;
  std::vector<std::pair<std::string, std::string>> env_;
  rlim_t max_open_files_ = 0;
  pid_t pid_ = 0;
};

inline fs::path temp_dir(const std::string& name) {
  fs::path d =
      fs::temp_directory_path() / ("docaxis-hub-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  return d;
}

}  // namespace docaxis::test
