#include "routing/hops.hpp"

#include <algorithm>

#include "config/rules.hpp"

namespace docaxis::routing {

Result<TrailEntry> parse_hop(std::string_view text, std::size_t index) {
  auto bad = [&](const std::string& why) {
    return Status("bad-hops", "hop " + std::to_string(index) + " \"" + printable(text) +
                                  "\" of the trail " + why +
                                  " (expected <hub-name> or <hub-name>@<unix ms>)");
  };
  const std::size_t at = text.find('@');
  TrailEntry entry;
  entry.hub = std::string(text.substr(0, at));
  if (!config::is_valid_hub_name(entry.hub)) {
    return bad("has an invalid hub name ([a-z0-9._-], 1..63, starting with a letter or digit)");
  }
  if (at == std::string_view::npos) return entry;
  const std::string_view ms = text.substr(at + 1);
  if (ms.empty() || ms.size() > kMaxTimeDigits ||
      !std::all_of(ms.begin(), ms.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("has an invalid time after '@' (1.." + std::to_string(kMaxTimeDigits) +
               " digits)");
  }
  for (char c : ms) entry.arrived_ms = entry.arrived_ms * 10 + (c - '0');
  return entry;
}

std::string printable(std::string_view text, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

bool trail_contains(const Trail& trail, std::string_view hub) {
  return std::find(trail.begin(), trail.end(), hub) != trail.end();
}

Status check_ingest(const Trail& trail, std::string_view self, std::int64_t max_hops) {
  if (trail_contains(trail, self)) {
    return {"routing-loop", "the package already passed through this hub " + std::string(self) +
                                " (trail: " + format_trail(trail) + ")"};
  }
  if (static_cast<std::int64_t>(trail.size()) + 1 > max_hops) {
    return {"hop-limit", "the package has passed " + std::to_string(trail.size()) +
                             " hubs (trail: " + format_trail(trail) + "); the limit is " +
                             std::to_string(max_hops) + " including this one"};
  }
  return Status::ok_status();
}

Status check_forward(const Trail& trail, std::string_view next) {
  if (trail_contains(trail, next)) {
    return {"routing-loop", "the next hop " + std::string(next) +
                                " is already in the trail (" + format_trail(trail) + ")"};
  }
  return Status::ok_status();
}

Trail extend(Trail trail, std::string_view self) {
  trail.emplace_back(self);
  return trail;
}

std::string format_trail(const Trail& trail) {
  if (trail.empty()) return "empty";
  std::string s;
  for (const std::string& h : trail) s += (s.empty() ? "" : " > ") + h;
  return s;
}

}  // namespace docaxis::routing
