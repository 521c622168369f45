#include "routing/hops.hpp"

#include <string>

namespace docaxis::routing {

Status check_ingest(const model::Trail& trail, std::string_view self, std::int64_t max_hops) {
  if (model::trail_contains(trail, self)) {
    return {"routing-loop", "the package already passed through this hub " + std::string(self) +
                                " (trail: " + model::format_trail(trail) + ")"};
  }
  if (static_cast<std::int64_t>(trail.size()) + 1 > max_hops) {
    return {"hop-limit", "the package has passed " + std::to_string(trail.size()) +
                             " hubs (trail: " + model::format_trail(trail) + "); the limit is " +
                             std::to_string(max_hops) + " including this one"};
  }
  return Status::ok_status();
}

Status check_forward(const model::Trail& trail, std::string_view next) {
  if (model::trail_contains(trail, next)) {
    return {"routing-loop", "the next hop " + std::string(next) + " is already in the trail (" +
                                model::format_trail(trail) + ")"};
  }
  return Status::ok_status();
}

}  // namespace docaxis::routing
