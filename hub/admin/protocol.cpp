#include "admin/protocol.hpp"


namespace docaxis::admin {
namespace {

using nlohmann::json;

constexpr CommandInfo kCommands[] = {
    {"hub.info", Access::kRead, "hub name, paths, protocol version, start time"},
    {"queue.list", Access::kRead, "per inbox and per peer: counts, ages, breaker, attached"},
    {"doc.list", Access::kRead, "deliveries with their documents, filtered, newest first"},
    {"doc.show", Access::kRead, "one document: metadata, route, deliveries, attempts, receipts"},
    {"dlq.list", Access::kRead, "dead letters, filtered (or their count, or their ids)"},
    {"route.list", Access::kRead, "local organs, routes, authoritative suffixes, default"},
    {"endpoint.list", Access::kRead, "local organs: binding, relaxations, attached, last seen"},
    {"peer.list", Access::kRead, "configured peer hubs with their queues"},
    {"stats", Access::kRead, "counters since start and rates"},
    {"cert.list", Access::kRead, "certificate inventory with expiry, soonest first"},
    {"doc.retry", Access::kMutate, "retry a document's undelivered deliveries now"},
    {"dlq.retry", Access::kMutate, "retry dead letters (of a document, or by delivery id)"},
    {"dlq.purge", Access::kMutate, "delete dead letters older than a cutoff"},
};

Status bad(const std::string& message) { return Status("bad-request", message); }

}  // namespace

std::span<const CommandInfo> commands() { return kCommands; }

const CommandInfo* find_command(std::string_view name) {
  for (const CommandInfo& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<Request> parse_request(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("request is not JSON");
  if (!j.is_object()) return bad("request is not a JSON object");
  if (j.contains("v") && j["v"] != kProtocolVersion) {
    return bad("unsupported protocol version " +
               j["v"].dump(-1, ' ', false, json::error_handler_t::replace) +
               " (this hub speaks " + std::to_string(kProtocolVersion) + ")");
  }
  if (!j.contains("cmd") || !j["cmd"].is_string()) return bad("\"cmd\" must be a string");
  Request r;
  r.cmd = j["cmd"].get<std::string>();
  if (j.contains("args")) {
    if (!j["args"].is_object()) return bad("\"args\" must be an object");
    r.args = j["args"];
  }
  if (j.contains("who")) {
    if (!j["who"].is_string()) return bad("\"who\" must be a string");
    r.who = j["who"].get<std::string>();
  }
  if (j.contains("mutate")) {
    if (!j["mutate"].is_boolean()) return bad("\"mutate\" must be true or false");
    r.mutate = j["mutate"].get<bool>();
  }
  const CommandInfo* c = find_command(r.cmd);
  if (c == nullptr) return Status("unknown-command", "no command \"" + r.cmd + "\"");
  if (c->access == Access::kMutate && !r.mutate) {
    return Status("mutation-not-declared",
                  r.cmd + " changes the hub: the request must say \"mutate\": true");
  }
  if (c->access == Access::kRead && r.mutate) {
    return Status("not-mutating", r.cmd + " is read-only: send it with \"mutate\": false");
  }
  return r;
}

std::string encode_request(const Request& r) {
  json j = {{"v", kProtocolVersion}, {"cmd", r.cmd}, {"args", r.args}, {"who", r.who},
            {"mutate", r.mutate}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_ok(const json& result) {
  json j = {{"v", kProtocolVersion}, {"ok", true}, {"result", result}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_error(const Status& error) {
  json j = {{"v", kProtocolVersion},
            {"ok", false},
            {"error", {{"code", error.code()}, {"message", error.message()}}}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Response> parse_response(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    return Status("bad-response", "the hub's answer is not an admin protocol response");
  }
  Response r;
  r.ok = j["ok"].get<bool>();
  if (r.ok) {
    r.result = j.contains("result") ? j["result"] : json();
    return r;
  }
  const json e = j.value("error", json::object());
  if (!e.is_object() || !e.contains("code") || !e["code"].is_string()) {
    return Status("bad-response", "error response without a code");
  }
  r.error = Status(e["code"].get<std::string>(),
                   e.contains("message") && e["message"].is_string()
                       ? e["message"].get<std::string>() : std::string());
  return r;
}

}  // namespace docaxis::admin
