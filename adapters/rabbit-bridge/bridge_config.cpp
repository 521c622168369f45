#include "rabbit-bridge/bridge_config.hpp"

#include <toml++/toml.h>

#include "config/toml_section.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace docaxis::rabbit_bridge {

namespace fs = std::filesystem;

namespace {

using adapters::Section;

void make_absolute(std::string& p, const fs::path& base) {
  if (!p.empty() && fs::path(p).is_relative()) p = (base / p).lexically_normal().string();
}

}  // namespace

LoadedBridgeConfig parse_bridge_config(const std::string& toml_text, const std::string& source) {
  LoadedBridgeConfig out;
  std::optional<toml::table> parsed = adapters::parse_toml(toml_text, source, out.problems);
  if (!parsed) return out;
  const toml::table& root = *parsed;
  BridgeConfig& c = out.config;
  auto& p = out.problems;
  Section top(root, "", p);
  if (const toml::table* t = top.table("hub")) {
    Section s(*t, "hub", p);
    s.read("url", c.hub.url);
    s.read("failover_urls", c.hub.failover_urls);
    s.read("server_name", c.hub.server_name);
    s.read("outcome_timeout_seconds", c.hub.outcome_timeout_seconds);
    s.finish();
  }
  if (const toml::table* t = top.table("tls")) {
    Section s(*t, "tls", p);
    s.read("cert_file", c.tls.cert_file);
    s.read("key_file", c.tls.key_file);
    s.read("trust_file", c.tls.trust_file);
    s.finish();
  }
  if (const toml::table* t = top.table("organ")) {
    Section s(*t, "organ", p);
    s.read("id", c.organ.id);
    s.finish();
  }
  if (const toml::table* t = top.table("rabbit")) {
    Section s(*t, "rabbit", p);
    s.read("host", c.rabbit.host);
    s.read("port", c.rabbit.port);
    s.read("vhost", c.rabbit.vhost);
    s.read("user", c.rabbit.user);
    s.read("password", c.rabbit.password);
    s.read("heartbeat_seconds", c.rabbit.heartbeat_seconds);
    s.read("reconnect_max_seconds", c.rabbit.reconnect_max_seconds);
    s.finish();
  }
  if (const toml::table* t = top.table("in")) {
    Section s(*t, "in", p);
    s.read("enabled", c.in.enabled);
    s.read("queue", c.in.queue);
    s.read("prefetch", c.in.prefetch);
    s.read("error_exchange", c.in.error_exchange);
    s.read("error_routing_key", c.in.error_routing_key);
    s.finish();
  }
  if (const toml::table* t = top.table("out")) {
    Section s(*t, "out", p);
    s.read("enabled", c.out.enabled);
    s.read("exchange", c.out.exchange);
    s.read("routing_key", c.out.routing_key);
    s.read("confirm_timeout_seconds", c.out.confirm_timeout_seconds);
    s.read("prefetch", c.out.prefetch);
    s.finish();
  }
  top.finish();
  return out;
}

LoadedBridgeConfig load_bridge_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadedBridgeConfig out;
    out.problems.push_back({"", "cannot read config file \"" + path + "\"", 0});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadedBridgeConfig out = parse_bridge_config(text.str(), path);
  const fs::path base = fs::absolute(path).parent_path();
  BridgeConfig& c = out.config;
  for (std::string* f : {&c.tls.cert_file, &c.tls.key_file, &c.tls.trust_file}) {
    make_absolute(*f, base);
  }
  if (const char* pw = std::getenv("DOCAXIS_RABBIT_PASSWORD")) c.rabbit.password = pw;
  for (auto& problem : validate(c)) out.problems.push_back(std::move(problem));
  return out;
}

std::vector<ConfigProblem> validate(const BridgeConfig& c) {
  std::vector<ConfigProblem> p;
  auto need = [&](const std::string& key, const std::string& v) {
    if (v.empty()) p.push_back({key, "is required", 0});
  };
  auto range = [&](const std::string& key, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi) {
      p.push_back({key, std::to_string(v) + " is outside " + std::to_string(lo) + ".." +
                            std::to_string(hi), 0});
    }
  };
  adapters::check_hub_addresses(c.hub.url, c.hub.failover_urls, p);
  range("hub.outcome_timeout_seconds", c.hub.outcome_timeout_seconds, 1, 86400);
  need("tls.cert_file", c.tls.cert_file);
  need("tls.key_file", c.tls.key_file);
  need("tls.trust_file", c.tls.trust_file);
  need("organ.id", c.organ.id);
  need("rabbit.host", c.rabbit.host);
  range("rabbit.port", c.rabbit.port, 1, 65535);
  range("rabbit.heartbeat_seconds", c.rabbit.heartbeat_seconds, 0, 3600);
  range("rabbit.reconnect_max_seconds", c.rabbit.reconnect_max_seconds, 1, 3600);
  if (!c.in.enabled && !c.out.enabled) {
    p.push_back({"in.enabled", "both directions are disabled: nothing to do", 0});
  }
  if (c.in.enabled) {
    need("in.queue", c.in.queue);
    range("in.prefetch", c.in.prefetch, 1, 10000);
    if (c.in.error_exchange.empty() && c.in.error_routing_key.empty()) {
      p.push_back({"in.error_exchange",
                   "set error_exchange, or error_routing_key (a queue, via the default exchange)",
                   0});
    }
  }
  if (c.out.enabled) {
    if (c.out.exchange.empty() && c.out.routing_key.empty()) {
      p.push_back({"out.exchange",
                   "set exchange, or routing_key (a queue, via the default exchange)", 0});
    }
    range("out.confirm_timeout_seconds", c.out.confirm_timeout_seconds, 1, 3600);
    range("out.prefetch", c.out.prefetch, 1, 10000);
  }
  return p;
}

}  // namespace docaxis::rabbit_bridge
