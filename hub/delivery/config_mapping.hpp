// From the typed configuration (config/hub_config.hpp, value types only: no link dependency)
// to this module's policies. Header-only so that delivery does not link the config loader.
#pragma once

#include "config/hub_config.hpp"
#include "delivery/circuit_breaker.hpp"
#include "delivery/retry_policy.hpp"

namespace docaxis::delivery {

inline RetryPolicy retry_policy_from(const config::Retry& r) {
  RetryPolicy p;
  p.first_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.first_retry).count();
  p.multiplier = r.multiplier;
  p.cap_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.max_interval).count();
  p.deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.deadline).count();
  p.jitter = r.jitter;
  p.poison_limit = static_cast<uint32_t>(r.poison_limit);
  return p;
}

inline BreakerPolicy breaker_policy_from(const config::CircuitBreaker& b) {
  BreakerPolicy p;
  p.failures_to_open = static_cast<uint32_t>(b.failures_to_open);
  p.open_ms = std::chrono::duration_cast<std::chrono::milliseconds>(b.open_duration).count();
  return p;
}

}  // namespace docaxis::delivery
