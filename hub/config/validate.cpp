#include "config/validate.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "config/rules.hpp"
#include "edxml/organ_id.hpp"
#include "log/log.hpp"

namespace docaxis::config {
namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::size_t kMaxUnixSocketPath = 107;  // sizeof(sockaddr_un::sun_path) - 1

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

class Checker {
 public:
  Checker(ConfigErrors& errors, const ValidateOptions& options)
      : errors_(errors), options_(options) {}

  void add(std::string key, std::string message) {
    errors_.push_back({std::move(key), std::move(message), 0});
  }

  void file(const std::string& key, const std::string& path, bool required) {
    if (path.empty()) {
      if (required) add(key, "is required");
      return;
    }
    if (!options_.check_files) return;
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st)) {
      add(key, "file " + in_quotes(path) + " does not exist");
    } else if (!std::filesystem::is_regular_file(st)) {
      add(key, in_quotes(path) + " is not a regular file");
    }
  }
  void files(const std::string& key, const std::vector<std::string>& paths, bool required) {
    if (required && paths.empty()) add(key, "needs at least one file");
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (paths[i].empty()) add(indexed(key, i), "is an empty path");
      else file(indexed(key, i), paths[i], true);
    }
  }
  void range(const std::string& key, std::int64_t v, std::int64_t lo, std::int64_t hi,
             const char* unit = "") {
    if (v < lo || v > hi) {
      add(key, std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
                   std::to_string(hi) + unit);
    }
  }
  template <typename D>
  void at_least(const std::string& key, D v, D lo) {
    if (v < lo) add(key, std::to_string(v.count()) + " is less than the minimum " +
                             std::to_string(lo.count()));
  }

 private:
  ConfigErrors& errors_;
  const ValidateOptions& options_;
};

// amqps://host[:port] or amqp://host[:port] (host may be [v6]); nothing after the port.
std::string check_url(const std::string& url) {
  std::string rest;
  bool tls = true;
  if (url.rfind("amqps://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("amqp://", 0) == 0) {
    rest = url.substr(7);
    tls = false;
  } else {
    return "URL " + in_quotes(url) + " must start with amqps:// (or amqp:// to a loopback host)";
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host = rest;
  std::string port;
  const std::size_t colon = rest.rfind(':');
  const std::size_t bracket = rest.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return "URL " + in_quotes(url) + " has no host";
  if (host.find_first_of("/?#@") != std::string::npos) {
    return "URL " + in_quotes(url) + " must be scheme://host[:port] with no user, path or query";
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return "URL " + in_quotes(url) + " has port " + in_quotes(port) + ", expected 1..65535";
    }
  }
  if (!tls && !is_loopback_host(host)) {
    return "URL " + in_quotes(url) + " is plaintext to a non-loopback host; use amqps://";
  }
  return "";
}

void check_listeners(const HubConfig& c, Checker& ck) {
  const TlsListener& tls = c.listener.tls;
  if (tls.host.empty()) ck.add("listener.tls.host", "is required");
  ck.range("listener.tls.port", tls.port, 0, 65535);
  ck.file("listener.tls.cert_file", tls.cert_file, true);
  ck.file("listener.tls.key_file", tls.key_file, true);
  ck.file("listener.tls.chain_file", tls.chain_file, false);
  ck.files("listener.tls.client_ca_files", tls.client_ca_files, true);
  ck.files("listener.tls.crl_files", tls.crl_files, false);
}

// [store] backend and its PostgreSQL keys. The conninfo is never quoted back (it might hold a
// password despite the rule below).
void check_store_backend(const Store& s, Checker& ck) {
  if (s.backend == StoreBackend::sqlite) {
    if (!s.postgresql_conninfo.empty()) {
      ck.add("store.postgresql_conninfo", "is only used with store.backend = \"postgresql\"");
    }
    return;
  }
  if (s.postgresql_conninfo.empty()) {
    ck.add("store.postgresql_conninfo",
           "is required with store.backend = \"postgresql\" (a libpq connection string, e.g. "
           "\"host=db1,db2,db3 port=5432 dbname=docaxis user=docaxis "
           "target_session_attrs=read-write connect_timeout=5\")");
  } else {
    std::string lower;
    for (char ch : s.postgresql_conninfo) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    if (lower.find("password") != std::string::npos) {
      ck.add("store.postgresql_conninfo",
             "must not contain a password (configuration files are read by many and logged): "
             "put it in ~/.pgpass or the file PGPASSFILE names, mode 0600");
    }
  }
  if (!s.path.empty()) {
    ck.add("store.path", "is the SQLite file; with store.backend = \"postgresql\" leave it out");
  }
  if (s.node.size() > 64 ||
      s.node.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    ck.add("store.node", "must be at most 64 letters, digits, '.', '_' or '-' (\"\" = the host name)");
  }
}

void check_numbers(const HubConfig& c, Checker& ck) {
  ck.range("limits.max_package_bytes", c.limits.max_package_bytes, 1024, 1024 * kMiB, " bytes");
  ck.range("limits.max_in_flight_per_link", c.limits.max_in_flight_per_link, 1, 100000);
  ck.at_least("limits.delivery_timeout_seconds", c.limits.delivery_timeout, Seconds(1));
  ck.range("limits.verify_workers", c.limits.verify_workers, 1, 64);
  ck.range("limits.max_pending_packages", c.limits.max_pending_packages, 1, 1000000);
  ck.range("limits.max_connections", c.limits.max_connections, 1, 100000);
  ck.range("limits.max_connections_per_address", c.limits.max_connections_per_address, 1, 100000);
  ck.range("limits.handshake_timeout_seconds", c.limits.handshake_timeout.count(), 1, 600);
  ck.range("limits.idle_timeout_seconds", c.limits.idle_timeout.count(), 1, 3600);
  ck.range("limits.max_bytes_in_flight_per_connection",
           c.limits.max_bytes_in_flight_per_connection, c.limits.max_package_bytes,
           16 * 1024 * kMiB, " bytes (at least limits.max_package_bytes)");
  ck.range("limits.max_bytes_in_flight", c.limits.max_bytes_in_flight,
           c.limits.max_bytes_in_flight_per_connection, 64 * 1024 * kMiB,
           " bytes (at least limits.max_bytes_in_flight_per_connection)");
  ck.range("limits.min_free_disk_bytes", c.limits.min_free_disk_bytes, 0,
           std::int64_t{1} << 50, " bytes");
  ck.range("verification.signer_cache_capacity", c.verification.signer_cache_capacity, 0,
           10000000);
  if (c.verification.min_rsa_bits < 2048) {
    ck.add("verification.min_rsa_bits", std::to_string(c.verification.min_rsa_bits) +
                                            " would relax verification: the minimum is 2048");
  } else {
    ck.range("verification.min_rsa_bits", c.verification.min_rsa_bits, 2048, 16384);
  }
  ck.at_least("trust.crl_refresh_seconds", c.trust.crl_refresh, Seconds(1));
  ck.range("trust.crl_fetch_interval_seconds", c.trust.crl_fetch_interval.count(), 1,
           30 * 24 * 3600, " s");
  ck.range("trust.crl_grace_seconds", c.trust.crl_grace.count(), 0, 30 * 24 * 3600, " s");
  ck.range("trust.crl_max_bytes", c.trust.crl_max_bytes, 1024, 1024 * kMiB, " bytes");
  ck.range("trust.crl_fetch_timeout_seconds", c.trust.crl_fetch_timeout.count(), 1, 600, " s");
  if (const std::string& p = c.trust.crl_fetch_proxy;
      !p.empty() && p.rfind("http://", 0) != 0 && p.rfind("https://", 0) != 0 &&
      p.rfind("socks5://", 0) != 0 && p.rfind("socks5h://", 0) != 0) {
    ck.add("trust.crl_fetch_proxy",
           in_quotes(p) + " is not a proxy URL (http://, https://, socks5:// or socks5h://)");
  }
  for (std::size_t i = 0; i < c.trust.crl_fetch_urls.size(); ++i) {
    const std::string& u = c.trust.crl_fetch_urls[i];
    const bool http = u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
    if (!http || u.size() < 9 || u.find_first_of(" \t\r\n") != std::string::npos) {
      ck.add(indexed("trust.crl_fetch_urls", i), in_quotes(u) + " is not an http:// or https:// URL");
    }
  }
  const Retry& r = c.retry;
  ck.at_least("retry.first_retry_seconds", r.first_retry, Seconds(1));
  if (!(r.multiplier >= 1.0 && r.multiplier <= 10.0)) {
    ck.add("retry.multiplier", std::to_string(r.multiplier) + " is out of range 1.0..10.0");
  }
  if (r.max_interval < r.first_retry) {
    ck.add("retry.max_interval_seconds", "is less than retry.first_retry_seconds");
  }
  if (r.deadline < r.max_interval) {
    ck.add("retry.deadline_seconds", "is less than retry.max_interval_seconds");
  }
  if (!(r.jitter >= 0.0 && r.jitter < 1.0)) {
    ck.add("retry.jitter", std::to_string(r.jitter) + " is out of range [0, 1)");
  }
  ck.range("retry.poison_limit", r.poison_limit, 1, 1000);
  ck.at_least("retry.sweeper_interval_seconds", r.sweeper_interval, Seconds(1));
  if (r.in_flight_timeout <= c.limits.delivery_timeout) {
    ck.add("retry.in_flight_timeout_seconds",
           "must be greater than limits.delivery_timeout_seconds (" +
               std::to_string(c.limits.delivery_timeout.count()) +
               "), or the sweeper would take back deliveries still waiting for their outcome");
  }
  ck.range("circuit_breaker.failures_to_open", c.circuit_breaker.failures_to_open, 1, 1000);
  ck.at_least("circuit_breaker.open_seconds", c.circuit_breaker.open_duration, Seconds(1));
  ck.range("store.group_commit_max_batch", c.store.group_commit_max_batch, 1, 100000);
  check_store_backend(c.store, ck);
  constexpr std::int64_t kCentury = 100LL * 366 * 24 * 3600;
  ck.range("certs.warn_days", c.certs.warn_days, 1, 3650);
  ck.range("retention.edoc_seconds", c.retention.edoc.count(), 0, kCentury);
  ck.range("retention.status_seconds", c.retention.status.count(), 0, kCentury);
  ck.range("retention.receipt_seconds", c.retention.receipt.count(), 0, kCentury);
  ck.at_least("retention.interval_seconds", c.retention.interval, Seconds(1));
  ck.range("retention.batch", c.retention.batch, 1, 100000);
  ck.range("audit.checkpoint_every_records", c.audit.checkpoint_every_records, 1, 100000000);
  ck.at_least("audit.checkpoint_every_seconds", c.audit.checkpoint_every, Seconds(1));
  ck.range("routing.max_hops", c.routing.max_hops, 1, 64);
}

// Explicit certificate identity of an endpoint or peer: "sha256:<hex>" or "subject:<dn>".
std::string identity_key(const std::string& sha256, const std::string& subject) {
  if (!sha256.empty()) {
    Result<std::string> n = normalize_sha256(sha256);
    return n.ok() ? "sha256:" + n.value() : "";
  }
  return subject.empty() ? "" : "subject:" + subject;
}

void check_identity(const std::string& key, const std::string& sha256, const std::string& subject,
                    Checker& ck) {
  if (!sha256.empty() && !subject.empty()) {
    ck.add(key + ".cert_subject", "set either cert_sha256 or cert_subject, not both");
  }
  if (!sha256.empty()) {
    if (Result<std::string> n = normalize_sha256(sha256); !n.ok()) {
      ck.add(key + ".cert_sha256", n.status().message());
    }
  }
}

void check_endpoints(const HubConfig& c, Checker& ck, std::map<std::string, std::string>& ids) {
  std::map<std::string, std::string> seen;  // organ -> first key
  for (std::size_t i = 0; i < c.endpoints.size(); ++i) {
    const EndpointConfig& e = c.endpoints[i];
    const std::string key = indexed("endpoints", i);
    if (e.organ.empty()) {
      ck.add(key + ".organ", "is required");
    } else if (Result<edxml::OrganId> id = edxml::OrganId::parse(e.organ); !id.ok()) {
      ck.add(key + ".organ", id.status().message());
    } else if (auto [it, fresh] = seen.emplace(e.organ, key); !fresh) {
      ck.add(key + ".organ", "duplicate endpoint " + e.organ + " (first at " + it->second + ")");
    }
    check_identity(key, e.cert_sha256, e.cert_subject, ck);
    if (const std::string id = identity_key(e.cert_sha256, e.cert_subject); !id.empty()) {
      ids.emplace(id, key);
    }
    if ((e.allow_sha1 || e.allow_unsigned) && e.relaxation_reason.empty()) {
      ck.add(key + ".relaxation_reason",
             "is required when allow_sha1 or allow_unsigned is set (it is recorded in the audit "
             "log and the receipts)");
    }
  }
}

// A system id: printable ASCII without spaces or quotes (it travels in an HTTP header and a
// signed JSON string), 1..64 characters.
bool is_valid_system_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char ch : id) {
    if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') return false;
  }
  return true;
}

void check_vxp(const HubConfig& c, Checker& ck) {
  const Vxp& v = c.vxp;
  std::map<std::string, std::string> systems;  // id -> key
  for (std::size_t i = 0; i < v.systems.size(); ++i) {
    const std::string key = indexed("vxp.systems", i);
    const VxpSystem& sys = v.systems[i];
    if (auto [it, fresh] = systems.emplace(sys.id, key); !fresh) {
      ck.add(key + ".id", "duplicate system " + in_quotes(sys.id) + " (first at " + it->second + ")");
    } else if (!is_valid_system_id(sys.id)) {
      ck.add(key + ".id", in_quotes(sys.id) + " is not a system id (printable ASCII, no spaces or quotes, 1..64)");
    }
    ck.file(key + ".secret_file", sys.secret_file, true);
  }
  ck.file("vxp.directory_file", v.directory_file, false);
  std::set<std::string> used;
  for (std::size_t i = 0; i < c.endpoints.size(); ++i) {
    const std::string& id = c.endpoints[i].vxp_system;
    if (id.empty()) continue;
    if (systems.count(id) == 0) {
      ck.add(indexed("endpoints", i) + ".vxp_system", "no [[vxp.systems]] has id " + in_quotes(id));
    }
    used.insert(id);
  }
  for (const auto& [id, key] : systems) {
    if (used.count(id) == 0) {
      ck.add(key + ".id", "system " + in_quotes(id) + " acts for no organ: name it in the vxp_system of an [[endpoints]] entry");
    }
  }
  if (!v.enabled) return;
  if (v.host.empty()) ck.add("vxp.host", "is required");
  ck.range("vxp.port", v.port, 0, 65535);
  if (!v.path_prefix.empty() &&
      (v.path_prefix.front() != '/' || v.path_prefix.find_first_of("?# \"%") != std::string::npos)) {
    ck.add("vxp.path_prefix", in_quotes(v.path_prefix) + " must start with / and hold no ?, #, %, quote or space");
  }
  ck.range("vxp.max_connections", v.max_connections, 1, 100000);
  ck.range("vxp.max_connections_per_address", v.max_connections_per_address, 1, 100000);
  ck.range("vxp.max_header_bytes", v.max_header_bytes, 1024, 1024 * 1024, " bytes");
  ck.range("vxp.idle_timeout_seconds", v.idle_timeout.count(), 1, 3600);
  ck.range("vxp.request_timeout_seconds", v.request_timeout.count(), 1, 3600);
  ck.range("vxp.tls_session_cache", v.tls_session_cache, 0, 1000000, " sessions");
  if (v.systems.empty()) ck.add("vxp.systems", "the API is enabled but no system may use it");
}

void check_ops(const HubConfig& c, Checker& ck) {
  const Ops& o = c.ops;
  if (!o.enabled) return;
  if (o.host.empty()) ck.add("ops.host", "is required");
  ck.range("ops.port", o.port, 0, 65535);
  if (!o.tls && !o.allow_plain_http && !o.host.empty() && !is_loopback_host(o.host)) {
    ck.add("ops.host", in_quotes(o.host) + " is not a loopback address: set ops.tls = true (HTTPS with the "
                       "listener's certificate), or allow_plain_http = true if a proxy in front of it adds TLS");
  }
  ck.range("ops.max_connections", o.max_connections, 1, 100000);
  ck.range("ops.max_connections_per_address", o.max_connections_per_address, 1, 100000);
  ck.range("ops.max_header_bytes", o.max_header_bytes, 1024, 1024 * 1024, " bytes");
  ck.range("ops.idle_timeout_seconds", o.idle_timeout.count(), 1, 3600);
  ck.range("ops.request_timeout_seconds", o.request_timeout.count(), 1, 3600);
  if (c.vxp.enabled && o.port != 0 && o.port == c.vxp.port && o.host == c.vxp.host) {
    ck.add("ops.port", std::to_string(o.port) + " is the axis HTTP API's port too ([vxp] port)");
  }
}

void check_peers(const HubConfig& c, Checker& ck, const std::map<std::string, std::string>& ids) {
  std::map<std::string, std::string> seen;
  for (std::size_t i = 0; i < c.peers.size(); ++i) {
    const PeerConfig& p = c.peers[i];
    const std::string key = indexed("peers", i);
    if (!is_valid_hub_name(p.name)) {
      ck.add(key + ".name", in_quotes(p.name) + " is not a valid hub name ([a-z0-9._-], 1..63)");
    } else if (p.name == c.hub.name) {
      ck.add(key + ".name", "peer has this hub's own name " + in_quotes(p.name));
    } else if (auto [it, fresh] = seen.emplace(p.name, key); !fresh) {
      ck.add(key + ".name", "duplicate peer " + in_quotes(p.name) + " (first at " + it->second + ")");
    }
    if (p.url.empty()) ck.add(key + ".url", "is required");
    else if (std::string why = check_url(p.url); !why.empty()) ck.add(key + ".url", why);
    if (p.cert_sha256.empty() && p.cert_subject.empty()) {
      ck.add(key, "needs cert_sha256 or cert_subject: a peer hub is identified by its certificate");
    }
    check_identity(key, p.cert_sha256, p.cert_subject, ck);
    const std::string id = identity_key(p.cert_sha256, p.cert_subject);
    if (auto it = ids.find(id); !id.empty() && it != ids.end()) {
      ck.add(key, "has the same certificate identity as " + it->second);
    }
    for (std::size_t j = 0; j < p.relay_for.size(); ++j) {
      if (p.relay_for[j] == "*") continue;
      if (Result<std::string> s = normalize_suffix(p.relay_for[j]); !s.ok()) {
        ck.add(indexed(key + ".relay_for", j), s.status().message() + ", or \"*\"");
      }
    }
    for (std::size_t j = 0; j < p.allow_unsigned_from.size(); ++j) {
      const std::string k = indexed(key + ".allow_unsigned_from", j);
      if (p.allow_unsigned_from[j] == "*") {
        ck.add(k, "\"*\" is not allowed: name the organ suffixes whose unsigned packages this "
                  "peer may relay (no hub accepts unsigned packages from everyone)");
      } else if (Result<std::string> s = normalize_suffix(p.allow_unsigned_from[j]); !s.ok()) {
        ck.add(k, s.status().message());
      }
    }
    if (!p.allow_unsigned_from.empty() && p.relaxation_reason.empty()) {
      ck.add(key + ".relaxation_reason",
             "is required with allow_unsigned_from: it is recorded with every unsigned package");
    }
  }
}

void check_routes(const HubConfig& c, Checker& ck) {
  std::vector<std::string> peer_names;
  for (const PeerConfig& p : c.peers) peer_names.push_back(p.name);
  auto check_peer_ref = [&](const std::string& key, const std::string& name) {
    if (name.empty()) {
      ck.add(key, "is required");
    } else if (std::find(peer_names.begin(), peer_names.end(), name) == peer_names.end()) {
      ck.add(key, "peer " + in_quotes(name) + " is not defined" + suggestion_suffix(name, peer_names));
    }
  };
  std::map<std::string, std::string> seen;  // normalized suffix -> first key
  auto check_suffix = [&](const std::string& key, const std::string& suffix) {
    Result<std::string> s = normalize_suffix(suffix);
    if (!s.ok()) return ck.add(key, s.status().message());
    if (auto [it, fresh] = seen.emplace(s.value(), key); !fresh) {
      ck.add(key, "suffix " + in_quotes(suffix) + " is already used at " + it->second);
    }
  };
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const std::string key = indexed("routes", i);
    check_suffix(key + ".suffix", c.routes[i].suffix);
    check_peer_ref(key + ".to", c.routes[i].to);
  }
  for (std::size_t i = 0; i < c.routing.authoritative_for.size(); ++i) {
    check_suffix(indexed("routing.authoritative_for", i), c.routing.authoritative_for[i]);
  }
  if (!c.routing.default_route.empty()) {
    check_peer_ref("routing.default_route", c.routing.default_route);
  }
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + in_quotes(n);
  return list;
}

void check_log(const LogConfig& c, Checker& ck) {
  auto check_level = [&ck](const std::string& key, const std::string& level) {
    log::Level parsed;
    if (log::parse_level(level, parsed)) return;
    // Names other loggers use (syslog, spdlog) are too far from ours for an edit distance.
    static const std::map<std::string, std::string, std::less<>> kAliases = {
        {"warning", "warn"}, {"err", "error"},    {"critical", "error"},
        {"fatal", "error"},  {"none", "off"},     {"disabled", "off"}};
    std::string hint = suggestion_suffix(level, log::level_names());
    if (auto a = kAliases.find(level); hint.empty() && a != kAliases.end()) {
      hint = " (did you mean " + in_quotes(a->second) + "?)";
    }
    ck.add(key, in_quotes(level) + " is not a log level; one of " +
                    quoted_list(log::level_names()) + hint);
  };
  check_level("log.level", c.level);
  for (const auto& [logger, level] : c.levels) {
    const std::string key = "log.levels." + logger;
    if (!log::is_logger_name(logger)) {
      ck.add(key, "unknown logger " + in_quotes(logger) + "; loggers: " +
                      quoted_list(log::logger_names()) +
                      suggestion_suffix(logger, log::logger_names()));
    }
    check_level(key, level);
  }
}

}  // namespace

log::Settings log_settings(const LogConfig& c) {
  log::Settings s;
  (void)log::parse_level(c.level, s.level);
  for (const auto& [logger, level] : c.levels) {
    log::Level parsed = s.level;
    if (log::parse_level(level, parsed)) s.levels.emplace_back(logger, parsed);
  }
  return s;
}

ConfigErrors validate(const HubConfig& c, const ValidateOptions& options) {
  ConfigErrors errors;
  Checker ck(errors, options);
  if (!is_valid_hub_name(c.hub.name)) {
    ck.add("hub.name", in_quotes(c.hub.name) + " is not a valid hub name ([a-z0-9._-], 1..63)");
  }
  if (c.hub.data_dir.empty()) ck.add("hub.data_dir", "is required");
  check_listeners(c, ck);
  check_numbers(c, ck);
  ck.files("trust.anchor_files", c.trust.anchor_files, true);
  ck.files("trust.intermediate_files", c.trust.intermediate_files, false);
  ck.files("trust.crl_files", c.trust.crl_files, false);
  ck.file("signing.key_file", c.signing.key_file, true);
  ck.file("signing.cert_file", c.signing.cert_file, true);
  ck.file("signing.chain_file", c.signing.chain_file, false);
  std::map<std::string, std::string> endpoint_ids;
  check_endpoints(c, ck, endpoint_ids);
  check_vxp(c, ck);
  check_ops(c, ck);
  check_peers(c, ck, endpoint_ids);
  check_routes(c, ck);
  check_log(c.log, ck);
  if (const std::string sock = c.resolved_admin_socket(); sock.size() > kMaxUnixSocketPath) {
    ck.add("admin.socket", in_quotes(sock) + " is longer than a Unix socket path may be (" +
                               std::to_string(kMaxUnixSocketPath) + " bytes)");
  }
  return errors;
}

}  // namespace docaxis::config
