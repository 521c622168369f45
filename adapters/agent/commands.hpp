// The docaxis-agent subcommands. Each returns the process exit code (README.md):
// 0 ok, 1 some package failed, 2 usage or configuration error, 3 hub unreachable.
// `stop` becomes true on SIGTERM/SIGINT; long-running commands then finish cleanly.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "agent/agent_config.hpp"

namespace docaxis::agent {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// docaxis-agent send: one line per file (ACCEPTED / REJECTED / FAIL).
int send_command(const AgentConfig& c, const std::vector<std::string>& files,
                 const std::atomic<bool>& stop);

struct ReceiveOptions {
  std::string out_dir;
  bool once = false;     // exit once nothing new arrived for `idle_seconds`
  int idle_seconds = 5;
};
// docaxis-agent receive: one line per message (RECEIVED / DUPLICATE / RELEASED).
int receive_command(const AgentConfig& c, const ReceiveOptions& o, const std::atomic<bool>& stop);

// docaxis-agent run: the folder mode, until `stop`.
int run_command(const AgentConfig& c, const std::atomic<bool>& stop);

}  // namespace docaxis::agent
