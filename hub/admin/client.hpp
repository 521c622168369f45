// AdminClient: one connection to a running hub's admin socket (protocol.hpp), used by the
// `docaxis` CLI. Blocking; one request at a time; not thread-safe (one per thread).
//
// Error codes of connect() and call():
//   unreachable   the socket does not exist, nobody listens on it, permission denied, or the
//                 connection broke before the answer was complete (the CLI exits 3)
//   timeout       no complete answer within the timeout (also exit 3: the hub is not answering)
//   bad-response  the peer does not speak this protocol
//   anything else the hub's own error (code and message as sent: README.md lists them)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "admin/protocol.hpp"
#include "common/status.hpp"

namespace docaxis::admin {

class AdminClient {
 public:
  static Result<AdminClient> connect(const std::string& socket_path, int timeout_ms = 120'000);
  ~AdminClient();
  AdminClient(AdminClient&& other) noexcept;
  AdminClient& operator=(AdminClient&& other) noexcept;
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Sends one request and waits for its answer. `who` defaults to the login name of this
  // process's user (and "<user> via sudo by <SUDO_USER>" under sudo).
  Result<nlohmann::json> call(const std::string& cmd, nlohmann::json args = nlohmann::json::object(),
                              Access access = Access::kRead);
  const std::string& path() const { return path_; }

  // The claimed identity sent with each request.
  static std::string default_who();

 private:
  AdminClient(int fd, std::string path, int timeout_ms)
      : fd_(fd), path_(std::move(path)), timeout_ms_(timeout_ms) {}
  int fd_ = -1;
  std::string path_;
  int timeout_ms_ = 0;
  std::string buffer_;  // bytes received after the last answer's '\n'
};

}  // namespace docaxis::admin
