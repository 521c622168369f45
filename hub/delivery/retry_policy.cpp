#include "delivery/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace docaxis::delivery {

int64_t RetryPolicy::nominal_delay_ms(uint32_t attempts) const {
  return backoff.nominal(attempts).count();
}

int64_t RetryPolicy::deadline_at(int64_t accepted_ms) const {
  if (accepted_ms > std::numeric_limits<int64_t>::max() - deadline_ms) {
    return std::numeric_limits<int64_t>::max();
  }
  return accepted_ms + deadline_ms;
}

RetryPolicy::Decision RetryPolicy::next(uint32_t attempts, int64_t accepted_ms, int64_t now_ms,
                                        double random01, uint32_t unanswered) const {
  Decision d;
  const int64_t deadline = deadline_at(accepted_ms);
  if (now_ms >= deadline) {
    d.dead = true;
    d.reason = "expired: retry deadline of " + std::to_string(deadline_ms / 1000) +
               " s after acceptance passed after " + std::to_string(attempts) + " attempts";
    return d;
  }
  if (poison_limit > 0 && unanswered >= poison_limit) {
    d.dead = true;
    d.reason = "poison: " + std::to_string(unanswered) +
               " attempts ended without any outcome (limit " + std::to_string(poison_limit) + ")";
    return d;
  }
  const int64_t delay = backoff.delay(attempts, random01).count();
  d.retry_at_ms = std::min(now_ms + delay, deadline);
  return d;
}

}  // namespace docaxis::delivery
