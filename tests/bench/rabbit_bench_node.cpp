#include "rabbit_bench_node.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_support.hpp"
#include "rabbit-bridge/rabbit_connection.hpp"

extern char** environ;

namespace docaxis::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Our environment with `extra` ("NAME=value") added or replacing, for execve: the child
// must not call setenv (the benchmark may have threads).
std::vector<std::string> merged_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var(*e);
    const std::string name = var.substr(0, var.find('='));
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || x.rfind(name + "=", 0) == 0;
    if (!replaced) env.push_back(var);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// Forks `argv` with `env` (complete), output appended to `log`; the child leads a new process
// group when `own_group`. Returns the pid, or -1.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, const fs::path& log,
            bool own_group) {
  std::vector<char*> args = pointers(argv), envp = pointers(env);
  const std::string log_path = log.string();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (own_group) setpgid(0, 0);
  if (!std::freopen("/dev/null", "r", stdin) || !std::freopen(log_path.c_str(), "a", stdout) ||
      !std::freopen(log_path.c_str(), "a", stderr))
    _exit(126);
  execve(args[0], args.data(), envp.data());
  _exit(127);
}

// /proc/<pid>/stat fields after the command name (which may hold spaces): field 3 onwards.
std::vector<std::string> stat_fields(pid_t pid, std::string* comm = nullptr) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return {};
  if (comm != nullptr) *comm = stat.substr(open + 1, close - open - 1);
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; in >> x;) f.push_back(x);
  return f;
}

bool group_alive(pid_t pgid) { return kill(-pgid, 0) == 0 || errno == EPERM; }

}  // namespace

Result<std::unique_ptr<RabbitNode>> RabbitNode::start(const RabbitNodeSpec& spec,
                                                      double timeout_s) {
  const std::string server = spec.bin_dir + "/rabbitmq-server";
  if (access(server.c_str(), X_OK) != 0)
    return Status("unavailable", server + " not found (scripts/install-deps.sh installs it)");
  std::error_code ec;
  fs::create_directories(spec.dir / "mnesia", ec);
  fs::create_directories(spec.dir / "log", ec);
  if (ec) return Status("unavailable", spec.dir.string() + ": " + ec.message());
  const int port = free_loopback_port(), dist_port = free_loopback_port();
  if (port == 0 || dist_port == 0) return Status("unavailable", "no free port on 127.0.0.1");
  std::ofstream(spec.dir / "rabbitmq.conf") << "listeners.tcp.default = 127.0.0.1:" << port
                                            << "\nloopback_users = none\n";
  std::ofstream(spec.dir / "enabled_plugins") << "[].\n";
  const std::string d = spec.dir.string();
  std::vector<std::string> env = merged_env({
      "HOME=" + d,  // the Erlang cookie
      "RABBITMQ_NODENAME=" + spec.node_name,
      "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
      "RABBITMQ_NODE_PORT=" + std::to_string(port),
      "RABBITMQ_DIST_PORT=" + std::to_string(dist_port),
      "RABBITMQ_MNESIA_BASE=" + d + "/mnesia",
      "RABBITMQ_LOG_BASE=" + d + "/log",
      "RABBITMQ_CONFIG_FILE=" + d + "/rabbitmq.conf",
      "RABBITMQ_ENABLED_PLUGINS_FILE=" + d + "/enabled_plugins",
      "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
      "ERL_EPMD_ADDRESS=127.0.0.1",
  });
  std::unique_ptr<RabbitNode> node(new RabbitNode(spec, env, port));
  node->pid_ = spawn({server}, env, spec.dir / "server.out", /*own_group=*/true);
  if (node->pid_ < 0) {
    node->pid_ = 0;
    return Status("unavailable", "fork failed");
  }
  rabbit_bridge::RabbitOptions o;
  o.port = port;
  o.connect_timeout = 2s;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
      node->pid_ = 0;
      return Status("unavailable", "rabbitmq-server exited at start:\n" + node->output_tail());
    }
    if (rabbit_bridge::RabbitConnection::open(o).ok()) {
      node->beam_ = node->find_beam();
      return node;
    }
    std::this_thread::sleep_for(250ms);
  }
  return Status("unavailable", "rabbitmq-server did not accept a login in time:\n" +
                                   node->output_tail());
}

RabbitNode::~RabbitNode() { stop(); }

pid_t RabbitNode::find_beam() const {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    std::string comm;
    const auto f = stat_fields(pid, &comm);
    // f[2] is field 5, the process group.
    if (f.size() > 2 && comm == "beam.smp" && std::atol(f[2].c_str()) == pid_) return pid;
  }
  return 0;
}

double RabbitNode::cpu_seconds() const {
  if (beam_ <= 0) return -1;
  const auto f = stat_fields(beam_);
  if (f.size() < 13) return -1;  // utime, stime: fields 14, 15
  const double ticks = std::stod(f[11]) + std::stod(f[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long RabbitNode::rss_kb() const {
  if (beam_ <= 0) return -1;
  std::istringstream in(slurp("/proc/" + std::to_string(beam_) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

bool RabbitNode::stop() {
  if (pid_ <= 0) return true;
  const pid_t ctl = spawn({spec_.bin_dir + "/rabbitmqctl", "-n", spec_.node_name, "stop"}, env_,
                          spec_.dir / "ctl.out", /*own_group=*/false);
  if (ctl > 0) waitpid(ctl, nullptr, 0);
  bool clean = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!clean && waitpid(pid_, nullptr, WNOHANG) == pid_) clean = true;
    if (clean && !group_alive(pid_)) break;
    std::this_thread::sleep_for(100ms);
  }
  if (group_alive(pid_)) {
    clean = false;
    kill(-pid_, SIGKILL);
  }
  waitpid(pid_, nullptr, 0);  // reaps it if the loop did not (ECHILD otherwise)
  pid_ = 0;
  beam_ = 0;
  return clean;
}

std::string RabbitNode::output_tail(std::size_t bytes) const {
  const std::string out = slurp(spec_.dir / "server.out");
  return out.size() <= bytes ? out : out.substr(out.size() - bytes);
}

}  // namespace docaxis::bench
