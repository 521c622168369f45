// RetryPolicy and CircuitBreaker: pure, table-driven.
#include <gtest/gtest.h>

#include "delivery/circuit_breaker.hpp"
#include "delivery/retry_policy.hpp"

namespace docaxis::delivery {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(RetryPolicy, DelaysFollowTheExponentialScheduleUpToTheCap) {
  RetryPolicy p;  // 5 s x2, cap 30 min
  const int64_t expected_s[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800, 1800};
  for (uint32_t n = 1; n <= 12; ++n) {
    const auto d = p.next(n, kT0, kT0 + 1000, 0.5);  // 0.5 = no jitter
    ASSERT_FALSE(d.dead);
    EXPECT_EQ(d.retry_at_ms - (kT0 + 1000), expected_s[n - 1] * 1000) << "attempt " << n;
  }
  EXPECT_EQ(p.nominal_delay_ms(100000), p.backoff.max.count());  // no overflow
}

TEST(RetryPolicy, JitterStaysWithinBounds) {
  RetryPolicy p;
  for (uint32_t n = 1; n <= 11; ++n) {
    const auto nominal = static_cast<double>(p.nominal_delay_ms(n));
    for (double r = 0.0; r < 1.0; r += 0.01) {
      const auto d = p.next(n, kT0, kT0, r);
      const auto delay = static_cast<double>(d.retry_at_ms - kT0);
      EXPECT_GE(delay, nominal * 0.8 - 1) << n << " " << r;
      EXPECT_LE(delay, nominal * 1.2 + 1) << n << " " << r;
    }
  }
  EXPECT_EQ(p.next(1, kT0, kT0, 0.0).retry_at_ms - kT0, 4000);
  EXPECT_EQ(p.next(1, kT0, kT0, 1.0).retry_at_ms - kT0, 6000);
}

TEST(RetryPolicy, NeverSchedulesPastTheDeadlineAndIsDeadAfterIt) {
  RetryPolicy p;
  const int64_t deadline = kT0 + p.deadline_ms;
  auto d = p.next(10, kT0, deadline - 1000, 0.5);
  ASSERT_FALSE(d.dead);
  EXPECT_EQ(d.retry_at_ms, deadline);
  d = p.next(300, kT0, deadline, 0.5);
  ASSERT_TRUE(d.dead);
  EXPECT_EQ(d.reason.rfind("expired:", 0), 0u) << d.reason;
}

TEST(RetryPolicy, PoisonLimitCountsUnansweredAttemptsOnly) {
  RetryPolicy p;
  p.poison_limit = 3;
  EXPECT_FALSE(p.next(50, kT0, kT0, 0.5, 2).dead);  // many answered attempts: not poison
  const auto d = p.next(3, kT0, kT0, 0.5, 3);
  ASSERT_TRUE(d.dead);
  EXPECT_EQ(d.reason.rfind("poison:", 0), 0u) << d.reason;
  p.poison_limit = 0;
  EXPECT_FALSE(p.next(3, kT0, kT0, 0.5, 1000).dead);
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresProbesOnceThenCloses) {
  CircuitBreaker b(BreakerPolicy{3, 60'000});
  b.on_failure(0);
  b.on_failure(0);
  b.on_success();  // resets the count
  b.on_failure(0);
  b.on_failure(0);
  EXPECT_TRUE(b.allow(0));
  b.on_failure(1000);
  EXPECT_EQ(b.state(1000), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.allow(60'999));
  EXPECT_EQ(b.next_allowed_ms(2000), 61'000);
  EXPECT_EQ(b.state(61'000), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(b.allow(61'000));   // the probe
  EXPECT_FALSE(b.allow(61'000));  // only one
  b.on_success();
  EXPECT_EQ(b.state(61'001), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(b.allow(61'001));
}

TEST(CircuitBreaker, FailedProbeReopensForTheFullDuration) {
  CircuitBreaker b(BreakerPolicy{1, 10'000});
  b.on_failure(0);
  EXPECT_TRUE(b.allow(10'000));
  b.on_failure(10'500);
  EXPECT_EQ(b.state(20'499), CircuitBreaker::State::kOpen);
  EXPECT_EQ(b.state(20'500), CircuitBreaker::State::kHalfOpen);
  EXPECT_EQ(b.times_opened(), 2u);
}

}  // namespace
}  // namespace docaxis::delivery
