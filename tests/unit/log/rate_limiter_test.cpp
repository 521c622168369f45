// RateLimiter: per reason, at most N lines per window; what was left out is counted and
// reported with the next admitted line; hostile reasons cannot grow it without bound.
#include "log/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace docaxis::log {
namespace {

TEST(RateLimiter, AdmitsNPerWindowThenCountsTheRest) {
  RateLimiter r(3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit("cert-revoked", 1000 + i).log);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(r.admit("cert-revoked", 1500 + i).log);
  const auto next = r.admit("cert-revoked", 2000);  // a new window
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.suppressed, 10u);
  const auto after = r.admit("cert-revoked", 2001);
  EXPECT_TRUE(after.log);
  EXPECT_EQ(after.suppressed, 0u);
}

TEST(RateLimiter, ReasonsHaveTheirOwnBudget) {
  RateLimiter r(1);
  EXPECT_TRUE(r.admit("cert-revoked", 0).log);
  EXPECT_FALSE(r.admit("cert-revoked", 1).log);
  EXPECT_TRUE(r.admit("cert-expired", 2).log);
  EXPECT_FALSE(r.admit("cert-expired", 3).log);
}

TEST(RateLimiter, ZeroAdmitsNothingButCounts) {
  RateLimiter r(0);
  EXPECT_FALSE(r.admit("x", 0).log);
  EXPECT_FALSE(r.admit("x", 5000).log);
}

TEST(RateLimiter, ClockGoingBackwardsStartsANewWindow) {
  RateLimiter r(1);
  EXPECT_TRUE(r.admit("x", 10'000).log);
  EXPECT_FALSE(r.admit("x", 10'001).log);
  const auto d = r.admit("x", 5'000);
  EXPECT_TRUE(d.log);
  EXPECT_EQ(d.suppressed, 1u);
}

TEST(RateLimiter, ManyDistinctReasonsShareOneEntryPastTheBound) {
  RateLimiter r(1);
  for (std::size_t i = 0; i < RateLimiter::kMaxReasons; ++i) {
    EXPECT_TRUE(r.admit("reason-" + std::to_string(i), 0).log);
  }
  // From here on every new reason is "other": one line, then silence within the window.
  EXPECT_TRUE(r.admit("hostile-1", 1).log);
  for (int i = 2; i < 1000; ++i) EXPECT_FALSE(r.admit("hostile-" + std::to_string(i), 1).log);
  const auto d = r.admit("hostile-x", 2000);
  EXPECT_TRUE(d.log);
  EXPECT_EQ(d.suppressed, 998u);
  // Known reasons keep their own entries.
  EXPECT_TRUE(r.admit("reason-0", 2000).log);
}

}  // namespace
}  // namespace docaxis::log
