#include "store/package_codec.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

namespace docaxis::store {

using nlohmann::json;

namespace {

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status validate(const StoredPackage& pkg, const std::vector<DeliverySpec>& recipients) {
  auto bad = [](std::string what) { return Status("invalid-argument", std::move(what)); };
  if (pkg.message_type != "edoc" && pkg.message_type != "status" &&
      pkg.message_type != "receipt") {
    return bad("message_type '" + pkg.message_type + "' is not edoc, status or receipt");
  }
  if (pkg.sender.empty()) return bad("the package has no sender organ");
  if (pkg.document_id.empty()) return bad("the package has no document id");
  if (!is_sha256_hex(pkg.sha256_hex)) {
    return bad("sha256_hex must be 64 lowercase hex digits, got '" + pkg.sha256_hex + "'");
  }
  if (pkg.verdict.form == PackageVerdict::Form::kLegacy) {
    return bad("a new package cannot have a legacy verdict (only migrated rows have one)");
  }
  // A receipt may be kept without a delivery: its recipient reads outcomes by polling
  // (the axis HTTP API's getSentEdocList), and the receipt stays here for the record.
  if (recipients.empty() && pkg.message_type != "receipt") return bad("the package has no recipient");
  std::set<std::string_view> seen;
  for (const DeliverySpec& r : recipients) {
    if (r.recipient.empty() || r.next_hop.empty()) {
      return bad("a recipient has an empty organ id or next hop");
    }
    if (!seen.insert(r.recipient).second) return bad("recipient " + r.recipient + " twice");
  }
  return Status();
}

std::string encode_strings(const std::vector<std::string>& strings) {
  return json(strings).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_hops(const model::Trail& hops) {
  json a = json::array();
  for (const model::Hop& h : hops) a.push_back({{"hub", h.hub}, {"arrived_ms", h.arrived_ms}});
  return a.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<model::Trail> decode_hops(const std::string& text, uint64_t seq) {
  json a = json::parse(text, nullptr, false);
  model::Trail hops;
  bool ok = a.is_array();
  for (size_t i = 0; ok && i < a.size(); ++i) {
    const json& h = a[i];
    ok = h.is_object() && h.contains("hub") && h["hub"].is_string() &&
         h.contains("arrived_ms") && h["arrived_ms"].is_number_integer();
    if (ok) hops.push_back({h["hub"].get<std::string>(), h["arrived_ms"].get<int64_t>()});
  }
  if (!ok) return Status("data-loss", "package " + std::to_string(seq) + ": unreadable hops");
  return hops;
}

std::string encode_left(const std::vector<LeftRecipient>& left) {
  json a = json::array();
  for (const LeftRecipient& l : left) a.push_back({{"recipient", l.recipient}, {"via", l.via}});
  return a.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::vector<LeftRecipient>> decode_left(const std::string& text, uint64_t seq) {
  json a = json::parse(text, nullptr, false);
  std::vector<LeftRecipient> out;
  bool ok = a.is_array();
  for (size_t i = 0; ok && i < a.size(); ++i) {
    const json& l = a[i];
    ok = l.is_object() && l.contains("recipient") && l["recipient"].is_string() &&
         l.contains("via") && l["via"].is_string();
    if (ok) out.push_back({l["recipient"].get<std::string>(), l["via"].get<std::string>()});
  }
  if (!ok) {
    return Status("data-loss", "package " + std::to_string(seq) + ": unreadable left_to_earlier_hubs");
  }
  return out;
}

Result<std::vector<std::string>> decode_strings(const std::string& text, uint64_t seq) {
  json a = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  bool ok = a.is_array();
  for (size_t i = 0; ok && i < a.size(); ++i) {
    ok = a[i].is_string();
    if (ok) out.push_back(a[i].get<std::string>());
  }
  if (!ok) return Status("data-loss", "package " + std::to_string(seq) + ": unreadable list");
  return out;
}

}  // namespace docaxis::store
