// The adapters' strict TOML reading: one section (table) at a time, every key read is known,
// finish() reports any other key as a problem with its line. Shared by docaxis-agent and
// docaxis-rabbit-bridge (hub/config has its own: adapters never link hub internals).
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace docaxis::adapters {

// One problem in a configuration file: key path ("hub.url"; "" for the file itself), what is
// wrong, and the line (0 = not from a line).
struct ConfigProblem {
  std::string key;
  std::string message;
  int line = 0;
};

// Reads one table; every key asked for is known, finish() reports the others.
class Section {
 public:
  Section(const toml::table& t, std::string name, std::vector<ConfigProblem>& problems)
      : t_(t), name_(std::move(name)), problems_(problems) {}

  void read(std::string_view key, std::string& v) {
    if (const toml::node* n = take(key)) {
      if (auto s = n->value_exact<std::string>()) v = *s;
      else wrong_type(key, *n, "a string");
    }
  }
  void read(std::string_view key, bool& v) {
    if (const toml::node* n = take(key)) {
      if (auto b = n->value_exact<bool>()) v = *b;
      else wrong_type(key, *n, "a boolean");
    }
  }
  void read(std::string_view key, std::int64_t& v) {
    if (const toml::node* n = take(key)) {
      if (auto i = n->value_exact<std::int64_t>()) v = *i;
      else wrong_type(key, *n, "an integer");
    }
  }
  void read(std::string_view key, std::vector<std::string>& v) {
    const toml::node* n = take(key);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) return wrong_type(key, *n, "an array of strings");
    std::vector<std::string> items;
    for (const toml::node& item : *a) {
      if (auto s = item.value_exact<std::string>()) items.push_back(*s);
      else return wrong_type(key, item, "an array of strings");
    }
    v = std::move(items);
  }
  const toml::table* table(std::string_view key) {
    const toml::node* n = take(key);
    if (n == nullptr) return nullptr;
    if (const toml::table* t = n->as_table()) return t;
    wrong_type(key, *n, "a table");
    return nullptr;
  }
  void finish() {
    for (auto&& [k, node] : t_) {
      const std::string key(k.str());
      if (known_.count(key) != 0) continue;
      std::string known;
      for (const auto& n : known_) known += (known.empty() ? "" : ", ") + n;
      problems_.push_back({path(key),
                           "unknown key \"" + key + "\"" +
                               (name_.empty() ? " at top level" : " in [" + name_ + "]") +
                               " (known: " + known + ")",
                           line(node)});
    }
  }

 private:
  static int line(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
  std::string path(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }
  const toml::node* take(std::string_view key) {
    known_.insert(std::string(key));
    return t_.get(key);
  }
  void wrong_type(std::string_view key, const toml::node& n, const std::string& expected) {
    problems_.push_back({path(key), "expected " + expected, line(n)});
  }
  const toml::table& t_;
  std::string name_;
  std::vector<ConfigProblem>& problems_;
  std::set<std::string> known_;
};

// [hub] url and failover_urls of an adapter: url required, every address amqps://, at most 15
// failover addresses, none listed twice (reported on its later occurrence).
inline void check_hub_addresses(const std::string& url, const std::vector<std::string>& failover,
                                std::vector<ConfigProblem>& p) {
  if (url.empty()) p.push_back({"hub.url", "is required", 0});
  if (!url.empty() && url.rfind("amqps://", 0) != 0) {
    p.push_back({"hub.url", "must be amqps://HOST[:PORT] (the hub speaks TLS only)", 0});
  }
  if (failover.size() > 15) p.push_back({"hub.failover_urls", "at most 15 (16 hub addresses in all)", 0});
  for (auto it = failover.begin(); it != failover.end(); ++it) {
    if (it->rfind("amqps://", 0) != 0) {
      p.push_back({"hub.failover_urls", "\"" + *it + "\" must be amqps://HOST[:PORT]", 0});
    } else if (*it == url || std::find(failover.begin(), it, *it) != it) {
      p.push_back({"hub.failover_urls", "\"" + *it + "\" is listed twice", 0});
    }
  }
}

// Parses a whole file's text; a syntax error becomes one problem (with its line) and nullopt.
inline std::optional<toml::table> parse_toml(const std::string& text, const std::string& source,
                                             std::vector<ConfigProblem>& problems) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    problems.push_back({"", std::string(e.description()), static_cast<int>(e.source().begin.line)});
    return std::nullopt;
  }
}

}  // namespace docaxis::adapters
