// AdminServer: POSIX sockets and poll(2) on one thread. Boost.Asio would bring a strand and
// async reads for what is a handful of short-lived local connections served one request at a
// time; poll keeps this ~250 lines with no new dependency.
#include "admin/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "admin/protocol.hpp"
#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"
#include "log/rate_limiter.hpp"

namespace docaxis::admin {
namespace {

constexpr auto kIdleTimeout = std::chrono::minutes(5);

Status sys_error(const std::string& what) {
  return Status("unavailable", what + ": " + std::strerror(errno));
}

bool fill_addr(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Is a live process accepting on `path`?
bool someone_listens(const std::string& path) {
  sockaddr_un addr{};
  if (!fill_addr(path, addr)) return false;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

struct Connection {
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
  Caller caller;
  std::string in;
  std::string out;
  bool closing = false;  // close once `out` is written
  std::chrono::steady_clock::time_point last_active;
};

void send_some(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.out.clear();  // the peer is gone
    c.closing = true;
    return;
  }
}

}  // namespace

namespace {

// Local users only, but any of them can knock in a loop: a few lines per second per reason.
void log_refused(std::string_view reason, uid_t uid, pid_t pid, const std::string& user) {
  static log::Logger& L = log::get("admin");
  static log::RateLimiter limiter(5);
  if (!L.enabled(log::Level::warn)) return;
  if (const auto d = limiter.admit(reason); d.log) {
    L.warn("admin-refused", {{"reason", reason},
                             {"uid", static_cast<std::uint64_t>(uid)},
                             {"pid", static_cast<std::int64_t>(pid)},
                             {"user", user},
                             {"suppressed", d.suppressed}});
  }
}

}  // namespace

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

std::string Caller::identity() const { return user + " (uid " + std::to_string(uid) + ")"; }

AdminServer::AdminServer(std::string socket_path, Handler handler)
    : path_(std::move(socket_path)), handler_(std::move(handler)) {}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start() {
  if (thread_.joinable()) return Status();
  sockaddr_un addr{};
  if (!fill_addr(path_, addr)) {
    return Status("invalid-argument", "admin socket path \"" + path_ +
                                          "\" is empty or longer than 107 bytes");
  }
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status("failed-precondition", path_ + " exists and is not a socket: not removing it");
    }
    if (someone_listens(path_)) {
      return Status("failed-precondition", "another process already serves " + path_);
    }
    ::unlink(path_.c_str());  // stale, left by a hub that was killed
  }
  const std::string temp = path_ + ".tmp" + std::to_string(::getpid());
  sockaddr_un temp_addr{};
  if (!fill_addr(temp, temp_addr)) {
    return Status("invalid-argument", "admin socket path \"" + path_ + "\" is too long");
  }
  ::unlink(temp.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) return sys_error("admin socket");
  auto fail = [this, &temp](const std::string& what) {
    Status s = sys_error(what);
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(temp.c_str());
    return s;
  };
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&temp_addr), sizeof temp_addr) != 0) {
    return fail("bind " + temp);
  }
  if (::chmod(temp.c_str(), 0600) != 0) return fail("chmod " + temp);
  if (::listen(listen_fd_, 16) != 0) return fail("listen " + temp);
  if (::rename(temp.c_str(), path_.c_str()) != 0) return fail("rename to " + path_);
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    Status s = sys_error("pipe");
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(path_.c_str());
    return s;
  }
  thread_ = std::thread([this] {
    name_this_thread("dx-admin");
    run_guarded("dx-admin", [this] { loop(); });
  });
  return Status();
}

void AdminServer::stop() {
  if (thread_.joinable()) {
    const char byte = 'x';
    (void)!::write(wake_pipe_[1], &byte, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  // Remove the socket only if it is still ours (a new hub may have replaced it).
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && !someone_listens(path_)) {
    ::unlink(path_.c_str());
  }
}

std::string AdminServer::handle(const Caller& caller, const std::string& line) {
  // One request that throws is answered `internal`; the server goes on with the others.
  try {
    return handler_(caller, line);
  } catch (const std::exception& e) {
    return encode_error(Status("internal", std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    return encode_error(Status("internal", "unexpected exception"));
  }
}

void AdminServer::loop() {
  std::vector<std::unique_ptr<Connection>> conns;
  const uid_t self = ::geteuid();
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : conns) {
      short events = c->out.empty() ? 0 : POLLOUT;
      if (!c->closing) events |= POLLIN;
      fds.push_back({c->fd, events, 0});
    }
    const int ready = ::poll(fds.data(), fds.size(), 1000);
    if (ready < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // stop()
    const auto now = std::chrono::steady_clock::now();
    // Connections accepted below have no pollfd yet: they are polled from the next round.
    const std::size_t polled = conns.size();

    if ((fds[1].revents & POLLIN) != 0) {
      for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->last_active = now;
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
          ++refused_;
          continue;  // closed with c
        }
        c->caller = {cred.uid, cred.pid, user_name(cred.uid)};
        if (cred.uid != self && cred.uid != 0) {
          log_refused("unauthenticated", c->caller.uid, c->caller.pid, c->caller.user);
          c->out = encode_error(Status("unauthenticated",
                                       "the admin socket serves only the hub's own user and root, not " +
                                           c->caller.identity())) + "\n";
          c->closing = true;
          ++refused_;
        } else if (static_cast<int>(conns.size()) >= kMaxConnections) {
          log_refused("too-many-connections", c->caller.uid, c->caller.pid, c->caller.user);
          c->out = encode_error(Status("resource-exhausted", "too many admin connections")) + "\n";
          c->closing = true;
          ++refused_;
        }
        send_some(*c);
        conns.push_back(std::move(c));
      }
    }

    for (std::size_t i = 0; i < conns.size(); ++i) {
      Connection& c = *conns[i];
      const short revents = i < polled ? fds[2 + i].revents : 0;
      if ((revents & POLLOUT) != 0) send_some(c);
      if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !c.closing) {
        char chunk[65536];
        for (;;) {
          const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
          if (n > 0) {
            c.in.append(chunk, static_cast<std::size_t>(n));
            c.last_active = now;
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.closing = true;  // EOF
          break;
        }
        std::size_t nl;
        while ((nl = c.in.find('\n')) != std::string::npos) {
          const std::string line = c.in.substr(0, nl);
          c.in.erase(0, nl + 1);
          ++requests_;
          c.out += handle(c.caller, line) + "\n";
        }
        if (c.in.size() > kMaxRequestBytes) {
          c.out += encode_error(Status("bad-request", "request line longer than " +
                                                          std::to_string(kMaxRequestBytes) +
                                                          " bytes")) + "\n";
          c.in.clear();
          c.closing = true;
        }
        send_some(c);
        c.last_active = std::chrono::steady_clock::now();
      }
      if (!c.closing && now - c.last_active > kIdleTimeout) c.closing = true;
    }
    // Close finished connections (a closing one first gets its last answer out, briefly).
    for (auto it = conns.begin(); it != conns.end();) {
      Connection& c = **it;
      if (c.closing && (c.out.empty() || now - c.last_active > std::chrono::seconds(10))) {
        it = conns.erase(it);  // closes it
      } else {
        ++it;
      }
    }
  }
}

}  // namespace docaxis::admin
