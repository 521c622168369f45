#include "agent/agent_config.hpp"

#include <toml++/toml.h>

#include "config/toml_section.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace docaxis::agent {

namespace fs = std::filesystem;

namespace {

using adapters::Section;

void make_absolute(std::string& p, const fs::path& base) {
  if (!p.empty() && fs::path(p).is_relative()) p = (base / p).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();  // "dir/." normalises to "dir/"
}

}  // namespace

LoadedAgentConfig parse_agent_config(const std::string& toml_text, const std::string& source) {
  LoadedAgentConfig out;
  std::optional<toml::table> parsed = adapters::parse_toml(toml_text, source, out.problems);
  if (!parsed) return out;
  const toml::table& root = *parsed;
  AgentConfig& c = out.config;
  auto& p = out.problems;
  Section top(root, "", p);
  if (const toml::table* t = top.table("hub")) {
    Section s(*t, "hub", p);
    s.read("url", c.hub.url);
    s.read("failover_urls", c.hub.failover_urls);
    s.read("server_name", c.hub.server_name);
    s.read("outcome_timeout_seconds", c.hub.outcome_timeout_seconds);
    s.read("connect_timeout_seconds", c.hub.connect_timeout_seconds);
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
    s.read("name", c.organ.name);
    s.finish();
  }
  if (const toml::table* t = top.table("sign")) {
    Section s(*t, "sign", p);
    s.read("enabled", c.sign.enabled);
    s.read("key_file", c.sign.key_file);
    s.read("cert_file", c.sign.cert_file);
    s.read("chain_files", c.sign.chain_files);
    s.finish();
  }
  if (const toml::table* t = top.table("folders")) {
    Section s(*t, "folders", p);
    s.read("root", c.folders.root);
    s.read("outbox", c.folders.outbox);
    s.read("sent", c.folders.sent);
    s.read("failed", c.folders.failed);
    s.read("inbox", c.folders.inbox);
    s.read("receipts", c.folders.receipts);
    s.read("state", c.folders.state);
    s.read("poll_interval_ms", c.folders.poll_interval_ms);
    s.finish();
  }
  if (const toml::table* t = top.table("send")) {
    Section s(*t, "send", p);
    s.read("max_in_flight", c.send.max_in_flight);
    s.read("retry_first_seconds", c.send.retry_first_seconds);
    s.read("retry_max_seconds", c.send.retry_max_seconds);
    s.finish();
  }
  if (const toml::table* t = top.table("receive")) {
    Section s(*t, "receive", p);
    s.read("enabled", c.receive.enabled);
    s.read("status_arrived", c.receive.status_arrived);
    s.read("prefetch", c.receive.prefetch);
    s.read("dedup_days", c.receive.dedup_days);
    s.finish();
  }
  top.finish();
  return out;
}

void resolve_folders(AgentConfig& c, const std::string& base_dir) {
  make_absolute(c.folders.root, base_dir);
  const fs::path root(c.folders.root);
  for (std::string* f : {&c.folders.outbox, &c.folders.sent, &c.folders.failed,
                         &c.folders.inbox, &c.folders.receipts, &c.folders.state}) {
    make_absolute(*f, root);
  }
}

LoadedAgentConfig load_agent_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadedAgentConfig out;
    out.problems.push_back({"", "cannot read config file \"" + path + "\"", 0});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadedAgentConfig out = parse_agent_config(text.str(), path);
  const fs::path base = fs::absolute(path).parent_path();
  AgentConfig& c = out.config;
  for (std::string* f : {&c.tls.cert_file, &c.tls.key_file, &c.tls.trust_file, &c.sign.key_file,
                         &c.sign.cert_file}) {
    make_absolute(*f, base);
  }
  for (std::string& f : c.sign.chain_files) make_absolute(f, base);
  resolve_folders(c, base.string());
  return out;
}

std::vector<ConfigProblem> validate(const AgentConfig& c) {
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
  range("hub.connect_timeout_seconds", c.hub.connect_timeout_seconds, 1, 3600);
  need("tls.cert_file", c.tls.cert_file);
  need("tls.key_file", c.tls.key_file);
  need("tls.trust_file", c.tls.trust_file);
  range("folders.poll_interval_ms", c.folders.poll_interval_ms, 10, 60000);
  range("send.max_in_flight", c.send.max_in_flight, 1, 10000);
  range("send.retry_first_seconds", c.send.retry_first_seconds, 1, 86400);
  range("send.retry_max_seconds", c.send.retry_max_seconds, c.send.retry_first_seconds, 86400);
  range("receive.prefetch", c.receive.prefetch, 1, 10000);
  range("receive.dedup_days", c.receive.dedup_days, 1, 3650);
  return p;
}

}  // namespace docaxis::agent
