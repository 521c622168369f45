#include "ops/api.hpp"

#include <algorithm>
#include <cmath>

namespace docaxis::ops {

using nlohmann::json;

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Copies the listed keys of `from` that exist.
json pick(const json& from, std::initializer_list<const char*> keys) {
  json out = json::object();
  if (!from.is_object()) return out;
  for (const char* k : keys) {
    if (auto it = from.find(k); it != from.end()) out[k] = *it;
  }
  return out;
}

json pick_each(const json& from, std::initializer_list<const char*> keys) {
  json out = json::array();
  if (!from.is_array()) return out;
  for (const json& e : from) out.push_back(pick(e, keys));
  return out;
}

#define DELIVERY_KEYS "id", "seq", "recipient", "next_hop", "state", "attempts", "unanswered", \
                      "next_attempt_ms", "last_error", "created_ms", "updated_ms"

std::uint64_t u64(const json& j, const char* group, const char* key) {
  const json* g = &j;
  if (group != nullptr) {
    auto it = j.find(group);
    if (it == j.end() || !it->is_object()) return 0;
    g = &*it;
  }
  auto it = g->find(key);
  return it != g->end() && it->is_number_unsigned() ? it->get<std::uint64_t>()
         : it != g->end() && it->is_number_integer() ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()))
                                                      : 0;
}

Result<json> ask(const ApiContext& ctx, const std::string& cmd, const json& args = json::object()) {
  if (!ctx.options.query) return Status("unavailable", "the hub's queries are not wired");
  return ctx.options.query(cmd, args);
}

// {name: {count, p50_ms, p95_ms}}, milliseconds to the microsecond; null when none observed.
json latency_json(const std::map<std::string, LatencyFigure>& figures) {
  json out = json::object();
  auto ms = [](const std::optional<double>& s) -> json {
    if (!s) return nullptr;
    return std::round(*s * 1e6) / 1e3;
  };
  for (const auto& [name, f] : figures) {
    out[name] = {{"count", f.count}, {"p50_ms", ms(f.p50)}, {"p95_ms", ms(f.p95)}};
  }
  return out;
}

json totals_json(const Totals& t) {
  return {{"accepted", t.accepted}, {"refused", t.refused}, {"delivered", t.delivered}, {"dead", t.dead}};
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%') {
        if (i + 2 >= raw.size()) return std::nullopt;
        const int h = hex(raw[i + 1]), l = hex(raw[i + 2]);
        if (h < 0 || l < 0) return std::nullopt;
        out += static_cast<char>(h * 16 + l);
        i += 2;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

json strip_package(const json& p) {
  json out = pick(p, {"seq", "message_type", "document_id", "from", "from_endpoint", "size",
                      "sha256", "received_ms", "bytes_released_ms", "relaxations"});
  if (auto it = p.find("signature"); it != p.end()) out["signature"] = pick(*it, {"signed", "signer", "verdict"});
  if (auto it = p.find("hops"); it != p.end()) out["hops"] = pick_each(*it, {"hub", "arrived_ms"});
  if (auto it = p.find("deliveries"); it != p.end()) {
    out["deliveries"] = pick_each(*it, {DELIVERY_KEYS, "breaker", "attached"});
  }
  if (auto it = p.find("retired_deliveries"); it != p.end()) {
    out["retired_deliveries"] = pick_each(*it, {DELIVERY_KEYS, "retired_ms", "retired_by", "replaced_by"});
  }
  if (auto it = p.find("attempts"); it != p.end()) {
    out["attempts"] = pick_each(*it, {"delivery", "recipient", "attempt", "started_ms", "ended_ms",
                                      "result", "error", "no_outcome"});
  }
  if (auto it = p.find("receipts"); it != p.end()) {
    out["receipts"] = pick_each(*it, {"receipt_id", "seq", "delivery", "issued_ms", "outcome",
                                      "recipient", "reason", "state"});
  }
  if (auto it = p.find("content"); it != p.end() && it->is_object()) {
    // Only whether the bytes are still here; never what they say.
    if (it->contains("released")) out["bytes"] = "released";
    else if (it->contains("error")) out["bytes"] = "unreadable";
    else out["bytes"] = "held";
  }
  return out;
}

Totals totals_of(const json& stats) {
  const json& c = stats.contains("counters") ? stats["counters"] : json::object();
  return {u64(c, "ingest", "accepted"), u64(c, "ingest", "refused"), u64(c, "delivery", "delivered"),
          u64(c, "delivery", "dead")};
}

std::int64_t oldest_age_of(const json& queues) {
  std::int64_t oldest = 0;
  if (!queues.contains("queues") || !queues["queues"].is_array()) return 0;
  for (const json& q : queues["queues"]) {
    auto it = q.find("oldest_age_ms");
    if (it != q.end() && it->is_number_integer()) oldest = std::max(oldest, it->get<std::int64_t>());
  }
  return oldest;
}

Result<json> api_answer(std::string_view name, std::string_view query, const ApiContext& ctx) {
  if (name == "summary") {
    auto s = ask(ctx, "stats");
    if (!s) return s.status();
    return json{{"hub", ctx.options.hub_name}, {"now_ms", ctx.now_ms},
                {"started_ms", s->value("started_ms", json(nullptr))},
                {"uptime_s", s->value("uptime_s", json(nullptr))},
                {"queues", s->value("queues", json::object())}};
  }
  if (name == "queues") {
    auto q = ask(ctx, "queue.list");
    if (!q) return q.status();
    return json{{"now_ms", q->value("now_ms", ctx.now_ms)},
                {"queues", pick_each(q->value("queues", json::array()),
                                     {"destination", "kind", "organ", "next_hop", "configured", "waiting",
                                      "retrying", "in_flight", "delivered", "refused", "dead",
                                      "oldest_pending_ms", "oldest_age_ms", "next_attempt_ms", "breaker",
                                      "attached"})}};
  }
  if (name == "peers") {
    auto p = ask(ctx, "peer.list");
    if (!p) return p.status();
    return json{{"now_ms", p->value("now_ms", ctx.now_ms)},
                {"peers", pick_each(p->value("peers", json::array()), {"name", "url", "breaker", "link"})}};
  }
  if (name == "endpoints") {
    auto e = ask(ctx, "endpoint.list");
    if (!e) return e.status();
    return json{{"now_ms", e->value("now_ms", ctx.now_ms)},
                {"endpoints", pick_each(e->value("endpoints", json::array()),
                                        {"organ", "name", "attached", "breaker", "last_sent_ms",
                                         "last_answered_ms", "last_seen_ms"})}};
  }
  if (name == "dead") {
    auto d = ask(ctx, "dlq.list", json{{"limit", 50}});
    if (!d) return d.status();
    return json{{"now_ms", d->value("now_ms", ctx.now_ms)}, {"total", d->value("total", 0)},
                {"dead", pick_each(d->value("dead", json::array()),
                                   {DELIVERY_KEYS, "document_id", "message_type", "from", "size",
                                    "received_ms"})}};
  }
  if (name == "refusals") {
    json recent = json::array();
    if (ctx.options.refusals != nullptr) {
      for (const Refusal& r : ctx.options.refusals->newest_first()) {
        recent.push_back({{"at_ms", r.at_ms}, {"code", r.code}, {"reason", r.reason},
                          {"document_id", r.document_id}, {"organ", r.organ}, {"from", r.from},
                          {"size", r.size}});
      }
    }
    json by_code = json::object();
    if (auto s = ask(ctx, "stats"); s.ok()) {
      const json& c = s->value("counters", json::object());
      if (c.contains("ingest") && c["ingest"].contains("refused_by_code")) by_code = c["ingest"]["refused_by_code"];
    }
    return json{{"now_ms", ctx.now_ms}, {"recent", recent}, {"by_code", by_code}};
  }
  if (name == "history") {
    json samples = json::array();
    for (const Sample& s : ctx.history.samples()) {
      json j = totals_json(s.gained);
      j["end_ms"] = s.end_ms;
      j["oldest_age_ms"] = s.oldest_age_ms;
      j["latency"] = latency_json(s.latency);
      samples.push_back(std::move(j));
    }
    json current = nullptr;
    if (ctx.history.has_baseline()) {
      if (auto s = ask(ctx, "stats"); s.ok()) {
        current = totals_json(ctx.history.since_last(totals_of(*s)));
        current["since_ms"] = ctx.history.last_ms();
        current["latency"] = latency_json(ctx.history.latency_since_last(
            ctx.options.latencies ? ctx.options.latencies() : Latencies{}));
      }
    }
    return json{{"now_ms", ctx.now_ms},
                {"period_ms", ctx.options.sample_every.count()},
                {"samples", samples},
                {"current", current}};
  }
  if (name == "certificates") {
    if (!ctx.options.certificates) return json{{"now_ms", ctx.now_ms}, {"available", false}};
    json list = json::array();
    for (const ExpiringCertificate& c : ctx.options.certificates()) {
      list.push_back({{"role", c.role}, {"subject", c.subject}, {"not_after_ms", c.not_after_ms},
                      {"days_left", (c.not_after_ms - ctx.now_ms) / 86'400'000}, {"source", c.source}});
    }
    return json{{"now_ms", ctx.now_ms}, {"available", true}, {"certificates", list}};
  }
  if (name == "doc") {
    const auto id = query_param(query, "id");
    if (!id || id->empty()) return Status("invalid-argument", "give the document id or seq as ?id=");
    if (id->size() > 256) return Status("invalid-argument", "a document reference is at most 256 bytes");
    auto d = ask(ctx, "doc.show", json{{"ref", *id}});
    if (!d) return d.status();
    json packages = json::array();
    for (const json& p : d->value("packages", json::array())) packages.push_back(strip_package(p));
    return json{{"now_ms", d->value("now_ms", ctx.now_ms)}, {"packages", packages}};
  }
  return Status("not-found", "no such API path");
}

}  // namespace docaxis::ops
