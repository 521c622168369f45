#include "server/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.hpp"

namespace docaxis::server {

Status sd_notify_to(std::string_view socket_address, std::string_view state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const bool abstract = !socket_address.empty() && socket_address.front() == '@';
  if (socket_address.empty() || (socket_address.front() != '/' && !abstract)) {
    return {"invalid-argument", "NOTIFY_SOCKET \"" + std::string(socket_address) +
                                    "\": neither a socket path (/...) nor an abstract name (@...)"};
  }
  // A path needs its terminating NUL inside sun_path; an abstract name is counted by length.
  if (socket_address.size() + (abstract ? 0 : 1) > sizeof addr.sun_path) {
    return {"invalid-argument", "NOTIFY_SOCKET is longer than a Unix socket address allows (" +
                                    std::to_string(sizeof addr.sun_path) + " bytes)"};
  }
  std::memcpy(addr.sun_path, socket_address.data(), socket_address.size());
  if (abstract) addr.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                             socket_address.size() + (abstract ? 0 : 1));

  const UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return {"unavailable", std::string("socket(AF_UNIX): ") + std::strerror(errno)};
  const ssize_t sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), length);
  if (sent < 0) {
    return {"unavailable", "NOTIFY_SOCKET " + std::string(socket_address) + ": " +
                               std::strerror(errno)};
  }
  if (static_cast<std::size_t>(sent) != state.size()) {
    return {"unavailable", "NOTIFY_SOCKET " + std::string(socket_address) + ": short send"};
  }
  return {};
}

Status sd_notify(std::string_view state) {
  const char* address = std::getenv("NOTIFY_SOCKET");
  if (address == nullptr || *address == '\0') return {};
  return sd_notify_to(address, state);
}

std::string monotonic_usec_assignment() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  return "MONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace docaxis::server
