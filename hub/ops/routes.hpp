// The operator endpoint's routing and answers that need no worker (README.md, "Routes").
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "http/server.hpp"
#include "ops/ops_server.hpp"

namespace docaxis::ops {

enum class RouteKind {
  kHealth,          // GET /healthz
  kReady,           // GET /readyz
  kMetrics,         // GET /metrics
  kPage,            // GET /status, /status/
  kAsset,           // GET /status/assets/<name>, rest = name
  kApi,             // GET /status/api/<name>, rest = name
  kNotFound,        // anything else
  kMethodNotAllowed // not GET
};

struct Route {
  RouteKind kind = RouteKind::kNotFound;
  std::string rest;   // the asset or API name
  std::string query;  // the raw query string (after '?')
};

// Where a request goes. Only GET; the path is matched exactly, not decoded or normalised
// (so "/status/assets/../x", "%2e%2e" or "//status" are simply not found).
Route route_of(std::string_view method, std::string_view target);

// The headers every answer carries (README.md, "Headers").
http::Response with_headers(http::Response r);
http::Response json_response(unsigned status, const nlohmann::json& body);
// {"error": {"code", "message"}} with the HTTP status of the code.
http::Response error_json(const Status& s);
// 200 "ready" or 503 with one line per failing check: "<name>: <reason>".
http::Response readiness(const std::vector<ReadinessCheck>& checks);
// /healthz, the page, assets, 404 and 405.
http::Response answer_inline(const Route& route);
// The http server's own refusals (too-large, header-too-large, ...), with the same headers.
http::Response refusal(std::string_view code, std::string_view detail);
// Before any body is read: not GET -> 405, a declared body -> 413.
// `configured_host`: [ops] host. Besides the method and the body, the Host header must name
// this endpoint (421 otherwise; 400 when missing): an IP literal, "localhost", or the
// configured host name, with any port. A web page on another site that a browser on the hub's
// machine loads cannot reach the endpoint through a DNS name it controls (DNS rebinding).
std::optional<http::Response> check_header(const http::Request& head,
                                           const std::string& configured_host);
// The Host rule alone (the part before any ":port").
bool host_allowed(std::string_view host_header, const std::string& configured_host);

}  // namespace docaxis::ops
