#include "admin/client.hpp"

#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace docaxis::admin {
namespace {

Status unreachable(const std::string& path, const std::string& why) {
  return Status("unreachable", "cannot reach the hub's admin socket " + path + ": " + why);
}

}  // namespace

std::string AdminClient::default_who() {
  std::string user;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    user = found->pw_name;
  } else {
    user = "uid " + std::to_string(getuid());
  }
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0' && user != sudo) {
    user += " via sudo by " + std::string(sudo);
  }
  return user;
}

Result<AdminClient> AdminClient::connect(const std::string& path, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status("invalid-argument", "admin socket path \"" + path + "\" is empty or longer than " +
                                          std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unreachable(path, std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    std::string why = std::strerror(err);
    if (err == ENOENT) why += " (is docaxis-hub running with this data directory?)";
    if (err == ECONNREFUSED) why += " (a stale socket: the hub is not running)";
    if (err == EACCES) why += " (the socket is owner-only: run as the hub's user)";
    return unreachable(path, why);
  }
  return AdminClient(fd, path, timeout_ms);
}

AdminClient::~AdminClient() {
  if (fd_ >= 0) ::close(fd_);
}

AdminClient::AdminClient(AdminClient&& o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), timeout_ms_(o.timeout_ms_),
      buffer_(std::move(o.buffer_)) {
  o.fd_ = -1;
}

AdminClient& AdminClient::operator=(AdminClient&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    timeout_ms_ = o.timeout_ms_;
    buffer_ = std::move(o.buffer_);
    o.fd_ = -1;
  }
  return *this;
}

Result<nlohmann::json> AdminClient::call(const std::string& cmd, nlohmann::json args,
                                         Access access) {
  if (fd_ < 0) return unreachable(path_, "not connected");
  Request req;
  req.cmd = cmd;
  req.args = std::move(args);
  req.who = default_who();
  req.mutate = access == Access::kMutate;
  std::string line = encode_request(req) + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unreachable(path_, std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      const std::string answer = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      auto r = parse_response(answer);
      if (!r) return r.status();
      if (!r->ok) return r->error;
      return std::move(r->result);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      return Status("timeout", "the hub did not answer " + cmd + " within " +
                                   std::to_string(timeout_ms_ / 1000) + " s");
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) return unreachable(path_, std::strerror(errno));
    if (ready <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unreachable(path_, std::string("receive: ") + std::strerror(errno));
    }
    if (n == 0) return unreachable(path_, "the hub closed the connection before answering");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace docaxis::admin
