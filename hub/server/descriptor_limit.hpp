// The process's descriptor limit against what the hub's listeners may hold at once
// (docaxis-hub at start-up).
#pragma once

#include <cstdint>

#include "config/hub_config.hpp"

namespace docaxis::server {

// Descriptors the configuration may need at once: every connection is one, so [limits]
// max_connections (AMQP) plus [vxp] max_connections when the axis HTTP API is enabled, plus 64
// for the rest (listeners, store, audit log, admin socket, outbound links).
std::uint64_t descriptors_wanted(const config::HubConfig& cfg);

struct DescriptorLimit {
  std::uint64_t limit = 0;  // the soft RLIMIT_NOFILE in effect; UINT64_MAX: unlimited
  bool low = false;         // below `wanted`: warned fd-limit-low
};
// Raises the soft RLIMIT_NOFILE to the hard limit, and warns fd-limit-low (`limit`, `wanted`)
// when it stays below `wanted` (accept then waits for descriptors; nothing fails).
DescriptorLimit raise_descriptor_limit(std::uint64_t wanted);

}  // namespace docaxis::server
