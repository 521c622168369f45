// Exponential backoff with jitter: the one schedule for every "try again later" in the tree:
// the hub's delivery retries (delivery/retry_policy.hpp), its peer-link reconnects
// (amqp/peer_links.hpp), and the client library's reconnects and release retries
// (adapters/client, whose public ClientOptions carry it as client::Backoff).
//
//   nominal(n) = min(initial * multiplier^(n-1), max)   in whole milliseconds, n >= 1
//   delay(n, r) = nominal(n) * (1 + jitter * (2r - 1)), rounded to the millisecond
//
// i.e. spread uniformly over +/- jitter around the nominal delay for r uniform in [0, 1). `r` is
// supplied by the caller, so the schedule stays pure and testable. Never negative, and no
// overflow however large n is. Inputs out of range are clamped (initial and max at 0,
// multiplier at 1, jitter to [0, 0.999], r to [0, 1]); callers that read them from
// configuration validate them first.
//
// BackoffCounter adds the count of consecutive failures: failed() after each, reset() after a
// success, delay(r) before the next attempt.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace docaxis {

struct Backoff {
  std::chrono::milliseconds initial{200};  // delay before the first retry
  std::chrono::milliseconds max{30'000};   // cap on one delay (before jitter)
  double multiplier = 2.0;                 // growth per retry, >= 1
  double jitter = 0.2;                     // fraction in [0, 1): the delay is spread by ±jitter

  // The unjittered delay before retry `n` (n < 1 counts as 1).
  std::chrono::milliseconds nominal(std::int64_t n) const {
    const double first = static_cast<double>(std::max<std::int64_t>(initial.count(), 0));
    const double cap = static_cast<double>(std::max<std::int64_t>(max.count(), 0));
    if (first <= 0.0) return std::chrono::milliseconds(0);
    const double growth = std::max(multiplier, 1.0);
    // multiplier^(n-1) may overflow to inf: the cap takes over (first > 0, so no NaN).
    const double exponent = static_cast<double>(std::max<std::int64_t>(n, 1) - 1);
    const double raw = first * std::pow(growth, exponent);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(raw, cap)));
  }

  // The delay before retry `n`, spread by `random01` (uniform in [0, 1)).
  std::chrono::milliseconds delay(std::int64_t n, double random01) const {
    const double spread = std::clamp(jitter, 0.0, 0.999);
    const double r = std::clamp(random01, 0.0, 1.0);
    const double d = static_cast<double>(nominal(n).count()) * (1.0 + spread * (2.0 * r - 1.0));
    return std::chrono::milliseconds(std::max<std::int64_t>(std::llround(d), 0));
  }
};

class BackoffCounter {
 public:
  explicit BackoffCounter(Backoff policy = {}) : policy_(policy) {}

  void failed() { ++failures_; }
  void reset() { failures_ = 0; }
  std::uint32_t failures() const { return failures_; }
  // Before the next attempt: the delay for the failures so far (at least the first delay).
  std::chrono::milliseconds delay(double random01) const {
    return policy_.delay(std::max<std::uint32_t>(failures_, 1), random01);
  }
  const Backoff& policy() const { return policy_; }

 private:
  Backoff policy_;
  std::uint32_t failures_ = 0;
};

}  // namespace docaxis
