// `docaxis queue list`, `route list`, `endpoint list`, `peer list`, `cert list`, `stats`: read-only views
// of the running hub (README.md has the columns and the JSON shapes).
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/hub_connection.hpp"

namespace docaxis::cli {
namespace {

using nlohmann::json;

std::optional<int64_t> ms_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<int64_t>();
}

std::string count(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? std::to_string(j[key].get<uint64_t>()) : "-";
}

std::string yes_no(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return "-";
}

// Runs one read-only command and prints its result as JSON or with `table`.
int query(const HubOptions& o, const std::string& name, const std::string& cmd,
          const std::function<void(const json&)>& table) {
  return with_hub(o, name, [&](admin::AdminClient& c) {
    auto r = c.call(cmd);
    if (!r) return report_error(name, r.status(), o.json);
    if (o.json) print_json(*r);
    else table(*r);
    return kExitOk;
  });
}

void print_queues(const json& r) {
  const int64_t now = r.value("now_ms", int64_t{0});
  Table t({{"DESTINATION"}, {"ATTACHED"}, {"BREAKER"}, {"WAITING", true}, {"RETRYING", true},
           {"IN FLIGHT", true}, {"DEAD", true}, {"OLDEST", true}, {"NEXT ATTEMPT"}});
  for (const json& q : r.at("queues")) {
    std::string dest = q.value("destination", "");
    if (!q.value("configured", true)) dest += " (not configured)";
    t.add({dest, yes_no(q.value("attached", json())), q.value("breaker", "-"), count(q, "waiting"),
           count(q, "retrying"), count(q, "in_flight"), count(q, "dead"),
           human_age(ms_of(q, "oldest_age_ms")), relative_time(ms_of(q, "next_attempt_ms"), now)});
  }
  std::cout << t.render();
}

void print_routes(const json& r) {
  Table t({{"MATCH"}, {"KIND"}, {"TO"}});
  for (const json& x : r.at("routes")) {
    t.add({x.value("match", ""), x.value("kind", ""),
           x["to"].is_string() ? x["to"].get<std::string>() : "(refused: no-route)"});
  }
  std::cout << t.render();
}

void print_endpoints(const json& r) {
  const int64_t now = r.value("now_ms", int64_t{0});
  Table t({{"ORGAN"}, {"NAME"}, {"ATTACHED"}, {"BREAKER"}, {"LAST SEEN"}, {"LAST SENT"},
           {"LAST ANSWER"}, {"RELAXED"}, {"HTTP API"}});
  for (const json& e : r.at("endpoints")) {
    std::string relaxed;
    for (const json& x : e.value("relaxations", json::array())) {
      relaxed += (relaxed.empty() ? "" : ",") + x.get<std::string>();
    }
    t.add({e.value("organ", ""), e.value("name", ""), yes_no(e.value("attached", json())),
           e.value("breaker", "-"), relative_time(ms_of(e, "last_seen_ms"), now),
           relative_time(ms_of(e, "last_sent_ms"), now),
           relative_time(ms_of(e, "last_answered_ms"), now), relaxed.empty() ? "-" : relaxed,
           e.value("vxp_system", "").empty()
               ? std::string("-")
               : e.value("vxp_system", "") + " (" +
                     (ms_of(e, "vxp_last_request_ms")
                          ? relative_time(ms_of(e, "vxp_last_request_ms"), now)
                          : std::string("no request yet")) +
                     ")"});
  }
  std::cout << t.render();
}

// The certificate inventory, soonest expiry first (the hub sorts it).
void print_certs(const json& r) {
  const int64_t warn_days = r.value("warn_days", int64_t{30});
  Table t({{"DAYS LEFT", true}, {"STATE"}, {"ROLE"}, {"NOT AFTER"}, {"SERIAL"}, {"SUBJECT"}});
  for (const json& c : r.at("certificates")) {
    const int64_t days = c.value("days_left", int64_t{0});
    const std::string state = c.value("expired", false) ? "expired"
                              : days < warn_days        ? "expiring"
                                                        : "ok";
    t.add({std::to_string(days), state, c.value("role", ""), iso_time(c.value("not_after_ms", int64_t{0})),
           c.value("serial", ""), c.value("subject", "")});
  }
  if (r.at("certificates").empty()) {
    std::cout << "no certificates\n";
    return;
  }
  std::cout << t.render();
}

void print_peers(const json& r) {
  const int64_t now = r.value("now_ms", int64_t{0});
  Table t({{"PEER"}, {"URL"}, {"ROUTES"}, {"BREAKER"}, {"WAITING", true}, {"RETRYING", true},
           {"DEAD", true}, {"OLDEST", true}, {"NEXT ATTEMPT"}});
  for (const json& p : r.at("peers")) {
    std::string routes;
    for (const json& x : p.value("routes", json::array())) {
      routes += (routes.empty() ? "" : ",") + x.get<std::string>();
    }
    if (p.value("default_route", false)) routes += routes.empty() ? "*" : ",*";
    const json q = p.value("queue", json::object());
    t.add({p.value("name", ""), p.value("url", ""), routes.empty() ? "-" : routes,
           p.value("breaker", "-"), count(q, "waiting"), count(q, "retrying"), count(q, "dead"),
           human_age(ms_of(q, "oldest_age_ms")), relative_time(ms_of(q, "next_attempt_ms"), now)});
  }
  if (t.empty()) {
    std::cout << "no peers configured\n";
    return;
  }
  std::cout << t.render();
}

void print_stats(const json& r) {
  std::cout << "hub " << r.value("hub", "") << ", up "
            << human_duration(static_cast<int64_t>(r.value("uptime_s", 0.0) * 1000)) << " (since "
            << iso_time(r.value("started_ms", int64_t{0})) << ")\n\n";
  const json rates = r.value("rates_per_s", json::object());
  Table t({{"COUNTER"}, {"TOTAL", true}, {"PER SECOND", true}});
  const json counters = r.value("counters", json::object());  // items() must not outlive it
  for (const auto& [group, values] : counters.items()) {
    if (!values.is_object()) continue;
    for (const auto& [name, v] : values.items()) {
      if (!v.is_number()) continue;
      const std::string key = group + "." + name;
      char rate[32] = "-";
      if (rates.contains(key)) std::snprintf(rate, sizeof rate, "%.2f", rates[key].get<double>());
      t.add({key, std::to_string(v.get<uint64_t>()), rate});
    }
    if (group == "ingest") {
      const json by_code = values.value("refused_by_code", json::object());
      for (const auto& [code, n] : by_code.items()) {
        t.add({"ingest.refused[" + code + "]", std::to_string(n.get<uint64_t>()), "-"});
      }
    }
  }
  std::cout << t.render() << "\n";
  Table q({{"QUEUED"}, {"NOW", true}});
  const json queues = r.value("queues", json::object());
  for (const auto& [name, v] : queues.items()) {
    q.add({name, std::to_string(v.get<uint64_t>())});
  }
  std::cout << q.render();
  // The spool on disk and what retention freed (hub/store/README.md, "Retention").
  const json spool = r.value("spool", json::object());
  if (spool.empty()) return;
  std::cout << "\n";
  if (spool.contains("error")) {
    std::cout << "spool: " << spool.value("error", "") << "\n";
    return;
  }
  Table sp({{"SPOOL"}, {"NOW", true}});
  for (const auto& [name, v] : spool.items()) {
    if (!v.is_number()) continue;
    sp.add({name, name == "last_release_ms" ? (v.get<int64_t>() == 0 ? std::string("never")
                                                                      : iso_time(v.get<int64_t>()))
                                            : std::to_string(v.get<uint64_t>())});
  }
  std::cout << sp.render();
}

// One noun with one read-only "list" verb.
Runner list_noun(CLI::App& app, const std::string& noun, const std::string& description,
                 const std::string& verb, const std::string& verb_description,
                 const std::string& cmd, void (*table)(const json&)) {
  Noun n(app, noun, description);
  auto o = std::make_shared<HubOptions>();
  const std::string name = noun + " " + verb;
  add_hub_options(n.verb(verb, verb_description,
                         [o, name, cmd, table] { return query(*o, name, cmd, table); }),
                  *o);
  return n.runner();
}

}  // namespace

Runner add_queue_command(CLI::App& app) {
  return list_noun(app, "queue", "The hub's delivery queues", "list",
                   "Per inbox and per peer: waiting, retrying, in flight, dead, oldest age, "
                   "next attempt, circuit breaker, attached",
                   "queue.list", print_queues);
}

Runner add_route_command(CLI::App& app) {
  return list_noun(app, "route", "The hub's routing table", "list",
                   "Local organs, routes, authoritative suffixes and the default route, in "
                   "resolution order",
                   "route.list", print_routes);
}

Runner add_endpoint_command(CLI::App& app) {
  return list_noun(app, "endpoint", "The organs this hub serves", "list",
                   "Local organs with their binding, relaxations, attached inbox and last seen",
                   "endpoint.list", print_endpoints);
}

Runner add_peer_command(CLI::App& app) {
  return list_noun(app, "peer", "Neighbouring hubs", "list",
                   "Configured peer hubs with their routes and queues", "peer.list", print_peers);
}

Runner add_cert_command(CLI::App& app) {
  return list_noun(app, "cert", "Certificates the hub holds and has seen", "list",
                   "The hub's own certificates, the trust anchors and intermediates, and the "
                   "certificates seen on connections, with days left, soonest expiry first",
                   "cert.list", print_certs);
}

Runner add_stats_command(CLI::App& app) {
  auto o = std::make_shared<HubOptions>();
  CLI::App* cmd = app.add_subcommand("stats", "The hub's counters and rates since it started");
  add_hub_options(cmd, *o);
  return [o] { return query(*o, "stats", "stats", print_stats); };
}

}  // namespace docaxis::cli
