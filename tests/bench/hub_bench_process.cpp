#include "hub_bench_process.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_support.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace {

std::string config(const HubSpec& spec) {
  const std::string& p = spec.pki;
  std::ostringstream c;
  const std::string key = p + "/hubs/" + spec.name;
  c << "[hub]\nname = \"" << spec.name << "\"\ndata_dir = \"" << (spec.dir / "data").string()
    << "\"\n"
    << "[listener.tls]\nhost = \"127.0.0.1\"\nport = " << spec.port << "\n"
    << "cert_file = \"" << key << ".crt\"\nkey_file = \"" << key << ".key\"\n"
    << "chain_file = \"" << p << "/intermediate-ca.crt\"\n"
    << "client_ca_files = [\"" << p << "/trust-anchors.pem\"]\n"
    << "[trust]\nanchor_files = [\"" << p << "/trust-anchors.pem\"]\n"
    << "intermediate_files = [\"" << p << "/intermediates.pem\"]\n"
    << "crl_files = [\"" << p << "/crl/all.pem\"]\n"
    << "[signing]\nkey_file = \"" << key << ".key\"\ncert_file = \"" << key << ".crt\"\n"
    << "[store]\nfsync = \"" << spec.fsync << "\"\n";
  for (const auto& organ : spec.organs) c << "[[endpoints]]\norgan = \"" << organ << "\"\n";
  c << spec.extra_toml << "\n";
  return c.str();
}

}  // namespace

Result<std::unique_ptr<HubProcess>> HubProcess::start(const HubSpec& spec) {
  std::error_code ec;
  fs::create_directories(spec.dir / "data", ec);
  if (ec) return Status("unavailable", spec.dir.string() + ": " + ec.message());
  std::ofstream(spec.dir / "hub.toml") << config(spec);
  const std::string log = (spec.dir / "hub.log").string();
  const std::string cfg = (spec.dir / "hub.toml").string();
  const pid_t pid = fork();
  if (pid < 0) return Status("unavailable", "fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
    if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr))
      _exit(126);
    execl(spec.binary.c_str(), spec.binary.c_str(), "--config", cfg.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::unique_ptr<HubProcess> hub(new HubProcess(spec.dir, pid));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string port = slurp(spec.dir / "data" / "hub.port");
    if (!port.empty() && port.back() == '\n') {
      hub->port_ = std::atoi(port.c_str());
      return hub;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      hub->pid_ = 0;
      const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                                : "signal " + std::to_string(WTERMSIG(status));
      return Status("unavailable",
                    spec.binary + " stopped at start (" + how + "):\n" + hub->log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status("unavailable", "the hub did not write its port within 30 min:\n" + hub->log_tail());
}

HubProcess::~HubProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

double HubProcess::cpu_seconds() const {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks; the command name in
  // field 2 may hold spaces, so count from the closing parenthesis.
  const std::string stat = slurp("/proc/" + std::to_string(pid_) + "/stat");
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
  std::istringstream in(slurp("/proc/" + std::to_string(pid_) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

int HubProcess::stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 3000; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return -SIGKILL;
}

std::string HubProcess::log_tail(std::size_t bytes) const {
  const std::string log = slurp(dir_ / "hub.log");
  return log.size() <= bytes ? log : log.substr(log.size() - bytes);
}

}  // namespace docaxis::bench
