// OpsServer: the operator HTTP endpoint (README.md): health checks, the metrics text, the
// read-only status page and its JSON, on the hub's hardened HTTP server (hub/http). GET only;
// no request body; every answer carries the security headers (README.md, "Headers").
//
// The module knows nothing of the hub's objects: everything it shows comes through the
// callbacks of OpsOptions, which hub/server/application.cpp binds (the admin service's
// read-only commands, the readiness checks, the metrics renderer, the certificate list).
//
// Threads: the HTTP server's thread (`dx-ops`) answers /healthz, /readyz and the page's
// assets itself; /metrics and /status/api/* are queued to one worker thread (`dx-ops-query`),
// which also takes the per-minute samples of the throughput chart (history.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "http/server.hpp"
#include "ops/recent.hpp"

namespace docaxis::ops {

// One readiness condition: `failure` answers why it does not hold (nullopt: it holds). Runs
// on the HTTP thread: must not block (read a flag, a cached measurement). An exception it
// throws counts as a failure.
struct ReadinessCheck {
  std::string name;
  std::function<std::optional<std::string>()> failure;
};

// A certificate the page lists under "certificates about to expire".
struct ExpiringCertificate {
  std::string role;      // "hub", "anchor", "peer:<name>", ...
  std::string subject;   // RFC 2253
  std::int64_t not_after_ms = 0;
  std::string source = {};  // file or connection it was seen on
};

// A read-only admin command (hub/admin/README.md): `cmd` and its `args`, the result object.
using Query = std::function<Result<nlohmann::json>(const std::string& cmd, const nlohmann::json& args)>;

struct OpsOptions {
  http::ServerOptions server;  // address, port, TLS, limits (thread name: "dx-ops")
  std::string hub_name;
  // The Prometheus text for /metrics; empty: an empty body.
  std::function<std::string()> render_metrics;
  // /readyz: every check must pass.
  std::vector<ReadinessCheck> readiness;
  // The admin service's read-only commands; the server calls only queue.list, peer.list,
  // endpoint.list, dlq.list, doc.show and stats. Empty: the API answers `unavailable`.
  Query query;
  // Certificates to list; empty: the page says "no data".
  std::function<std::vector<ExpiringCertificate>()> certificates;
  // The duration histograms the chart shows the latency of, by name, read at each sample and
  // for the period in progress (the hub: "commit", the store's group commits; "verify", the
  // ingest's signature verifications). Empty: the chart has no latency.
  std::function<Latencies()> latencies;
  // Refusals recorded by the ingest (may be null).
  const RecentRefusals* refusals = nullptr;
  // The throughput chart's sample period (a minute; tests shorten it) and its length.
  std::chrono::milliseconds sample_every{60'000};
  std::size_t samples_kept = 60;
  // Answers of the read-only queries except doc.show are kept this long and shared by every
  // client and API path (the page's refresh runs the same queries several times; some walk
  // the whole delivery history); at most half of sample_every. 0: none kept.
  std::chrono::milliseconds query_cache{10'000};
  // Requests queued for the worker beyond this are answered 503.
  std::size_t max_queued = 64;
  std::function<std::int64_t()> clock;  // unix ms; empty: the system clock
};

class OpsServer {
 public:
  // Binds and listens; the http::Server's errors (listen-failed, tls-config).
  static Result<std::unique_ptr<OpsServer>> start(OpsOptions options);
  ~OpsServer();  // stop()
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  std::uint16_t port() const;
  bool tls() const;
  // Stops the HTTP server, then the worker (queued requests are dropped unanswered). Idempotent.
  void stop();

  struct Core;

 private:
  explicit OpsServer(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

}  // namespace docaxis::ops
