#include "cli/listing.hpp"

#include <iostream>

#include "cli/format.hpp"

namespace docaxis::cli {

using nlohmann::json;

std::string display_state(const json& d) {
  const std::string state = d.value("state", "");
  if (state == "waiting" && d.value("attempts", 0) > 0) return "retrying";
  return state;
}

std::string deliveries_table(const json& deliveries, int64_t now, bool wide, bool died) {
  Table t({{"SEQ", true}, {"ID", true}, {"DOCUMENT"}, {"FROM"}, {"TO"}, {"STATE"},
           {"ATTEMPTS", true}, {died ? "DIED" : "RECEIVED", true}, {"SIZE", true}, {"LAST ERROR"}});
  for (const json& d : deliveries) {
    std::string doc = d.value("document_id", "");
    if (d.value("message_type", "edoc") != "edoc") doc += " [" + d.value("message_type", "") + "]";
    const std::string error = d.value("last_error", "");
    t.add({std::to_string(d.value("seq", uint64_t{0})), std::to_string(d.value("id", uint64_t{0})),
           wide ? doc : ellipsize(doc, 40), d.value("from", ""), d.value("recipient", ""),
           display_state(d), std::to_string(d.value("attempts", 0)),
           human_duration(now - d.value(died ? "updated_ms" : "received_ms", now)) + " ago",
           human_size(d.value("size", uint64_t{0})), wide ? error : ellipsize(error, 60)});
  }
  if (t.empty()) return "(no deliveries match)\n";
  return t.render();
}

void print_retry_result(const json& r) {
  for (const json& x : r.value("retried", json::array())) {
    const json now = x.value("now", json::object());
    const uint64_t id = x.value("delivery", uint64_t{0});
    const uint64_t new_id = now.value("id", uint64_t{0});
    std::cout << "retried delivery " << id << " to " << now.value("recipient", "") << " ("
              << x.value("was", "") << ")";
    if (new_id != id) std::cout << " as delivery " << new_id;
    std::cout << ", due now\n";
  }
  for (const json& x : r.value("skipped", json::array())) {
    std::cout << "skipped delivery " << x.value("delivery", uint64_t{0}) << ": "
              << x.value("code", "") << ": " << x.value("reason", "") << "\n";
  }
}

}  // namespace docaxis::cli
