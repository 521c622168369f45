// rabbit_bench: a RabbitMQ node of our own for the baseline. Debian's rabbitmq-server started
// as the current user with its own node name (docaxis-bench-<pid>-<n>@localhost), AMQP and
// distribution ports on 127.0.0.1 (free ports), data, logs and Erlang cookie ($HOME) in `dir`,
// no plugins. The node runs in its own process group (the rabbitmq-server shell script, the
// beam.smp VM and its helpers), so a node that does not stop politely can be killed whole.
//
// Also reads the VM's CPU time and resident set from /proc (beam.smp: the process in the
// node's group named so), for the figures.
// Threads: one owner; cpu_seconds() and rss_kb() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::bench {

struct RabbitNodeSpec {
  std::string bin_dir = "/usr/lib/rabbitmq/bin";  // rabbitmq-server, rabbitmqctl
  std::filesystem::path dir;                       // created; holds config, mnesia/, log/
  std::string node_name;                           // "name@localhost"
};

class RabbitNode {
 public:
  // Starts the node and waits (up to `timeout_s`) until it accepts an AMQP login.
  // Errors: unavailable (fork failed, the node exited or never answered; the message holds
  // the end of its output).
  static Result<std::unique_ptr<RabbitNode>> start(const RabbitNodeSpec& spec,
                                                   double timeout_s = 120);
  ~RabbitNode();  // stop()
  RabbitNode(const RabbitNode&) = delete;
  RabbitNode& operator=(const RabbitNode&) = delete;

  int port() const { return port_; }
  // utime + stime of beam.smp (all its threads), seconds; -1 when it cannot be read.
  double cpu_seconds() const;
  // VmRSS of beam.smp now, KB; -1 when unknown.
  long rss_kb() const;
  // `rabbitmqctl stop`, then waits up to 60 s for the group to end (SIGKILL to the group after
  // that). Returns true when the node stopped by itself.
  bool stop();
  // The last `bytes` of the node's output (the shell script's stdout and stderr).
  std::string output_tail(std::size_t bytes = 2000) const;

 private:
  RabbitNode(RabbitNodeSpec spec, std::vector<std::string> env, int port)
      : spec_(std::move(spec)), env_(std::move(env)), port_(port) {}
  pid_t find_beam() const;
  RabbitNodeSpec spec_;
  std::vector<std::string> env_;  // RABBITMQ_* and HOME, for rabbitmq-server and rabbitmqctl
  int port_ = 0;
  pid_t pid_ = 0;  // the rabbitmq-server script; also the process group id
  pid_t beam_ = 0;
};


}  // namespace docaxis::bench
