#include "config/loader.hpp"

#include <toml++/toml.h>

#include <set>
#include <utility>

#include "config/rules.hpp"

namespace docaxis::config {
namespace {

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// Reads one TOML table: every key asked for is "known"; finish() reports the others.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, LoadedConfig& out)
      : table_(table), prefix_(std::move(prefix)), out_(out) {}

  void read(std::string_view key, std::string& v) {
    if (const toml::node* n = take(key)) {
      if (auto s = n->value_exact<std::string>()) v = *s; else type_error(key, *n, "a string");
    }
  }
  void read(std::string_view key, bool& v) {
    if (const toml::node* n = take(key)) {
      if (auto b = n->value_exact<bool>()) v = *b; else type_error(key, *n, "a boolean");
    }
  }
  void read(std::string_view key, std::int64_t& v) {
    if (const toml::node* n = take(key)) {
      if (auto i = n->value_exact<std::int64_t>()) v = *i; else type_error(key, *n, "an integer");
    }
  }
  void read(std::string_view key, double& v) {
    if (const toml::node* n = take(key)) {
      if (n->is_integer() || n->is_floating_point()) v = *n->value<double>();
      else type_error(key, *n, "a number");
    }
  }
  template <typename Rep, typename Period>
  void read(std::string_view key, std::chrono::duration<Rep, Period>& v) {
    std::int64_t count = v.count();
    read(key, count);
    v = std::chrono::duration<Rep, Period>(count);
  }
  void read(std::string_view key, std::vector<std::string>& v) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) return type_error(key, *n, "an array of strings");
    std::vector<std::string> items;
    for (const toml::node& item : *a) {
      if (auto s = item.value_exact<std::string>()) items.push_back(*s);
      else return type_error(key, item, "an array of strings");
    }
    v = std::move(items);
  }
  template <typename E>
  void read_enum(std::string_view key, E& v, const std::vector<std::pair<std::string, E>>& names) {
    std::string text;
    const toml::node* n = table_.get(key);
    read(key, text);
    if (n == nullptr || text.empty()) return;
    std::vector<std::string> allowed;
    for (const auto& [name, value] : names) {
      if (name == text) { v = value; return; }
      allowed.push_back(name);
    }
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "\"" : ", \"") + a + "\"";
    error(key, *n, "\"" + text + "\" is not one of " + list + suggestion_suffix(text, allowed));
  }
  // A sub-table; nullptr when absent (defaults apply) or not a table (error reported).
  const toml::table* table(std::string_view key) {
    const toml::node* n = take(key);
    if (n == nullptr) return nullptr;
    if (const toml::table* t = n->as_table()) return t;
    type_error(key, *n, "a table ([" + path(key) + "])");
    return nullptr;
  }
  // An array of tables ([[key]]); each element is checked to be a table.
  std::vector<const toml::table*> tables(std::string_view key) {
    std::vector<const toml::table*> result;
    const toml::node* n = take(key);
    if (n == nullptr) return result;
    const toml::array* a = n->as_array();
    if (a == nullptr) {
      type_error(key, *n, "an array of tables ([[" + path(key) + "]])");
      return result;
    }
    for (const toml::node& item : *a) {
      out_.key_lines[path(key) + "[" + std::to_string(result.size()) + "]"] = line_of(item);
      if (const toml::table* t = item.as_table()) result.push_back(t);
      else type_error(key, item, "an array of tables ([[" + path(key) + "]])");
    }
    return result;
  }
  void finish(const std::vector<std::pair<std::string, std::string>>& hints = {}) {
    for (auto&& [k, node] : table_) {
      const std::string key(k.str());
      if (known_.count(key) != 0) continue;
      std::string message = "unknown key \"" + key + "\"" +
                            (prefix_.empty() ? std::string(" at top level") : " in " + prefix_);
      bool hinted = false;
      for (const auto& [hinted_key, hint] : hints) {
        if (hinted_key == key) { message += ": " + hint; hinted = true; }
      }
      if (!hinted) {
        message += suggestion_suffix(key, std::vector<std::string>(known_.begin(), known_.end()));
      }
      out_.errors.push_back({path(key), message, line_of(node)});
    }
  }
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

 private:
  const toml::node* take(std::string_view key) {
    known_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) out_.defaulted_keys.push_back(path(key));
    else out_.key_lines[path(key)] = line_of(*n);
    return n;
  }
  void error(std::string_view key, const toml::node& n, std::string message) {
    out_.errors.push_back({path(key), std::move(message), line_of(n)});
  }
  void type_error(std::string_view key, const toml::node& n, const std::string& expected) {
    error(key, n, "expected " + expected + ", got " + type_name(n));
  }

  const toml::table& table_;
  std::string prefix_;
  LoadedConfig& out_;
  std::set<std::string> known_;
};

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

void read_sections(const toml::table& root, LoadedConfig& out) {
  HubConfig& c = out.config;
  TableReader top(root, "", out);
  if (const toml::table* t = top.table("hub")) {
    TableReader r(*t, "hub", out);
    r.read("name", c.hub.name);
    r.read("data_dir", c.hub.data_dir);
    r.finish();
  }
  if (const toml::table* t = top.table("listener")) {
    TableReader r(*t, "listener", out);
    if (const toml::table* tls = r.table("tls")) {
      TableReader l(*tls, "listener.tls", out);
      TlsListener& v = c.listener.tls;
      l.read("host", v.host);
      l.read("port", v.port);
      l.read("cert_file", v.cert_file);
      l.read("key_file", v.key_file);
      l.read("chain_file", v.chain_file);
      l.read("client_ca_files", v.client_ca_files);
      l.read("crl_files", v.crl_files);
      l.finish();
    }
    r.finish();
  }
  if (const toml::table* t = top.table("limits")) {
    TableReader r(*t, "limits", out);
    r.read("max_package_bytes", c.limits.max_package_bytes);
    r.read("max_in_flight_per_link", c.limits.max_in_flight_per_link);
    r.read("delivery_timeout_seconds", c.limits.delivery_timeout);
    r.read("verify_workers", c.limits.verify_workers);
    r.read("max_pending_packages", c.limits.max_pending_packages);
    r.read("max_connections", c.limits.max_connections);
    r.read("max_connections_per_address", c.limits.max_connections_per_address);
    r.read("handshake_timeout_seconds", c.limits.handshake_timeout);
    r.read("idle_timeout_seconds", c.limits.idle_timeout);
    r.read("max_bytes_in_flight", c.limits.max_bytes_in_flight);
    r.read("max_bytes_in_flight_per_connection", c.limits.max_bytes_in_flight_per_connection);
    r.read("min_free_disk_bytes", c.limits.min_free_disk_bytes);
    r.finish();
  }
  if (const toml::table* t = top.table("verification")) {
    TableReader r(*t, "verification", out);
    r.read_enum("engine", c.verification.engine,
                {{"native", VerifyEngine::native}, {"xmlsec", VerifyEngine::xmlsec}});
    r.read("signer_cache_capacity", c.verification.signer_cache_capacity);
    r.read("min_rsa_bits", c.verification.min_rsa_bits);
    const std::string per_endpoint =
        "verification is never relaxed globally; set it on the [[endpoints]] entry that needs it";
    r.finish({{"allow_sha1", per_endpoint}, {"allow_unsigned", per_endpoint},
              {"bind_sender", "binding the signer to From/OrganId cannot be turned off"}});
  }
  if (const toml::table* t = top.table("trust")) {
    TableReader r(*t, "trust", out);
    r.read("anchor_files", c.trust.anchor_files);
    r.read("intermediate_files", c.trust.intermediate_files);
    r.read("crl_files", c.trust.crl_files);
    r.read("crl_refresh_seconds", c.trust.crl_refresh);
    r.read("crl_fetch", c.trust.crl_fetch);
    r.read("crl_fetch_interval_seconds", c.trust.crl_fetch_interval);
    r.read("crl_grace_seconds", c.trust.crl_grace);
    r.read("crl_max_bytes", c.trust.crl_max_bytes);
    r.read("crl_fetch_timeout_seconds", c.trust.crl_fetch_timeout);
    r.read("crl_fetch_proxy", c.trust.crl_fetch_proxy);
    r.read("crl_fetch_urls", c.trust.crl_fetch_urls);
    r.finish();
  }
  if (const toml::table* t = top.table("signing")) {
    TableReader r(*t, "signing", out);
    r.read("key_file", c.signing.key_file);
    r.read("cert_file", c.signing.cert_file);
    r.read("chain_file", c.signing.chain_file);
    r.finish();
  }
  if (const toml::table* t = top.table("certs")) {
    TableReader r(*t, "certs", out);
    r.read("warn_days", c.certs.warn_days);
    r.finish();
  }
  if (const toml::table* t = top.table("retry")) {
    TableReader r(*t, "retry", out);
    r.read("first_retry_seconds", c.retry.first_retry);
    r.read("multiplier", c.retry.multiplier);
    r.read("max_interval_seconds", c.retry.max_interval);
    r.read("deadline_seconds", c.retry.deadline);
    r.read("jitter", c.retry.jitter);
    r.read("poison_limit", c.retry.poison_limit);
    r.read("sweeper_interval_seconds", c.retry.sweeper_interval);
    r.read("in_flight_timeout_seconds", c.retry.in_flight_timeout);
    r.finish();
  }
  if (const toml::table* t = top.table("circuit_breaker")) {
    TableReader r(*t, "circuit_breaker", out);
    r.read("failures_to_open", c.circuit_breaker.failures_to_open);
    r.read("open_seconds", c.circuit_breaker.open_duration);
    r.finish();
  }
  if (const toml::table* t = top.table("store")) {
    TableReader r(*t, "store", out);
    r.read_enum("backend", c.store.backend,
                {{"sqlite", StoreBackend::sqlite}, {"postgresql", StoreBackend::postgresql}});
    r.read("postgresql_conninfo", c.store.postgresql_conninfo);
    r.read("node", c.store.node);
    r.read("require_synchronous_standby", c.store.require_synchronous_standby);
    r.read("path", c.store.path);
    r.read_enum("fsync", c.store.fsync, {{"full", FsyncMode::full}, {"normal", FsyncMode::normal}});
    r.read_enum("check_on_open", c.store.check_on_open,
                {{"quick", OpenCheck::quick}, {"full", OpenCheck::full}, {"none", OpenCheck::none}});
    r.read("group_commit_max_batch", c.store.group_commit_max_batch);
    r.finish();
  }
  if (const toml::table* t = top.table("retention")) {
    TableReader r(*t, "retention", out);
    r.read("edoc_seconds", c.retention.edoc);
    r.read("status_seconds", c.retention.status);
    r.read("receipt_seconds", c.retention.receipt);
    r.read("interval_seconds", c.retention.interval);
    r.read("batch", c.retention.batch);
    r.finish();
  }
  if (const toml::table* t = top.table("audit")) {
    TableReader r(*t, "audit", out);
    r.read("dir", c.audit.dir);
    r.read("checkpoint_every_records", c.audit.checkpoint_every_records);
    r.read("checkpoint_every_seconds", c.audit.checkpoint_every);
    r.finish();
  }
  const std::vector<const toml::table*> endpoints = top.tables("endpoints");
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    TableReader r(*endpoints[i], indexed("endpoints", i), out);
    EndpointConfig e;
    r.read("organ", e.organ);
    r.read("name", e.name);
    r.read("cert_sha256", e.cert_sha256);
    r.read("cert_subject", e.cert_subject);
    r.read("allow_sha1", e.allow_sha1);
    r.read("allow_unsigned", e.allow_unsigned);
    r.read("relaxation_reason", e.relaxation_reason);
    r.read("vxp_system", e.vxp_system);
    r.finish();
    c.endpoints.push_back(std::move(e));
  }
  const std::vector<const toml::table*> peers = top.tables("peers");
  for (std::size_t i = 0; i < peers.size(); ++i) {
    TableReader r(*peers[i], indexed("peers", i), out);
    PeerConfig p;
    r.read("name", p.name);
    r.read("url", p.url);
    r.read("server_name", p.server_name);
    r.read("cert_sha256", p.cert_sha256);
    r.read("cert_subject", p.cert_subject);
    r.read("relay_for", p.relay_for);
    r.read("allow_unsigned_from", p.allow_unsigned_from);
    r.read("relaxation_reason", p.relaxation_reason);
    r.finish();
    c.peers.push_back(std::move(p));
  }
  const std::vector<const toml::table*> routes = top.tables("routes");
  for (std::size_t i = 0; i < routes.size(); ++i) {
    TableReader r(*routes[i], indexed("routes", i), out);
    RouteConfig rc;
    r.read("suffix", rc.suffix);
    r.read("to", rc.to);
    r.finish();
    c.routes.push_back(std::move(rc));
  }
  if (const toml::table* t = top.table("routing")) {
    TableReader r(*t, "routing", out);
    r.read("default_route", c.routing.default_route);
    r.read("authoritative_for", c.routing.authoritative_for);
    r.read("max_hops", c.routing.max_hops);
    r.finish();
  }
  if (const toml::table* t = top.table("vxp")) {
    TableReader r(*t, "vxp", out);
    Vxp& v = c.vxp;
    r.read("enabled", v.enabled);
    r.read("host", v.host);
    r.read("port", v.port);
    r.read("path_prefix", v.path_prefix);
    r.read("plain_http", v.plain_http);
    r.read("max_connections", v.max_connections);
    r.read("max_connections_per_address", v.max_connections_per_address);
    r.read("max_header_bytes", v.max_header_bytes);
    r.read("idle_timeout_seconds", v.idle_timeout);
    r.read("request_timeout_seconds", v.request_timeout);
    r.read("tls_session_cache", v.tls_session_cache);
    r.read("directory_file", v.directory_file);
    const std::vector<const toml::table*> systems = r.tables("systems");
    for (std::size_t i = 0; i < systems.size(); ++i) {
      TableReader sr(*systems[i], indexed("vxp.systems", i), out);
      VxpSystem sys;
      sr.read("id", sys.id);
      sr.read("secret_file", sys.secret_file);
      sr.read("admin", sys.admin);
      sr.finish({{"secret", "the secret is never written in the configuration: put it alone in a "
                            "file only the hub's user may read (0600) and name it in secret_file"}});
      v.systems.push_back(std::move(sys));
    }
    r.finish();
  }
  if (const toml::table* t = top.table("ops")) {
    TableReader r(*t, "ops", out);
    Ops& o = c.ops;
    r.read("enabled", o.enabled);
    r.read("host", o.host);
    r.read("port", o.port);
    r.read("tls", o.tls);
    r.read("allow_plain_http", o.allow_plain_http);
    r.read("max_connections", o.max_connections);
    r.read("max_connections_per_address", o.max_connections_per_address);
    r.read("max_header_bytes", o.max_header_bytes);
    r.read("idle_timeout_seconds", o.idle_timeout);
    r.read("request_timeout_seconds", o.request_timeout);
    r.finish();
  }
  if (const toml::table* t = top.table("admin")) {
    TableReader r(*t, "admin", out);
    r.read("socket", c.admin.socket);
    r.finish();
  }
  if (const toml::table* t = top.table("log")) {
    TableReader r(*t, "log", out);
    r.read("level", c.log.level);
    if (const toml::table* levels = r.table("levels")) {
      // Any key is a logger name here; validate() checks names and levels.
      for (auto&& [k, node] : *levels) {
        const std::string key = "log.levels." + std::string(k.str());
        out.key_lines[key] = line_of(node);
        if (auto s = node.value_exact<std::string>()) {
          c.log.levels.emplace_back(std::string(k.str()), *s);
        } else {
          out.errors.push_back(
              {key, std::string("expected a string (a level), got ") + type_name(node),
               line_of(node)});
        }
      }
    }
    r.finish();
  }
  top.finish();
}

}  // namespace

LoadedConfig parse_config(std::string_view toml_text, std::string_view source_name) {
  LoadedConfig out;
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    read_sections(root, out);
  } catch (const toml::parse_error& e) {
    out.errors.push_back({"", "TOML syntax error: " + std::string(e.description()),
                          static_cast<int>(e.source().begin.line)});
  }
  return out;
}

}  // namespace docaxis::config
