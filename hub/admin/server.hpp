// AdminServer: the hub's local admin socket. A Unix-domain stream socket (mode 0600) that
// speaks the line-delimited JSON protocol of protocol.hpp and hands each request line to a
// handler (AdminService in the hub).
//
// Access: the socket file is created owner-only (bound under a temporary name, chmod 0600,
// then renamed into place, so it never exists with wider permissions), and every connection
// is checked with SO_PEERCRED: only the hub's own user and root are served; anyone else gets
// one "unauthenticated" answer and is disconnected. The caller's uid, pid and user name are
// passed to the handler for the audit log.
//
// Threads: one thread, started by start(), polls the listening socket and up to
// kMaxConnections clients, and runs the handler for each complete request line, one at a
// time, in arrival order (the handler may block on store commits: admin traffic is rare and
// small). Idle connections are closed after 5 minutes. stop() (or the destructor) joins the
// thread, closes every connection and removes the socket file.
//
// Errors of start(): invalid-argument (path too long for sun_path), failed-precondition (the
// path exists and is not a socket, or another live process answers on it), unavailable
// (socket, bind, listen, rename failed).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.hpp"

namespace docaxis::admin {

// Who is on the other end of a connection, as the kernel says.
struct Caller {
  uid_t uid = 0;
  pid_t pid = 0;
  std::string user;  // from the password database; "uid N" when there is no entry
  // "alice (uid 1000)"
  std::string identity() const;
};

class AdminServer {
 public:
  static constexpr int kMaxConnections = 16;
  // Returns the response line (without '\n') for one request line.
  using Handler = std::function<std::string(const Caller&, std::string_view line)>;

  AdminServer(std::string socket_path, Handler handler);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  Status start();
  void stop();
  const std::string& path() const { return path_; }
  uint64_t requests() const { return requests_.load(); }
  uint64_t refused_connections() const { return refused_.load(); }

 private:
  void loop();
  std::string handle(const Caller& caller, const std::string& line);  // never throws

  std::string path_;
  Handler handler_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> refused_{0};
};

// The user name of `uid` ("uid N" when the password database has none).
std::string user_name(uid_t uid);

}  // namespace docaxis::admin
