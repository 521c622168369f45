// hub/http: the hardened HTTP/1.1 server over real sockets on 127.0.0.1: requests, keep-alive,
// Expect: 100-continue, every refusal, the connection limits, timeouts, stop(), HTTPS.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace docaxis::http {
namespace {

using namespace std::chrono_literals;

// A blocking client socket with a read deadline; `from` another loopback address (127.0.0.2)
// to be counted under another address by the server.
class Client {
 public:
  explicit Client(uint16_t port, const char* from = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (from != nullptr) {
      sockaddr_in f{};
      f.sin_family = AF_INET;
      ::inet_pton(AF_INET, from, &f.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&f), sizeof f) != 0) return;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }
  // Reads until `until` appears (or, when empty, until the peer closes) or the deadline.
  std::string read(const std::string& until = "", std::chrono::milliseconds deadline = 5s) {
    std::string got;
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      if (!until.empty() && got.find(until) != std::string::npos) return got;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return got;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return got;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return got;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  // One full response: headers plus Content-Length bytes.
  std::string response() {
    std::string r = read("\r\n\r\n");
    const auto h = r.find("\r\n\r\n");
    if (h == std::string::npos) return r;
    std::size_t len = 0;
    const auto cl = r.find("Content-Length: ");
    if (cl != std::string::npos) len = std::stoul(r.substr(cl + 16));
    while (r.size() < h + 4 + len) {
      std::string more = read("", 2s);
      if (more.empty()) break;
      r += more;
    }
    return r;
  }
  bool closed_by_peer(std::chrono::milliseconds within = 3s) {
    read("", within);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

Response refusal(std::string_view code, std::string_view detail) {
  return Response{400, "application/json", "{\"refused\":\"" + std::string(code) + "\",\"detail\":\"" + std::string(detail) + "\"}"};
}

// Answers "<method> <target> <body size> <x-test header>".
Handler echo() {
  return [](Request r, Reply reply) {
    std::string x;
    for (const auto& h : r.headers) {
      if (h.name == "X-Test") x = h.value;
    }
    reply(Response{200, "text/plain", r.method + " " + r.target + " " + std::to_string(r.body.size()) + " " + x});
  };
}

ServerOptions small() {
  ServerOptions o;
  o.body_limit = 1000;
  o.header_limit = 2000;
  o.idle_timeout = 5s;
  o.request_timeout = 5s;
  return o;
}

std::unique_ptr<Server> serve(ServerOptions o = small(), Handler h = echo(), HeaderCheck check = {}) {
  auto s = Server::start(std::move(o), std::move(h), refusal, std::move(check));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(HttpServer, ServesRequestsOnOneKeptAliveConnection) {
  auto server = serve();
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  c.send("POST /XrdAdapter/adapter/sendEdoc HTTP/1.1\r\nHost: x\r\nX-Test: a\"b\r\nContent-Length: 5\r\n\r\nhello");
  std::string r1 = c.response();
  EXPECT_NE(r1.find("HTTP/1.1 200"), std::string::npos) << r1;
  EXPECT_NE(r1.find("POST /XrdAdapter/adapter/sendEdoc 5 a\"b"), std::string::npos) << r1;
  c.send("GET /downloadEdoc HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r2 = c.response();
  EXPECT_NE(r2.find("GET /downloadEdoc 0 "), std::string::npos) << r2;
  EXPECT_EQ(server->connections(), 1u);
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBodyIsSent) {
  auto server = serve();
  Client c(server->port());
  c.send("POST /getEdoc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  const auto t0 = std::chrono::steady_clock::now();
  std::string interim = c.read("\r\n\r\n", 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);  // the SDK would wait 3 s otherwise
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  c.send("{}");
  std::string r = c.response();
  EXPECT_NE(r.find("POST /getEdoc 2"), std::string::npos) << r;
}

TEST(HttpServer, ADeclaredOversizeBodyIsRefusedWithoutReadingIt) {
  auto server = serve();
  Client c(server->port());
  c.send("POST /sendEdoc HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n");
  std::string r = c.response();
  EXPECT_EQ(r.find("100 Continue"), std::string::npos) << r;
  EXPECT_NE(r.find("\"refused\":\"too-large\""), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, AChunkedBodyThatGrowsPastTheLimitIsRefused) {
  auto server = serve();
  Client c(server->port());
  c.send("POST /sendEdoc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 3; ++i) c.send("190\r\n" + std::string(400, 'a') + "\r\n");
  std::string r = c.response();
  EXPECT_NE(r.find("\"refused\":\"too-large\""), std::string::npos) << r;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, TheHeaderCheckRefusesBeforeAnyBodyIsReadOrContinued) {
  std::atomic<int> handled{0};
  auto server = serve(
      small(), [&](Request, Reply reply) { ++handled; reply(Response{200, "text/plain", "ok"}); },
      [](const Request& head) -> std::optional<Response> {
        EXPECT_TRUE(head.body.empty());
        for (const auto& h : head.headers) {
          if (h.name == "X-Key" && h.value == "good") return std::nullopt;
        }
        return refusal("forbidden", "no key");
      });
  Client bad(server->port());
  bad.send("POST /s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 900\r\n\r\n");
  std::string r = bad.response();
  EXPECT_EQ(r.find("100 Continue"), std::string::npos) << r;
  EXPECT_NE(r.find("\"refused\":\"forbidden\""), std::string::npos) << r;
  EXPECT_TRUE(bad.closed_by_peer());
  Client good(server->port());
  good.send("POST /s HTTP/1.1\r\nHost: x\r\nX-Key: good\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_NE(good.response().find("ok"), std::string::npos);
  EXPECT_EQ(handled, 1);
}

TEST(HttpServer, EndlessChunkExtensionsAndTrailersAreRefused) {
  auto server = serve();
  {
    Client c(server->port());
    c.send("POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=");
    for (int i = 0; i < 40; ++i) c.send(std::string(4096, 'a'));  // 160 KiB, never a CRLF
    std::string r = c.response();
    EXPECT_NE(r.find("\"refused\":\"bad-request\""), std::string::npos) << r;
  }
  {
    Client c(server->port());
    c.send("POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: ");
    for (int i = 0; i < 40; ++i) c.send(std::string(4096, 'b'));
    std::string r = c.response();
    EXPECT_NE(r.find("\"refused\":\"bad-request\""), std::string::npos) << r;
  }
}

TEST(HttpServer, BodiesReceivedAtOnceStayWithinTheirBudget) {
  ServerOptions o = small();
  o.max_body_bytes_in_flight = 1500;
  auto server = serve(o);
  Client first(server->port());
  first.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + std::string(10, 'a'));
  std::this_thread::sleep_for(100ms);  // its 1000 bytes are reserved, 10 received
  Client second(server->port());
  second.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n");
  std::string r = second.response();
  EXPECT_NE(r.find("\"refused\":\"overloaded\""), std::string::npos) << r;
  first.send(std::string(990, 'a'));
  EXPECT_NE(first.response().find("POST /a 1000"), std::string::npos);
  Client third(server->port());  // the first body's bytes were given back with its answer
  third.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n" + std::string(600, 'c'));
  EXPECT_NE(third.response().find("POST /c 600"), std::string::npos);
}

TEST(HttpServer, OversizeHeadersAndGarbageAreRefused) {
  auto server = serve();
  {
    Client c(server->port());
    c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(3000, 'a') + "\r\n\r\n");
    std::string r = c.response();
    EXPECT_NE(r.find("\"refused\":\"header-too-large\""), std::string::npos) << r;
  }
  {
    Client c(server->port());
    c.send("HELLO THERE\r\n\r\n");
    std::string r = c.response();
    EXPECT_NE(r.find("\"refused\":\"bad-request\""), std::string::npos) << r;
  }
}

TEST(HttpServer, ASlowBodyIsRefusedAfterTheRequestTimeoutAndAnIdleConnectionClosed) {
  ServerOptions o = small();
  o.request_timeout = 300ms;
  o.idle_timeout = 300ms;
  auto server = serve(o);
  Client slow(server->port());
  slow.send("POST /sendEdoc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
  std::string r = slow.response();
  EXPECT_NE(r.find("\"refused\":\"request-timeout\""), std::string::npos) << r;
  Client idle(server->port());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

void wait_for_connections(Server& server, std::size_t n) {
  for (int i = 0; i < 100 && server.connections() != n; ++i) std::this_thread::sleep_for(20ms);
}

// One request answered on `c`, which stays open (keep-alive): then it is idle.
bool served(Client& c, const std::string& target) {
  c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  return c.response().find("GET " + target + " 0") != std::string::npos;
}

// Every connection busy (its header received, its body not): a new one over the cap is
// closed, unanswered; a connection whose answer is written is idle again and may be evicted.
TEST(HttpServer, ConnectionsOverTheLimitsAreClosedWhenEveryOneIsBusy) {
  ServerOptions o = small();
  o.max_per_address = 3;
  auto server = serve(o);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Client>(server->port()));
    held.back()->send("POST /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
  }
  wait_for_connections(*server, 3);
  ASSERT_EQ(server->connections(), 3u);
  std::this_thread::sleep_for(100ms);  // the headers are read: all three mid-request
  {
    Client extra(server->port());
    extra.send("GET /extra HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(extra.read("", 1s).find("HTTP/1.1"), std::string::npos);
    EXPECT_TRUE(extra.closed_by_peer());
  }
  for (int i = 0; i < 3; ++i) {  // none of them was evicted for it
    held[i]->send("56789");
    EXPECT_NE(held[i]->response().find("POST /" + std::to_string(i) + " 10"), std::string::npos) << i;
  }
  held[1]->send("POST /again HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
  held[2]->send("POST /again HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
  std::this_thread::sleep_for(100ms);  // 1 and 2 busy again, 0 idle
  Client again(server->port());
  EXPECT_TRUE(served(again, "/b"));
  EXPECT_TRUE(held[0]->closed_by_peer());
  held.pop_back();  // a slot frees when a connection ends
  wait_for_connections(*server, 2);
  EXPECT_EQ(server->connections(), 2u);
}

// The SDK opens a connection per request and leaves it open: a full per-address cap of such
// idle kept-alive connections must not refuse the next request.
TEST(HttpServer, ANewConnectionEvictsTheLeastRecentlyActiveIdleOneOfItsAddress) {
  ServerOptions o = small();
  o.max_per_address = 3;
  auto server = serve(o);
  Client other(server->port(), "127.0.0.2");  // another address's idle connection, the oldest
  ASSERT_TRUE(other.connected());
  ASSERT_TRUE(served(other, "/other"));
  Client a(server->port()), b(server->port()), c(server->port());
  ASSERT_TRUE(served(b, "/b1"));
  ASSERT_TRUE(served(a, "/a1"));
  ASSERT_TRUE(served(c, "/c1"));  // idle since: b, a, c
  ASSERT_EQ(server->connections(), 4u);
  Client d(server->port());
  EXPECT_TRUE(served(d, "/d1"));
  EXPECT_TRUE(b.closed_by_peer());
  EXPECT_EQ(server->connections(), 4u);
  EXPECT_TRUE(served(a, "/a2"));  // idle since: c, d, a
  Client e(server->port());
  EXPECT_TRUE(served(e, "/e1"));
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(served(d, "/d2"));
  EXPECT_TRUE(served(a, "/a3"));
  EXPECT_TRUE(served(other, "/other2"));  // never evicted for another address
  EXPECT_EQ(server->connections(), 4u);
}

TEST(HttpServer, ANewConnectionOverTheTotalCapEvictsTheLeastRecentlyActiveIdleOneOfAnyAddress) {
  ServerOptions o = small();
  o.max_connections = 3;
  auto server = serve(o);
  Client a(server->port()), x(server->port(), "127.0.0.2"), b(server->port());
  ASSERT_TRUE(x.connected());
  ASSERT_TRUE(served(a, "/a1"));
  ASSERT_TRUE(served(x, "/x1"));
  ASSERT_TRUE(served(b, "/b1"));
  ASSERT_TRUE(served(a, "/a2"));  // idle since: x, b, a
  Client y(server->port(), "127.0.0.3");
  ASSERT_TRUE(y.connected());
  EXPECT_TRUE(served(y, "/y1"));
  EXPECT_TRUE(x.closed_by_peer());
  EXPECT_TRUE(served(a, "/a3"));
  EXPECT_TRUE(served(b, "/b2"));
  EXPECT_EQ(server->connections(), 3u);
}

TEST(HttpServer, RepliesComeFromAnyThreadAndAThrowingHandlerIsAnsweredInternal) {
  std::vector<std::thread> workers;
  std::mutex mu;
  auto server = serve(small(), [&](Request r, Reply reply) {
    if (r.target == "/throw") throw std::runtime_error("boom");
    std::lock_guard<std::mutex> lock(mu);
    workers.emplace_back([reply] {
      std::this_thread::sleep_for(50ms);
      reply(Response{200, "text/plain", "later"});
      reply(Response{200, "text/plain", "twice"});  // ignored
    });
  });
  Client c(server->port());
  c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.response();
  EXPECT_NE(r.find("later"), std::string::npos) << r;
  c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string t = c.response();
  EXPECT_NE(t.find("\"refused\":\"internal\""), std::string::npos) << t;
  server->stop();
  for (auto& w : workers) w.join();
}

TEST(HttpServer, StopClosesEveryConnectionAndALateReplyDoesNothing) {
  Reply pending;
  std::atomic<bool> got{false};
  auto server = serve(small(), [&](Request, Reply reply) {
    pending = std::move(reply);
    got = true;
  });
  Client idle(server->port());
  Client waiting(server->port());
  waiting.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 100 && !got; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(got);
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(waiting.closed_by_peer());
  server.reset();
  pending(Response{200, "text/plain", "too late"});  // the server is gone: nothing happens
  pending = nullptr;
}

TEST(HttpServer, RefusesToStartWithoutUsableTlsFilesOrAddress) {
  ServerOptions o = small();
  o.cert_chain_file = "/nonexistent/chain.pem";
  o.key_file = "/nonexistent/key.pem";
  auto s = Server::start(o, echo(), refusal);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), "tls-config");
  ServerOptions half = small();
  half.cert_chain_file = "/nonexistent/chain.pem";
  EXPECT_EQ(Server::start(half, echo(), refusal).status().code(), "tls-config");
  ServerOptions bad = small();
  bad.address = "not-an-address";
  EXPECT_EQ(Server::start(bad, echo(), refusal).status().code(), "listen-failed");
}

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

// One HTTPS request over a new connection with `ctx`, offering `resume` (may be null). The
// session afterwards (a TLS 1.3 ticket arrives with the answer) goes to *next when given.
struct HttpsAnswer {
  std::string text;
  bool resumed = false;
};
// keep_alive: no `Connection: close`; the client reads the answer by its length and leaves
// (close_notify, then its socket closed), as a keep-alive client does.
HttpsAnswer https_request(uint16_t port, SSL_CTX* ctx, SSL_SESSION* resume = nullptr,
                          SSL_SESSION** next = nullptr, bool keep_alive = false) {
  HttpsAnswer out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return out;
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (resume != nullptr) SSL_set_session(ssl, resume);
  if (SSL_connect(ssl) == 1) {
    out.resumed = SSL_session_reused(ssl) == 1;
    const std::string req = std::string("POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n") +
                            (keep_alive ? "" : "Connection: close\r\n") + "\r\nabc";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    char buf[1024];
    int n;
    auto whole = [&out] {  // the head and Content-Length bytes are in
      const auto h = out.text.find("\r\n\r\n");
      const auto cl = out.text.find("Content-Length: ");
      return h != std::string::npos && cl != std::string::npos &&
             out.text.size() >= h + 4 + std::stoul(out.text.substr(cl + 16));
    };
    while (!(keep_alive && whole()) && (n = SSL_read(ssl, buf, sizeof buf)) > 0)
      out.text.append(buf, static_cast<std::size_t>(n));
    if (next != nullptr) *next = SSL_get1_session(ssl);
    SSL_shutdown(ssl);  // a client that leaves without close_notify makes its session unusable
  }
  SSL_free(ssl);
  ::close(fd);
  return out;
}

SSL_CTX* verifying_client(int max_version = 0) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  EXPECT_EQ(SSL_CTX_load_verify_locations(ctx, (pki() + "/root-ca.crt").c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx, max_version);
  return ctx;
}

ServerOptions https_options() {
  ServerOptions o = small();
  o.cert_chain_file = pki() + "/hubs/h30.fullchain.pem";
  o.key_file = pki() + "/hubs/h30.key";
  return o;
}

TEST(HttpServer, ServesHttpsWithTheHubCertificate) {
  auto server = serve(https_options());
  ASSERT_NE(server, nullptr);
  SSL_CTX* ctx = verifying_client();
  SSL_SESSION* session = nullptr;
  EXPECT_NE(https_request(server->port(), ctx, nullptr, &session).text.find("POST /s 3"), std::string::npos);
  // No session cache configured: a session offered again is not resumed (a full handshake).
  ASSERT_NE(session, nullptr);
  const HttpsAnswer again = https_request(server->port(), ctx, session);
  EXPECT_NE(again.text.find("POST /s 3"), std::string::npos);
  EXPECT_FALSE(again.resumed);
  SSL_SESSION_free(session);
  SSL_CTX_free(ctx);
  // Plain HTTP on the HTTPS port is not served.
  Client plain(server->port());
  plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(plain.response().find("HTTP/1.1 200"), std::string::npos);
}

TEST(HttpServer, HttpsSessionsResumeFromTheBoundedCacheOverTls12And13) {
  ServerOptions o = https_options();
  o.tls_session_cache = 2;
  auto server = serve(o);
  ASSERT_NE(server, nullptr);
  for (const int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2");
    SSL_CTX* ctx = verifying_client(version);
    // A session resumes once the server has it cached.
    SSL_SESSION* first = nullptr;
    const HttpsAnswer full = https_request(server->port(), ctx, nullptr, &first);
    EXPECT_NE(full.text.find("POST /s 3"), std::string::npos);
    EXPECT_FALSE(full.resumed);
    ASSERT_NE(first, nullptr);
    ASSERT_EQ(SSL_SESSION_is_resumable(first), 1);
    const HttpsAnswer resumed = https_request(server->port(), ctx, first);
    EXPECT_TRUE(resumed.resumed);
    EXPECT_NE(resumed.text.find("POST /s 3"), std::string::npos);
    SSL_SESSION_free(first);
    // A keep-alive connection the client leaves after its answer keeps its session too.
    SSL_SESSION* kept = nullptr;
    EXPECT_NE(https_request(server->port(), ctx, nullptr, &kept, true).text.find("POST /s 3"),
              std::string::npos);
    ASSERT_NE(kept, nullptr);
    std::this_thread::sleep_for(100ms);  // the server sees the close
    const HttpsAnswer after_keep_alive = https_request(server->port(), ctx, kept);
    EXPECT_TRUE(after_keep_alive.resumed);
    EXPECT_NE(after_keep_alive.text.find("POST /s 3"), std::string::npos);
    SSL_SESSION_free(kept);
    // The cache holds 2: after two newer sessions, an older one is gone (a full handshake).
    SSL_SESSION* old = nullptr;
    https_request(server->port(), ctx, nullptr, &old);
    ASSERT_NE(old, nullptr);
    for (int k = 0; k < 2; ++k) {
      SSL_SESSION* other = nullptr;
      https_request(server->port(), ctx, nullptr, &other);
      SSL_SESSION_free(other);
    }
    const HttpsAnswer evicted = https_request(server->port(), ctx, old);
    EXPECT_FALSE(evicted.resumed);
    EXPECT_NE(evicted.text.find("POST /s 3"), std::string::npos);
    SSL_SESSION_free(old);
    SSL_CTX_free(ctx);
  }
}

}  // namespace
}  // namespace docaxis::http
