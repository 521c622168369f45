// Federation guards on the hop trail: the ordered hub names a package has passed through,
// carried beside the package (never inside the signed bytes) and extended by each hub that
// accepts it. Pure functions.
//
// Error codes:
//   routing-loop  the trail already contains this hub (or the next hop, for check_forward)
//   hop-limit     accepting would make the trail longer than max_hops
//   bad-hops      a trail entry is not `<hub-name>` or `<hub-name>@<unix ms>` (parse_hop)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::routing {

using Trail = std::vector<std::string>;

// One received trail entry: `<hub-name>` or `<hub-name>@<unix ms>`.
struct TrailEntry {
  std::string hub;
  std::int64_t arrived_ms = 0;  // 0 when the entry carries no time
};

inline constexpr std::size_t kMaxTimeDigits = 15;  // unix ms until the year 33658

// Parses entry number `index` (from 0) of a received trail. The hub name must be valid as the
// configuration allows (config::is_valid_hub_name: [a-z0-9._-], 1..63, not starting with
// . _ -); after a single '@' only 1..kMaxTimeDigits digits. Anything else is `bad-hops`, with a
// description that names the entry through printable() (the raw bytes are never echoed).
Result<TrailEntry> parse_hop(std::string_view text, std::size_t index);

// `text` for messages and logs: bytes outside printable ASCII, backslash and '"' as \xNN, cut
// after `max` input bytes with "...".
std::string printable(std::string_view text, std::size_t max = 80);

bool trail_contains(const Trail& trail, std::string_view hub);

// At ingest on hub `self`: refuses a loop first, then a trail that already holds max_hops
// hubs (with this hub it would hold max_hops + 1). An empty trail (a package from a local
// endpoint) always passes when max_hops >= 1.
Status check_ingest(const Trail& trail, std::string_view self, std::int64_t max_hops);

// Before handing a package to peer `next`: refuses a peer already in the trail (it would
// refuse the package as a loop anyway; failing here keeps the error at the first hub).
Status check_forward(const Trail& trail, std::string_view next);

// The trail as it leaves this hub: `trail` + `self`.
Trail extend(Trail trail, std::string_view self);

// "h30 > national > g12", for messages and logs.
std::string format_trail(const Trail& trail);

}  // namespace docaxis::routing
