// Exponential backoff with jitter: the delay before the n-th retry of a reconnect or of a send
// the hub answered `released`. Pure value type; part of the public client API
// (ClientOptions carries two of them).
#pragma once

#include <chrono>

namespace docaxis::client {

struct Backoff {
  std::chrono::milliseconds initial{200};  // delay before the first retry
  std::chrono::milliseconds max{30'000};   // cap on one delay (before jitter)
  double multiplier = 2.0;                 // growth per retry, >= 1
  double jitter = 0.2;                     // fraction in [0, 1): the delay is spread by ±jitter

  // Delay before retry `n` (n >= 1): min(initial * multiplier^(n-1), max), then moved by
  // (2 * random01 - 1) * jitter of itself. `random01` is a uniform draw in [0, 1) supplied by
  // the caller, so the function stays pure and testable. Never negative.
  std::chrono::milliseconds delay(int n, double random01) const;
};

}  // namespace docaxis::client
