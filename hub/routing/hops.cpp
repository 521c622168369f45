#include "routing/hops.hpp"

#include <algorithm>

namespace docaxis::routing {

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
