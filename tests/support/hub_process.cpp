#include "hub_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace docaxis::test {
namespace fs = std::filesystem;

std::string hub_toml(const HubConfigSpec& spec) {
  const std::string& p = spec.pki;
  const std::string key = p + "/hubs/" + spec.name;
  std::ostringstream c;
  c << "[hub]\nname = \"" << spec.name << "\"\ndata_dir = \"" << spec.data_dir.string() << "\"\n"
    << "[listener.tls]\nhost = \"127.0.0.1\"\nport = " << spec.port << "\n"
    << "cert_file = \"" << key << ".crt\"\nkey_file = \"" << key << ".key\"\n"
    << "chain_file = \"" << p << "/intermediate-ca.crt\"\n"
    << "client_ca_files = [\"" << p << "/trust-anchors.pem\"]\n"
    << "[trust]\nanchor_files = [\"" << p << "/trust-anchors.pem\"]\n"
    << "intermediate_files = [\"" << p << "/intermediates.pem\"]\n"
    << "crl_files = [\"" << p << "/crl/all.pem\"]\n"
    << "[signing]\nkey_file = \"" << key << ".key\"\ncert_file = \"" << key << ".crt\"\n";
  for (const auto& organ : spec.organs) c << "[[endpoints]]\norgan = \"" << organ << "\"\n";
  c << spec.extra_toml;
  if (!spec.extra_toml.empty() && spec.extra_toml.back() != '\n') c << "\n";
  return c.str();
}

std::string read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

HubProcess::HubProcess(std::string binary, fs::path dir, const std::string& config)
    : binary_(std::move(binary)), dir_(std::move(dir)) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "hub.toml") << config;
}

HubProcess::~HubProcess() { stop(SIGKILL); }

void HubProcess::set_env(const std::string& name, const std::string& value) {
  env_.emplace_back(name, value);
}

Result<int> HubProcess::launch(std::chrono::milliseconds timeout) {
  if (pid_ > 0)
    return Status("unavailable", "the hub is already running (pid " + std::to_string(pid_) + ")");
  std::error_code ec;
  fs::remove(data_dir() / "hub.port", ec);
  // Everything the child needs is prepared before fork(): the caller may have threads.
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
  const char* argv[] = {binary_.c_str(), "--config", cfg.c_str(), nullptr};
  const rlimit nofile{max_open_files_, max_open_files_};
  const bool die_with_parent = die_with_parent_;
  const pid_t pid = fork();
  if (pid < 0) return Status("unavailable", "fork failed");
  if (pid == 0) {
    if (die_with_parent) prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr))
      _exit(126);
    if (max_open_files_ != 0 && setrlimit(RLIMIT_NOFILE, &nofile) != 0) _exit(126);
    execve(binary_.c_str(), const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::string port = read_whole_file(data_dir() / "hub.port");
    if (!port.empty() && port.back() == '\n') {
      port_ = std::atoi(port.c_str());
      return port_;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                                : "signal " + std::to_string(WTERMSIG(status));
      return Status("unavailable", binary_ + " stopped at start (" + how + "):\n" + log_tail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status("unavailable", "the hub did not write its port within " +
                                       std::to_string(timeout.count()) + " ms:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int HubProcess::stop(int sig) {
  if (pid_ <= 0) return 0;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int HubProcess::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return stop(SIGKILL);
}

bool HubProcess::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = 0;
    return true;
  }
  return false;
}

std::string HubProcess::log() const { return read_whole_file(dir_ / "hub.log"); }

std::string HubProcess::log_tail(std::size_t bytes) const {
  const std::string text = log();
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

double HubProcess::cpu_seconds() const {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks; the command name in
  // field 2 may hold spaces, so count from the closing parenthesis.
  const std::string stat = read_whole_file("/proc/" + std::to_string(pid_) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long HubProcess::peak_rss_kb() const {
  std::istringstream in(read_whole_file("/proc/" + std::to_string(pid_) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace docaxis::test
