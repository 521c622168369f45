// Federation guards on the hop trail (model/trail.hpp: the type, its wire form and its parser):
// the ordered hubs a package has passed through, extended by each hub that accepts it.
// Pure functions.
//
// Error codes:
//   routing-loop  the trail already contains this hub (or the next hop, for check_forward)
//   hop-limit     accepting would make the trail longer than max_hops
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.hpp"
#include "model/trail.hpp"

namespace docaxis::routing {

// At ingest on hub `self`: refuses a loop first, then a trail that already holds max_hops
// hubs (with this hub it would hold max_hops + 1). An empty trail (a package from a local
// endpoint) always passes when max_hops >= 1.
Status check_ingest(const model::Trail& trail, std::string_view self, std::int64_t max_hops);

// Before handing a package to peer `next`: refuses a peer already in the trail (it would
// refuse the package as a loop anyway; failing here keeps the error at the first hub).
Status check_forward(const model::Trail& trail, std::string_view next);

}  // namespace docaxis::routing
