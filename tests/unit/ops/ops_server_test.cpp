// hub/ops over real sockets on 127.0.0.1: routes, readiness with reasons, refusals (method,
// body, oversize header, paths outside the asset list), the headers every answer carries.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "ops/assets.hpp"
#include "ops/ops_server.hpp"
#include "ops/routes.hpp"

namespace docaxis::ops {
namespace {

using namespace std::chrono_literals;

// Sends `request` on a new connection and reads until the server closes or the answer's
// Content-Length is complete.
std::string roundtrip(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < end) {
    const auto h = got.find("\r\n\r\n");
    if (h != std::string::npos) {
      const auto cl = got.find("Content-Length: ");
      if (cl != std::string::npos && cl < h && got.size() >= h + 4 + std::stoul(got.substr(cl + 16))) break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

std::string get(std::uint16_t port, const std::string& target) {
  return roundtrip(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

unsigned status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return static_cast<unsigned>(std::stoul(response.substr(9, 3)));
}

std::string body_of(const std::string& response) {
  const auto h = response.find("\r\n\r\n");
  return h == std::string::npos ? "" : response.substr(h + 4);
}

bool has_header(const std::string& response, const std::string& line) {
  const std::string head = response.substr(0, response.find("\r\n\r\n"));
  return head.find("\r\n" + line + "\r\n") != std::string::npos ||
         (head.size() >= line.size() + 2 && head.substr(head.size() - line.size()) == line);
}

void expect_security_headers(const std::string& r) {
  EXPECT_TRUE(has_header(r, "Cache-Control: no-store")) << r;
  EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff")) << r;
  EXPECT_TRUE(has_header(r, "X-Frame-Options: DENY")) << r;
  EXPECT_NE(r.find("\r\nContent-Security-Policy: default-src 'self';"), std::string::npos) << r;
  EXPECT_NE(r.find("frame-ancestors 'none'"), std::string::npos) << r;
}

struct Fixture {
  std::atomic<int> queries{0};
  std::unique_ptr<OpsServer> server;

  explicit Fixture(OpsOptions o = {}) {
    o.server.address = "127.0.0.1";
    o.server.port = 0;
    o.server.header_limit = 2048;
    if (!o.query) {
      o.query = [this](const std::string& cmd, const nlohmann::json&) -> Result<nlohmann::json> {
        ++queries;
        if (cmd == "queue.list") return nlohmann::json{{"now_ms", 1}, {"queues", nlohmann::json::array()}};
        return nlohmann::json::object();
      };
    }
    auto s = OpsServer::start(std::move(o));
    if (!s) ADD_FAILURE() << s.status().to_string();
    else server = std::move(*s);
  }
  std::uint16_t port() const { return server->port(); }
};

TEST(OpsRoutes, OnlyExactGetPathsAreRouted) {
  EXPECT_EQ(route_of("GET", "/healthz").kind, RouteKind::kHealth);
  EXPECT_EQ(route_of("GET", "/readyz").kind, RouteKind::kReady);
  EXPECT_EQ(route_of("GET", "/metrics").kind, RouteKind::kMetrics);
  EXPECT_EQ(route_of("GET", "/status").kind, RouteKind::kPage);
  EXPECT_EQ(route_of("GET", "/status/").kind, RouteKind::kPage);
  EXPECT_EQ(route_of("GET", "/status?doc=1").kind, RouteKind::kPage);
  const Route asset = route_of("GET", "/status/assets/status.js");
  EXPECT_EQ(asset.kind, RouteKind::kAsset);
  EXPECT_EQ(asset.rest, "status.js");
  const Route api = route_of("GET", "/status/api/doc?id=a%20b");
  EXPECT_EQ(api.kind, RouteKind::kApi);
  EXPECT_EQ(api.rest, "doc");
  EXPECT_EQ(api.query, "id=a%20b");
  for (const char* t : {"/", "/healthz/", "/HEALTHZ", "//status", "/status/assets/", "/status/assets/x.js",
                        "/status/assets/../status.html", "/status/assets/./status.js",
                        "/status/assets/%2e%2e/status.html", "/status/assets/status.js/..",
                        "/status/assets/status.html", "/status/api/", "/status/api/../x",
                        "/status/api/Queues", "/status/api/doc/1", "/metrics/../healthz", "/etc/passwd",
                        "http://x/healthz", "*"}) {
    EXPECT_EQ(route_of("GET", t).kind, RouteKind::kNotFound) << t;
  }
  for (const char* m : {"POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "TRACE"}) {
    EXPECT_EQ(route_of(m, "/healthz").kind, RouteKind::kMethodNotAllowed) << m;
  }
}

TEST(OpsServer, HealthzAnswersOkWithTheSecurityHeaders) {
  Fixture f;
  const std::string r = get(f.port(), "/healthz");
  EXPECT_EQ(status_of(r), 200u) << r;
  EXPECT_EQ(body_of(r), "ok\n");
  expect_security_headers(r);
}

TEST(OpsServer, ReadyzIs200WhenEveryCheckPassesAnd503NamingEachFailingCheck) {
  std::atomic<bool> disk_low{false};
  OpsOptions o;
  o.readiness = {{"listener", [] { return std::optional<std::string>(); }},
                 {"disk", [&disk_low]() -> std::optional<std::string> {
                    if (disk_low) return "free space on /var/lib/docaxis is 10 bytes, below 100";
                    return std::nullopt;
                  }},
                 {"trust", [] { return std::optional<std::string>(); }}};
  Fixture f(std::move(o));
  std::string r = get(f.port(), "/readyz");
  EXPECT_EQ(status_of(r), 200u) << r;
  EXPECT_EQ(body_of(r), "ready\n");
  expect_security_headers(r);
  disk_low = true;
  r = get(f.port(), "/readyz");
  EXPECT_EQ(status_of(r), 503u) << r;
  EXPECT_EQ(body_of(r), "not ready\ndisk: free space on /var/lib/docaxis is 10 bytes, below 100\n");
  expect_security_headers(r);
}

TEST(OpsServer, AThrowingReadinessCheckCountsAsFailing) {
  OpsOptions o;
  o.readiness = {{"store", []() -> std::optional<std::string> { throw std::runtime_error("boom"); }},
                 {"audit", [] { return std::optional<std::string>("the audit log is closed"); }}};
  Fixture f(std::move(o));
  const std::string r = get(f.port(), "/readyz");
  EXPECT_EQ(status_of(r), 503u) << r;
  EXPECT_EQ(body_of(r), "not ready\nstore: the check failed: boom\naudit: the audit log is closed\n");
}

TEST(OpsServer, UnknownPathsAre404AndOtherMethods405) {
  Fixture f;
  for (const char* t : {"/", "/nope", "/status/assets/../status.html", "/status/assets/%2e%2e%2fstatus.html",
                        "/status/assets/..%2f..%2fetc%2fpasswd", "/status/api/nope", "//healthz"}) {
    const std::string r = get(f.port(), t);
    EXPECT_EQ(status_of(r), 404u) << t << "\n" << r;
    expect_security_headers(r);
  }
  for (const char* m : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS"}) {
    const std::string r =
        roundtrip(f.port(), std::string(m) + " /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(status_of(r), 405u) << m << "\n" << r;
    EXPECT_TRUE(has_header(r, "Allow: GET")) << r;
    expect_security_headers(r);
  }
}

TEST(OpsServer, ARequestBodyIsRefusedUnreadAndTheApiIsNotAsked) {
  OpsOptions o;
  o.sample_every = std::chrono::hours(1);
  Fixture f(std::move(o));
  std::this_thread::sleep_for(100ms);  // the chart's first sample asks the hub
  const int before = f.queries.load();
  std::string r = roundtrip(f.port(),
                           "GET /status/api/queues HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(status_of(r), 413u) << r;
  expect_security_headers(r);
  r = roundtrip(f.port(),
               "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(r), 413u) << r;
  // A POST with a body: its declared length is refused first (413), without a body: 405.
  r = roundtrip(f.port(), "POST /status/api/queues HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(status_of(r), 413u) << r;
  EXPECT_EQ(f.queries.load(), before);
}

// DNS rebinding: a page on another site, loaded by a browser on the hub's machine, reaches
// 127.0.0.1 through a name it controls; the Host header still names that site.
TEST(OpsServer, AHostHeaderThatDoesNotNameTheEndpointIsRefusedAndTheApiIsNotAsked) {
  OpsOptions o;
  o.sample_every = std::chrono::hours(1);
  Fixture f(std::move(o));
  std::this_thread::sleep_for(100ms);  // the chart's first sample asks the hub
  const int before = f.queries.load();
  for (const char* host : {"attacker.example", "attacker.example:9464", "127.0.0.1.attacker.example",
                           "localhost.attacker.example", "[::1", "127.0.0.1:x"}) {
    const std::string r = roundtrip(f.port(), "GET /status/api/queues HTTP/1.1\r\nHost: " +
                                                  std::string(host) + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(r), 421u) << host << "\n" << r;
    expect_security_headers(r);
  }
  std::string r = roundtrip(f.port(), "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 400u) << r;
  r = roundtrip(f.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 400u) << r;
  EXPECT_EQ(f.queries.load(), before);
  for (const char* host : {"127.0.0.1", "127.0.0.1:9464", "localhost:1", "LOCALHOST", "[::1]:9464", "[::1]"}) {
    r = roundtrip(f.port(), "GET /healthz HTTP/1.1\r\nHost: " + std::string(host) +
                                "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(r), 200u) << host << "\n" << r;
  }
  EXPECT_TRUE(host_allowed("ops.hub.gov.vn:9464", "ops.hub.gov.vn"));
  EXPECT_TRUE(host_allowed("OPS.hub.gov.vn", "ops.hub.gov.vn"));
  EXPECT_FALSE(host_allowed("ops.hub.gov.vn.evil", "ops.hub.gov.vn"));
}

TEST(OpsServer, QueryAnswersAreSharedForTheCacheTimeButADocumentSearchIsNot) {
  OpsOptions o;
  o.sample_every = std::chrono::hours(1);
  Fixture f(std::move(o));
  std::this_thread::sleep_for(100ms);  // the chart's first sample asks the hub
  const int before = f.queries.load();
  for (int i = 0; i < 3; ++i) {  // endpoint.list: a query the chart's sampler never makes
    EXPECT_EQ(status_of(get(f.port(), "/status/api/endpoints")), 200u);
  }
  EXPECT_EQ(f.queries.load(), before + 1);
  (void)get(f.port(), "/status/api/doc?id=a");
  (void)get(f.port(), "/status/api/doc?id=a");
  EXPECT_EQ(f.queries.load(), before + 3);
}

// A slow query is kept 20 times what it took, not just query_cache: a page refreshed every
// second against a big spool does not keep its read connection busy.
TEST(OpsServer, ASlowQueryIsKeptTwentyTimesWhatItTook) {
  std::atomic<int> slow{0};
  OpsOptions o;
  o.sample_every = std::chrono::hours(1);
  o.query_cache = 100ms;
  o.query = [&slow](const std::string& cmd, const nlohmann::json&) -> Result<nlohmann::json> {
    if (cmd == "endpoint.list") {
      ++slow;
      std::this_thread::sleep_for(150ms);  // kept 3 s
    }
    return nlohmann::json::object();
  };
  Fixture f(std::move(o));
  EXPECT_EQ(status_of(get(f.port(), "/status/api/endpoints")), 200u);
  std::this_thread::sleep_for(500ms);  // past query_cache, within 20 x 150 ms
  EXPECT_EQ(status_of(get(f.port(), "/status/api/endpoints")), 200u);
  EXPECT_EQ(slow.load(), 1) << "answered again after query_cache although it took 150 ms";
}

TEST(OpsServer, AnOversizeHeaderIsRefused431) {
  Fixture f;
  const std::string r =
      roundtrip(f.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(status_of(r), 431u) << r.substr(0, 200);
  expect_security_headers(r);
}

TEST(OpsServer, MetricsIsEmptyWithoutARendererAndTheRenderersTextWithOne) {
  {
    Fixture f;
    const std::string r = get(f.port(), "/metrics");
    EXPECT_EQ(status_of(r), 200u) << r;
    EXPECT_TRUE(has_header(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8")) << r;
    EXPECT_EQ(body_of(r), "");
    expect_security_headers(r);
  }
  OpsOptions o;
  o.render_metrics = [] { return std::string("# TYPE docaxis_up gauge\ndocaxis_up 1\n"); };
  Fixture f(std::move(o));
  const std::string r = get(f.port(), "/metrics");
  EXPECT_EQ(status_of(r), 200u) << r;
  EXPECT_EQ(body_of(r), "# TYPE docaxis_up gauge\ndocaxis_up 1\n");
}

TEST(OpsServer, ThePageAndItsAssetsComeFromTheBinaryAsUtf8) {
  Fixture f;
  std::string r = get(f.port(), "/status");
  EXPECT_EQ(status_of(r), 200u);
  EXPECT_TRUE(has_header(r, "Content-Type: text/html; charset=utf-8")) << r.substr(0, 400);
  EXPECT_NE(body_of(r).find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(body_of(r).find("/status/assets/status.js"), std::string::npos);
  expect_security_headers(r);
  r = get(f.port(), "/status/assets/status.js");
  EXPECT_EQ(status_of(r), 200u);
  EXPECT_TRUE(has_header(r, "Content-Type: text/javascript; charset=utf-8"));
  EXPECT_EQ(body_of(r), std::string(find_asset("status.js")->bytes));
  r = get(f.port(), "/status/assets/status.css");
  EXPECT_EQ(status_of(r), 200u);
  EXPECT_TRUE(has_header(r, "Content-Type: text/css; charset=utf-8"));
}

// The page renders data only through textContent: no HTML sink, no eval, nothing remote.
TEST(OpsAssets, ThePageHasNoHtmlSinkAndLoadsNothingFromElsewhere) {
  for (const char* name : {"status.html", "status.js", "status.css"}) {
    const Asset* a = find_asset(name);
    ASSERT_NE(a, nullptr) << name;
    const std::string b(a->bytes);
    for (const char* bad : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                            "new Function", "http://", "https://", "//cdn", "@import"}) {
      // The SVG namespace URI is a name, not a fetch.
      std::string rest = b;
      for (std::size_t p; (p = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(p, 26);
      EXPECT_EQ(rest.find(bad), std::string::npos) << name << " contains " << bad;
    }
  }
}

TEST(OpsServer, ApiRequestsBeyondTheQueueAre503) {
  std::atomic<bool> release{false};
  OpsOptions o;
  o.max_queued = 1;
  o.sample_every = std::chrono::hours(1);
  o.query = [&release](const std::string& cmd, const nlohmann::json&) -> Result<nlohmann::json> {
    if (cmd == "peer.list") {
      while (!release) std::this_thread::sleep_for(5ms);
    }
    return nlohmann::json{{"queues", nlohmann::json::array()}};
  };
  Fixture f(std::move(o));
  std::this_thread::sleep_for(100ms);  // the first sample is taken
  std::thread a([&] { (void)get(f.port(), "/status/api/peers"); });  // holds the worker
  std::this_thread::sleep_for(200ms);
  std::thread b([&] { (void)get(f.port(), "/status/api/peers"); });  // queued
  std::this_thread::sleep_for(200ms);
  const std::string r = get(f.port(), "/status/api/peers");
  EXPECT_EQ(status_of(r), 503u) << r;
  EXPECT_NE(body_of(r).find("\"overloaded\""), std::string::npos) << r;
  // The health checks do not wait for the worker.
  EXPECT_EQ(status_of(get(f.port(), "/healthz")), 200u);
  release = true;
  a.join();
  b.join();
}

}  // namespace
}  // namespace docaxis::ops

namespace docaxis::ops {
namespace {

TEST(OpsServer, TheWorkerSamplesTheCountersEveryPeriodForTheChart) {
  std::atomic<std::uint64_t> accepted{0};
  OpsOptions o;
  o.sample_every = std::chrono::milliseconds(50);
  o.query = [&accepted](const std::string& cmd, const nlohmann::json&) -> Result<nlohmann::json> {
    if (cmd == "stats") return nlohmann::json{{"counters", {{"ingest", {{"accepted", accepted += 2}}}}}};
    return nlohmann::json{{"queues", nlohmann::json::array()}};
  };
  Fixture f(std::move(o));
  std::this_thread::sleep_for(400ms);
  const std::string r = get(f.port(), "/status/api/history");
  ASSERT_EQ(status_of(r), 200u) << r;
  const auto j = nlohmann::json::parse(body_of(r));
  ASSERT_GE(j["samples"].size(), 3u) << j.dump();
  EXPECT_EQ(j["samples"][1]["accepted"], 2) << j.dump();
  EXPECT_EQ(j["period_ms"], 50);
}

}  // namespace
}  // namespace docaxis::ops
