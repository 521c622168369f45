// A plain HTTP/1.1 GET against 127.0.0.1:<port> for the integration tests of the operator
// endpoint (one request per connection, `Connection: close`, 10 s at most).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace docaxis::test {

struct HttpAnswer {
  unsigned status = 0;
  std::string head, body;
};

inline HttpAnswer http_get(int port, const std::string& target) {
  HttpAnswer a;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return a;
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto h = got.find("\r\n\r\n");
  if (got.rfind("HTTP/1.1 ", 0) != 0 || h == std::string::npos) return a;
  a.status = static_cast<unsigned>(std::stoul(got.substr(9, 3)));
  a.head = got.substr(0, h);
  a.body = got.substr(h + 4);
  return a;
}

}  // namespace docaxis::test
