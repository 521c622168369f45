// AdminService, read-only commands about the hub as a whole: info, queues, routes,
// endpoints, peers, stats.
#include <unistd.h>

#include <algorithm>
#include <map>

#include "admin/json_util.hpp"
#include "admin/service.hpp"
#include "edxml/organ_id.hpp"

namespace docaxis::admin {

using nlohmann::json;
using detail::optional_ms;

Result<json> AdminService::hub_info() {
  json read = json::array(), mutate = json::array();
  for (const CommandInfo& c : commands()) (c.access == Access::kRead ? read : mutate).push_back(c.name);
  return json{{"hub", config_.hub.name},
              {"protocol", kProtocolVersion},
              {"pid", ::getpid()},
              {"started_ms", options_.started_ms},
              {"now_ms", now()},
              {"data_dir", config_.hub.data_dir},
              {"audit_dir", config_.resolved_audit_dir()},
              {"store_path", config_.resolved_store_path()},
              {"admin_socket", options_.admin_socket},
              {"commands", {{"read", read}, {"mutate", mutate}}}};
}

namespace {

json queue_row(const store::DestinationStats& s, int64_t now) {
  json j = {{"next_hop", s.next_hop},
            {"waiting", s.waiting},
            {"retrying", s.retrying},
            {"in_flight", s.in_flight},
            {"delivered", s.delivered},
            {"refused", s.refused},
            {"dead", s.dead},
            {"oldest_pending_ms", optional_ms(s.oldest_pending_created_ms)},
            {"oldest_age_ms", s.oldest_pending_created_ms
                                  ? json(now - *s.oldest_pending_created_ms) : json(nullptr)},
            {"next_attempt_ms", optional_ms(s.next_attempt_ms)}};
  return j;
}

}  // namespace

// Every configured inbox and peer appears, with zero counts when nothing is queued; queues
// for destinations no longer configured (a removed endpoint) appear too, marked so.
Result<json> AdminService::queue_list() {
  auto rows = admin_.queue_by_destination();
  if (!rows) return rows.status();
  const int64_t t = now();
  std::map<std::pair<std::string, std::string>, store::DestinationStats> by_key;
  for (auto& r : *rows) by_key[{r.next_hop, r.recipient}] = r;
  json out = json::array();
  auto emit = [&](const std::string& next_hop, const std::string& recipient, bool configured) {
    store::DestinationStats s;
    s.next_hop = next_hop;
    s.recipient = recipient;
    if (auto it = by_key.find({next_hop, recipient}); it != by_key.end()) {
      s = it->second;
      by_key.erase(it);
    }
    json j = queue_row(s, t);
    const bool local = next_hop == store::kLocalHop;
    j["destination"] = local ? "inbox/" + recipient : "peer/" + next_hop;
    j["kind"] = local ? "inbox" : "peer";
    if (local) j["organ"] = recipient;
    j["configured"] = configured;
    j["breaker"] = breaker(next_hop, recipient);
    j["attached"] = attached(next_hop, recipient);
    out.push_back(std::move(j));
  };
  for (const auto& e : config_.endpoints) emit(std::string(store::kLocalHop), e.organ, true);
  for (const auto& p : config_.peers) emit(p.name, "", true);
  auto rest = by_key;  // emit() erases from by_key
  for (const auto& [key, s] : rest) emit(key.first, key.second, false);
  return json{{"now_ms", t}, {"queues", out}};
}

Result<json> AdminService::route_list() {
  json routes = json::array();
  for (const auto& e : config_.endpoints) {
    routes.push_back({{"match", e.organ}, {"kind", "local"}, {"to", "inbox/" + e.organ},
                      {"groups", 4}});
  }
  auto groups = [](const std::string& suffix) {
    std::string s = suffix;
    if (!s.empty() && s.front() == '.') s.erase(0, 1);
    return 1 + static_cast<int>(std::count(s.begin(), s.end(), '.'));
  };
  for (const auto& r : config_.routes) {
    routes.push_back({{"match", r.suffix}, {"kind", "route"}, {"to", "peer/" + r.to},
                      {"groups", groups(r.suffix)}});
  }
  for (const auto& a : config_.routing.authoritative_for) {
    routes.push_back({{"match", a}, {"kind", "authoritative"}, {"to", nullptr},
                      {"groups", groups(a)}});
  }
  if (!config_.routing.default_route.empty()) {
    routes.push_back({{"match", "*"}, {"kind", "default"},
                      {"to", "peer/" + config_.routing.default_route}, {"groups", 0}});
  }
  // Resolution order: local first, then the longest suffix, then the default.
  std::stable_sort(routes.begin(), routes.end(), [](const json& a, const json& b) {
    auto rank = [](const json& r) { return r["kind"] == "local" ? 0 : r["kind"] == "default" ? 2 : 1; };
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return a["groups"].get<int>() > b["groups"].get<int>();
  });
  return json{{"hub", config_.hub.name}, {"max_hops", config_.routing.max_hops}, {"routes", routes}};
}

Result<json> AdminService::endpoint_list() {
  json out = json::array();
  for (const auto& e : config_.endpoints) {
    auto activity = admin_.organ_activity(e.organ);
    if (!activity) return activity.status();
    std::optional<int64_t> seen = activity->last_sent_ms;
    if (activity->last_answered_ms && (!seen || *activity->last_answered_ms > *seen)) {
      seen = activity->last_answered_ms;
    }
    json relaxations = json::array();
    if (e.allow_sha1) relaxations.push_back("legacy-sha1");
    if (e.allow_unsigned) relaxations.push_back("unsigned");
    const std::string binding = !e.cert_sha256.empty()    ? "cert-sha256 " + e.cert_sha256
                                : !e.cert_subject.empty() ? "subject " + e.cert_subject
                                                          : "uid " + e.organ;
    out.push_back({{"organ", e.organ},
                   {"name", e.name},
                   {"binding", binding},
                   {"relaxations", relaxations},
                   {"relaxation_reason", e.relaxation_reason},
                   {"attached", attached(std::string(store::kLocalHop), e.organ)},
                   {"breaker", breaker(std::string(store::kLocalHop), e.organ)},
                   {"last_sent_ms", optional_ms(activity->last_sent_ms)},
                   {"last_answered_ms", optional_ms(activity->last_answered_ms)},
                   {"last_seen_ms", optional_ms(seen)},
                   {"vxp_system", e.vxp_system},
                   {"vxp_last_request_ms",
                    optional_ms(!e.vxp_system.empty() && ports_.vxp_last_request
                                    ? ports_.vxp_last_request(e.vxp_system)
                                    : std::nullopt)}});
  }
  return json{{"now_ms", now()}, {"endpoints", out}};
}

Result<json> AdminService::peer_list() {
  auto rows = admin_.queue_by_destination();
  if (!rows) return rows.status();
  const int64_t t = now();
  json out = json::array();
  for (const auto& p : config_.peers) {
    json routes = json::array();
    for (const auto& r : config_.routes) {
      if (r.to == p.name) routes.push_back(r.suffix);
    }
    store::DestinationStats s;
    for (const auto& r : *rows) {
      if (r.next_hop == p.name) s = r;
    }
    out.push_back({{"name", p.name},
                   {"url", p.url},
                   {"identity", !p.cert_sha256.empty() ? "cert-sha256 " + p.cert_sha256
                                                       : "subject " + p.cert_subject},
                   {"relay_for", p.relay_for},
                   {"routes", routes},
                   {"default_route", config_.routing.default_route == p.name},
                   {"breaker", breaker(p.name, "")},
                   {"link", ports_.peer_link_up ? json(ports_.peer_link_up(p.name) ? "up" : "down")
                                                : json(nullptr)},
                   {"queue", queue_row(s, t)}});
  }
  return json{{"now_ms", t}, {"peers", out}};
}

Result<json> AdminService::stats() {
  const int64_t t = now();
  const double uptime_s = std::max<double>(0.001, static_cast<double>(t - options_.started_ms) / 1000.0);
  json counters = ports_.counters ? ports_.counters() : json::object();
  json rates = json::object();
  for (auto& [group, values] : counters.items()) {
    if (group == "gauges" || !values.is_object()) continue;
    for (auto& [name, v] : values.items()) {
      if (v.is_number()) rates[group + "." + name] = v.get<double>() / uptime_s;
    }
  }
  auto rows = admin_.queue_by_destination();
  if (!rows) return rows.status();
  json queues = {{"waiting", 0}, {"retrying", 0}, {"in_flight", 0}, {"delivered", 0},
                 {"refused", 0}, {"dead", 0}};
  for (const auto& r : *rows) {
    queues["waiting"] = queues["waiting"].get<uint64_t>() + r.waiting;
    queues["retrying"] = queues["retrying"].get<uint64_t>() + r.retrying;
    queues["in_flight"] = queues["in_flight"].get<uint64_t>() + r.in_flight;
    queues["delivered"] = queues["delivered"].get<uint64_t>() + r.delivered;
    queues["refused"] = queues["refused"].get<uint64_t>() + r.refused;
    queues["dead"] = queues["dead"].get<uint64_t>() + r.dead;
  }
  json out{{"hub", config_.hub.name},
           {"started_ms", options_.started_ms},
           {"now_ms", t},
           {"uptime_s", uptime_s},
           {"counters", counters},
           {"rates_per_s", rates},
           {"queues", queues}};
  if (ports_.spool) {
    auto spool = ports_.spool();
    out["spool"] = spool.ok() ? *spool : json{{"error", spool.status().to_string()}};
  }
  return out;
}

}  // namespace docaxis::admin
