#include "admin/json_util.hpp"

namespace docaxis::admin::detail {
namespace {

Status wrong(const char* name, const char* expected) {
  return Status("invalid-argument", std::string("argument \"") + name + "\" must be " + expected);
}

}  // namespace

Result<std::optional<std::string>> opt_string(const json& args, const char* name) {
  if (!args.contains(name) || args[name].is_null()) return std::optional<std::string>();
  if (!args[name].is_string()) return wrong(name, "a string");
  return std::optional<std::string>(args[name].get<std::string>());
}

Result<std::optional<int64_t>> opt_int(const json& args, const char* name) {
  if (!args.contains(name) || args[name].is_null()) return std::optional<int64_t>();
  if (!args[name].is_number_integer()) return wrong(name, "an integer");
  return std::optional<int64_t>(args[name].get<int64_t>());
}

Result<bool> opt_bool(const json& args, const char* name) {
  if (!args.contains(name) || args[name].is_null()) return false;
  if (!args[name].is_boolean()) return wrong(name, "true or false");
  return args[name].get<bool>();
}

Result<std::vector<uint64_t>> opt_ids(const json& args, const char* name) {
  std::vector<uint64_t> out;
  if (!args.contains(name) || args[name].is_null()) return out;
  if (!args[name].is_array()) return wrong(name, "an array of delivery ids");
  for (const json& v : args[name]) {
    if (!v.is_number_unsigned()) return wrong(name, "an array of delivery ids");
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

Status apply_state(const std::string& state, store::DeliveryFilter& f) {
  using S = store::DeliveryState;
  if (state == "all") return Status();
  if (state == "retrying") {
    f.states = {S::kWaiting};
    f.attempted = true;
  } else if (state == "pending") {
    f.states = {S::kWaiting, S::kInFlight};
  } else if (state == "failed") {
    f.states = {S::kRefused, S::kDead};
  } else if (auto s = store::parse_delivery_state(state)) {
    f.states = {*s};
  } else {
    return Status("invalid-argument",
                  "unknown state \"" + state +
                      "\" (waiting, retrying, in_flight, delivered, refused, dead, pending, "
                      "failed, all)");
  }
  return Status();
}

json optional_ms(const std::optional<int64_t>& ms) { return ms ? json(*ms) : json(nullptr); }

json delivery_json(const store::Delivery& d) {
  return {{"id", d.id},
          {"seq", d.seq},
          {"recipient", d.recipient},
          {"next_hop", d.next_hop},
          {"state", std::string(store::to_string(d.state))},
          {"attempts", d.attempts},
          {"unanswered", d.unanswered},
          {"next_attempt_ms", d.state == store::DeliveryState::kWaiting ? json(d.next_attempt_ms)
                                                                       : json(nullptr)},
          {"last_error", d.last_error},
          {"created_ms", d.created_ms},
          {"updated_ms", d.updated_ms}};
}

json listing_json(const store::DeliveryListing& l) {
  json j = delivery_json(l.delivery);
  j["document_id"] = l.document_id;
  j["message_type"] = l.message_type;
  j["from"] = l.sender;
  j["size"] = l.size;
  j["received_ms"] = l.received_ms;
  return j;
}

}  // namespace docaxis::admin::detail
