// The systemd side of sd_notify(3) for the tests (header only): an AF_UNIX datagram socket
// bound to a path or an abstract name, and the messages a process sends to it. Used by
// tests/unit/server (server/sd_notify.hpp) and tests/integration (docaxis-hub under
// NOTIFY_SOCKET). Throws std::runtime_error when the socket cannot be made (a test cannot go on).
// Threads: one owner.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace docaxis::test {

class NotifyReceiver {
 public:
  // `address`: "/path" or "@abstract-name", as NOTIFY_SOCKET spells it.
  explicit NotifyReceiver(std::string address) : address_(std::move(address)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (address_.size() >= sizeof addr.sun_path) throw std::runtime_error("address too long");
    std::memcpy(addr.sun_path, address_.data(), address_.size());
    const bool abstract = address_.front() == '@';
    if (abstract) addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                               address_.size() + (abstract ? 0 : 1));
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), length) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error("bind " + address_ + ": " + why);
    }
  }
  ~NotifyReceiver() {
    ::close(fd_);
    if (address_.front() == '/') ::unlink(address_.c_str());
  }
  NotifyReceiver(const NotifyReceiver&) = delete;
  NotifyReceiver& operator=(const NotifyReceiver&) = delete;

  const std::string& address() const { return address_; }

  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string address_;
  int fd_ = -1;
};

}  // namespace docaxis::test
