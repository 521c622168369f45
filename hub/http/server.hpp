// A hardened HTTP/1.1 server for the hub's HTTP front doors (the axis HTTP API; later the
// metrics and status page): one thread, bounded in connections, header and body bytes and
// time, whatever a client sends. Boost.Beast stays inside this module; callers see plain
// requests and responses.
//
// Per connection: at most one request at a time (no pipelining). Once its header has arrived
// the HeaderCheck (if any) may refuse it before a byte of its body is read; otherwise the body
// is read whole before the handler sees it. `Expect: 100-continue` is answered at once when the
// declared body fits and the header check passed; keep-alive as the client asks; a connection
// that completes no request header within `idle_timeout` is closed, unanswered.
// Refusals (answered through the ErrorResponder, then the connection is closed):
//   too-large         body (declared or received) over body_limit
//   header-too-large  request line and headers over header_limit
//   request-timeout   body not received within request_timeout after its header
//   overloaded        the bodies being received at once would pass max_body_bytes_in_flight
//   bad-request       not HTTP/1.x, or a chunk header or trailer longer than header_limit
// A connection over max_connections (total) or max_per_address (IPv6: per /64, address_key in
// connection_table.hpp) evicts the least recently active idle connection (waiting for its next
// request) of its address, resp. of any address; when every one that could make room is busy
// it is closed at once, unanswered (README.md, "Connection limits and idle connections").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::tls {
class IdentitySlot;  // tls/identity.hpp
}

namespace docaxis::http {

struct Header {
  std::string name;   // as sent
  std::string value;  // raw bytes as sent
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::vector<Header> headers;
  std::string body;
  std::string peer;    // "address:port" of the client
  bool tls = false;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // More header fields, sent as given after Content-Type and `Cache-Control: no-store` (which
  // every answer carries); a field the server sets itself (Content-Length, Connection) is
  // not to be named here.
  std::vector<Header> headers = {};
};

// Completes one request; call exactly once, from any thread (also after stop(): then it does
// nothing).
using Reply = std::function<void(Response)>;
// Handles one request on the server thread: must not block (hand long work to another thread
// and call `reply` from there). An exception it throws is answered as `internal`.
using Handler = std::function<void(Request, Reply)>;
// The answer to a refusal the server decides itself (codes above, and `internal`).
using ErrorResponder = std::function<Response(std::string_view code, std::string_view detail)>;
// Looks at a request whose header has arrived (its body is empty, not yet read), on the server
// thread: a Response refuses it without reading its body (e.g. authentication that needs only
// the headers, so an unauthenticated client cannot make the server hold a body). Must not
// block; an exception is answered `internal`.
using HeaderCheck = std::function<std::optional<Response>(const Request& head)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port)
  // HTTPS when both are set: the certificate chain (PEM, leaf first) and its private key. The
  // TLS policy is the hub's (tls::apply_policy). Clients are not asked for certificates.
  std::string cert_chain_file;
  std::string key_file;
  // HTTPS with this swappable identity instead (tls/identity.hpp): every new handshake presents
  // the certificate current at that moment (the hub's, renewed on SIGHUP). Wins over the files.
  std::shared_ptr<tls::IdentitySlot> identity;
  // HTTPS: sessions kept for resumption (tls::allow_server_resumption); 0 = none.
  std::size_t tls_session_cache = 0;
  std::chrono::seconds tls_session_lifetime{600};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  // Bodies being received at once, over all connections: the declared length is reserved when
  // a header arrives (body_limit for a chunked body) and given back with the answer.
  std::size_t max_body_bytes_in_flight = 256 * 1024 * 1024;
  // Over either, a new connection evicts an idle one or is closed (see the top of this file).
  std::size_t max_connections = 1024;
  std::size_t max_per_address = 256;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::string thread_name = "dx-http";
};

class Server {
 public:
  // Binds and listens (errors: listen-failed; tls-config for unreadable certificate or key).
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Handler handler,
                                               ErrorResponder errors, HeaderCheck check = {});
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();
  // Connections open now (for tests and metrics).
  std::size_t connections() const;
  // Request body bytes reserved now (of max_body_bytes_in_flight), for metrics.
  std::size_t body_bytes_in_flight() const;

  struct Core;

 private:
  explicit Server(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

}  // namespace docaxis::http
