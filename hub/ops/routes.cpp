#include "ops/routes.hpp"

#include <strings.h>

#include <exception>

#include "ops/assets.hpp"

namespace docaxis::ops {

using nlohmann::json;

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

unsigned status_of(const std::string& code) {
  if (code == "not-found") return 404;
  if (code == "invalid-argument" || code == "bad-request") return 400;
  if (code == "overloaded" || code == "unavailable" || code == "store-busy") return 503;
  if (code == "too-large") return 413;
  if (code == "header-too-large") return 431;
  if (code == "request-timeout") return 408;
  if (code == "method-not-allowed") return 405;
  return 500;
}

http::Response text(unsigned status, std::string body) {
  return with_headers({status, "text/plain; charset=utf-8", std::move(body)});
}

}  // namespace

Route route_of(std::string_view method, std::string_view target) {
  Route r;
  if (method != "GET") {
    r.kind = RouteKind::kMethodNotAllowed;
    return r;
  }
  std::string_view path = target;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    r.query = std::string(target.substr(q + 1));
  }
  if (path == "/healthz") {
    r.kind = RouteKind::kHealth;
  } else if (path == "/readyz") {
    r.kind = RouteKind::kReady;
  } else if (path == "/metrics") {
    r.kind = RouteKind::kMetrics;
  } else if (path == "/status" || path == "/status/") {
    r.kind = RouteKind::kPage;
  } else if (starts_with(path, "/status/assets/")) {
    const std::string_view name = path.substr(15);
    // Only a listed name is served (assets.hpp); say not found for anything else.
    if (find_asset(name) != nullptr && name != "status.html") {
      r.kind = RouteKind::kAsset;
      r.rest = std::string(name);
    }
  } else if (starts_with(path, "/status/api/")) {
    const std::string_view name = path.substr(12);
    if (!name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos) {
      r.kind = RouteKind::kApi;
      r.rest = std::string(name);
    }
  }
  return r;
}

http::Response with_headers(http::Response r) {
  r.headers.push_back({"Content-Security-Policy", std::string(kCsp)});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  return r;  // Cache-Control: no-store is set by the http server on every answer
}

http::Response json_response(unsigned status, const json& body) {
  // Non-ASCII as UTF-8 (organ names); invalid UTF-8 in data is replaced, never an exception.
  return with_headers({status, "application/json; charset=utf-8",
                       body.dump(-1, ' ', false, json::error_handler_t::replace)});
}

http::Response error_json(const Status& s) {
  return json_response(status_of(s.code()), json{{"error", {{"code", s.code()}, {"message", s.message()}}}});
}

http::Response readiness(const std::vector<ReadinessCheck>& checks) {
  std::string failing;
  for (const ReadinessCheck& c : checks) {
    std::optional<std::string> why;
    try {
      why = c.failure ? c.failure() : std::nullopt;
    } catch (const std::exception& e) {
      why = std::string("the check failed: ") + e.what();
    } catch (...) {
      why = "the check failed";
    }
    if (why) failing += c.name + ": " + *why + "\n";
  }
  if (failing.empty()) return text(200, "ready\n");
  return text(503, "not ready\n" + failing);
}

http::Response answer_inline(const Route& route) {
  switch (route.kind) {
    case RouteKind::kHealth:
      return text(200, "ok\n");
    case RouteKind::kPage:
    case RouteKind::kAsset: {
      const Asset* a = find_asset(route.kind == RouteKind::kPage ? "status.html" : route.rest);
      if (a == nullptr) return text(404, "not found\n");
      return with_headers({200, std::string(a->content_type), std::string(a->bytes)});
    }
    case RouteKind::kMethodNotAllowed: {
      http::Response r = text(405, "only GET is served\n");
      r.headers.push_back({"Allow", "GET"});
      return r;
    }
    default:
      return text(404, "not found\n");
  }
}

http::Response refusal(std::string_view code, std::string_view detail) {
  return text(status_of(std::string(code)), std::string(code) + ": " + std::string(detail) + "\n");
}

bool host_allowed(std::string_view host, const std::string& configured_host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {  // [IPv6]:port
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = name.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    return name.size() > 2;  // an IPv6 literal
  }
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = name.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    name = name.substr(0, colon);
  }
  if (name.empty()) return false;
  if (name.find_first_not_of("0123456789.") == std::string_view::npos) return true;  // IPv4
  if (name.size() == configured_host.size() &&
      ::strncasecmp(name.data(), configured_host.data(), name.size()) == 0) {
    return true;
  }
  return name.size() == 9 && ::strncasecmp(name.data(), "localhost", 9) == 0;
}

std::optional<http::Response> check_header(const http::Request& head,
                                           const std::string& configured_host) {
  if (head.method != "GET") return answer_inline(Route{RouteKind::kMethodNotAllowed, {}, {}});
  const http::Header* host = nullptr;
  for (const http::Header& h : head.headers) {
    if (::strcasecmp(h.name.c_str(), "Host") == 0) {
      if (host != nullptr) return text(400, "bad-request: more than one Host header\n");
      host = &h;
    }
  }
  if (host == nullptr) return text(400, "bad-request: no Host header\n");
  if (!host_allowed(host->value, configured_host)) {
    return text(421, "misdirected: the Host header does not name this endpoint (an IP address, "
                     "localhost or the configured host)\n");
  }
  for (const http::Header& h : head.headers) {
    const bool length = ::strcasecmp(h.name.c_str(), "Content-Length") == 0;
    const bool chunked = ::strcasecmp(h.name.c_str(), "Transfer-Encoding") == 0;
    if ((length && h.value != "0") || chunked) {
      return text(413, "too-large: no request body is accepted here\n");
    }
  }
  return std::nullopt;
}

}  // namespace docaxis::ops
