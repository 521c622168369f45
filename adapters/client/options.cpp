// Option checks and URL parsing: everything create() refuses before any thread starts.
#include <fstream>

#include "client/client_impl.hpp"

namespace docaxis::client::detail {

Result<ParsedUrl> parse_url(const std::string& url) {
  const std::string scheme = "amqps://";
  if (url.rfind(scheme, 0) != 0) {
    return Status{"invalid-argument",
                  "hub URL \"" + url + "\" must start with amqps:// (the hub speaks TLS only)"};
  }
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  ParsedUrl out;
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    out.host = rest;
  } else {
    out.host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Status{"invalid-argument", "hub URL \"" + url + "\": port must be 1..65535"};
    }
    out.port = std::stoi(port);
  }
  if (out.host.empty() || out.host.find_first_of("/@[] ") != std::string::npos) {
    return Status{"invalid-argument", "hub URL \"" + url + "\": expected amqps://HOST[:PORT]"};
  }
  return out;
}

namespace {

Status readable(const std::string& what, const std::string& path) {
  if (path.empty()) return {"invalid-argument", what + " is required"};
  std::ifstream in(path, std::ios::binary);
  if (!in || in.peek() == std::ifstream::traits_type::eof()) {
    return {"file-unreadable", what + " " + path + " cannot be read (or is empty)"};
  }
  return {};
}

}  // namespace

Result<std::vector<ParsedUrl>> parse_urls(const ClientOptions& o) {
  if (o.failover_urls.size() > 15) {
    return Status{"invalid-argument", "at most 15 failover URLs (16 addresses in all)"};
  }
  std::vector<std::string> all{o.url};
  all.insert(all.end(), o.failover_urls.begin(), o.failover_urls.end());
  std::vector<ParsedUrl> out;
  for (const std::string& u : all) {
    auto parsed = parse_url(u);
    if (!parsed) return parsed.status();
    for (const ParsedUrl& earlier : out) {
      if (earlier.text() == parsed->text()) {
        return Status{"invalid-argument", "hub URL \"" + u + "\" is listed twice"};
      }
    }
    out.push_back(std::move(parsed).value());
  }
  return out;
}

Status validate(const ClientOptions& o) {
  if (auto u = parse_urls(o); !u.ok()) return u.status();
  for (const auto& [what, path] : {std::pair{"certificate file", &o.cert_file},
                                   std::pair{"key file", &o.key_file},
                                   std::pair{"trust file", &o.trust_file}}) {
    if (Status s = readable(what, *path); !s.ok()) return s;
  }
  if (o.prefetch < 1 || o.prefetch > 10000) {
    return {"invalid-argument", "prefetch must be 1..10000"};
  }
  if (o.max_in_flight < 1 || o.max_in_flight > 100000) {
    return {"invalid-argument", "max_in_flight must be 1..100000"};
  }
  if (o.outcome_timeout.count() <= 0) {
    return {"invalid-argument", "outcome timeout must be positive"};
  }
  for (const Backoff* b : {&o.reconnect, &o.release_retry}) {
    if (b->initial.count() < 0 || b->max < b->initial || b->multiplier < 1.0 || b->jitter < 0 ||
        b->jitter >= 1.0) {
      return {"invalid-argument",
              "backoff needs 0 <= initial <= max, multiplier >= 1 and jitter in [0, 1)"};
    }
  }
  if (o.idle_timeout.count() < 0) return {"invalid-argument", "idle timeout must be >= 0"};
  if (o.failover_pause.count() < 0 || o.failover_pause > o.reconnect.max) {
    return {"invalid-argument", "failover pause must be 0..reconnect.max"};
  }
  return {};
}

}  // namespace docaxis::client::detail
