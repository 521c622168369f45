// The hop trail: the hubs a package passed through, with its arrival time at each. It travels
// beside the package (never inside the signed bytes), is stored with it and extended by each hub
// that accepts it. One type, one wire encoder and one parser, used by every front door, the
// engine, the store and delivery.
//
// Wire form (the AMQP application property `hops`, a public contract: README.md):
//   "<hub>@<unix ms>;<hub>@<unix ms>;…", first hub first. A received entry may omit "@<ms>".
//
// Error code: bad-hops (an entry that is not `<hub-name>` or `<hub-name>@<unix ms>`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::model {

struct Hop {
  std::string hub;
  std::int64_t arrived_ms = 0;  // unix milliseconds; 0 when a received entry carries no time

  bool operator==(const Hop&) const = default;
};

using Trail = std::vector<Hop>;

inline constexpr std::size_t kMaxTimeDigits = 15;  // unix ms until the year 33658

// Hub and peer names: 1..63 characters of [a-z0-9._-], starting with a letter or digit.
bool is_valid_hub_name(std::string_view name);

// The `hops` property value of `trail` ("" for an empty trail).
std::string encode_trail(const Trail& trail);

// The entries of a received `hops` property, split on ';' and not yet checked ("" has none).
std::vector<std::string_view> split_trail(std::string_view property);

// Parses entry number `index` (from 0) of a received trail: a valid hub name, then optionally a
// single '@' and 1..kMaxTimeDigits digits. Anything else is `bad-hops`, with a description that
// names the entry through printable() (the raw bytes are never echoed).
Result<Hop> parse_hop(std::string_view text, std::size_t index);

// `text` for messages and logs: bytes outside printable ASCII, backslash and '"' as \xNN, cut
// after `max` input bytes with "...".
std::string printable(std::string_view text, std::size_t max = 80);

bool trail_contains(const Trail& trail, std::string_view hub);

// "h30 > national > g12", for messages and logs ("empty" for none).
std::string format_trail(const Trail& trail);

}  // namespace docaxis::model
