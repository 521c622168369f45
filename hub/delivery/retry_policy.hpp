// RetryPolicy: when a delivery that failed transiently is tried again, or that it is dead.
//
// Pure: no clock, no randomness of its own (the caller passes now and a uniform random
// number), so every schedule is a table test. Mirrors config::Retry (hub/server/module_options.cpp
// maps it).
//
// Schedule: after the n-th attempt (n >= 1) failed, the next one is due now + backoff.delay(n)
//   (common/backoff.hpp: min(first * multiplier^(n-1), cap) * (1 + jitter * (2 * random01 - 1)))
// i.e. spread uniformly over +/- jitter around the nominal delay, and never later than the
// deadline (accepted_ms + deadline_ms): the last attempt happens at the deadline itself.
// Dead when the deadline has passed (reason "expired: ...") or when the delivery had
// `poison_limit` attempts that ended with no outcome at all (timeout, link lost, hub crash;
// reason "poison: ..."). Explicit transient answers (released, modified) are not poison: a
// recipient that keeps saying "later" is served until the deadline.
#pragma once

#include <cstdint>
#include <string>

#include "common/backoff.hpp"

namespace docaxis::delivery {

struct RetryPolicy {
  // First retry after 5 s, doubling, capped at 30 min, +/- 20 %.
  Backoff backoff{std::chrono::seconds(5), std::chrono::minutes(30), 2.0, 0.2};
  int64_t deadline_ms = 7LL * 24 * 3600 * 1000;
  uint32_t poison_limit = 10; // unanswered attempts before dead-lettering; 0 = no limit

  struct Decision {
    bool dead = false;
    int64_t retry_at_ms = 0;  // when !dead
    std::string reason;       // when dead: "expired: ..." or "poison: ..."
  };

  // The nominal (unjittered, uncapped by the deadline) delay after `attempts` attempts.
  int64_t nominal_delay_ms(uint32_t attempts) const;

  // `attempts`: attempts made so far (>= 1); `accepted_ms`: when the hub accepted the
  // package (the deadline's origin); `unanswered`: how many of them ended with no outcome;
  // `random01` in [0, 1).
  Decision next(uint32_t attempts, int64_t accepted_ms, int64_t now_ms, double random01,
                uint32_t unanswered = 0) const;

  // accepted_ms + deadline_ms, saturating.
  int64_t deadline_at(int64_t accepted_ms) const;
};

}  // namespace docaxis::delivery
