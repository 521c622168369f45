// docaxis::Backoff and BackoffCounter (hub/common/backoff.hpp): the one exponential backoff
// with jitter (delivery retries, peer reconnects, the client library's reconnects and release
// retries).
#include "common/backoff.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace docaxis {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheMultiplierFromTheFirstDelayUpToTheCap) {
  const Backoff b{milliseconds(100), milliseconds(1000), 2.0, 0.0};
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(100));
  EXPECT_EQ(b.delay(2, 0.5), milliseconds(200));
  EXPECT_EQ(b.delay(3, 0.5), milliseconds(400));
  EXPECT_EQ(b.delay(4, 0.5), milliseconds(800));
  EXPECT_EQ(b.delay(5, 0.5), milliseconds(1000));
  EXPECT_EQ(b.delay(6, 0.5), milliseconds(1000));
  const Backoff slow{milliseconds(1000), milliseconds(10'000), 1.5, 0.0};
  EXPECT_EQ(slow.nominal(2), milliseconds(1500));
  EXPECT_EQ(slow.nominal(3), milliseconds(2250));
  EXPECT_EQ(slow.nominal(7), milliseconds(10'000));  // 11390 capped
}

TEST(Backoff, NoOverflowHoweverManyRetries) {
  const Backoff b{milliseconds(100), milliseconds(1000), 2.0, 0.2};
  EXPECT_EQ(b.nominal(1'000'000), milliseconds(1000));
  EXPECT_EQ(b.nominal(INT64_MAX), milliseconds(1000));
  EXPECT_EQ(b.delay(INT64_MAX, 0.5), milliseconds(1000));
  const Backoff flat{milliseconds(100), milliseconds(1000), 1.0, 0.0};
  EXPECT_EQ(flat.delay(INT64_MAX, 0.5), milliseconds(100));
  const Backoff big{milliseconds(5'000), milliseconds(7LL * 24 * 3600 * 1000), 10.0, 0.0};
  EXPECT_EQ(big.nominal(5000), milliseconds(7LL * 24 * 3600 * 1000));
}

TEST(Backoff, RetryZeroOrBelowCountsAsTheFirst) {
  const Backoff b{milliseconds(100), milliseconds(1000), 2.0, 0.0};
  EXPECT_EQ(b.delay(0, 0.5), milliseconds(100));
  EXPECT_EQ(b.delay(-3, 0.5), milliseconds(100));
}

TEST(Backoff, JitterSpreadsEachDelayOverPlusMinusItsFraction) {
  const Backoff b{milliseconds(1000), milliseconds(1000), 2.0, 0.2};
  EXPECT_EQ(b.delay(1, 0.0), milliseconds(800));
  EXPECT_EQ(b.delay(1, 0.25), milliseconds(900));
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(1000));
  EXPECT_EQ(b.delay(1, 0.75), milliseconds(1100));
  EXPECT_EQ(b.delay(1, 1.0), milliseconds(1200));
  const Backoff grow{milliseconds(1000), milliseconds(30'000), 2.0, 0.2};
  for (std::int64_t n = 1; n <= 8; ++n) {
    const double nominal = static_cast<double>(grow.nominal(n).count());
    double lowest = 1e18, highest = 0;
    for (double r = 0.0; r < 1.0; r += 0.001) {
      const double d = static_cast<double>(grow.delay(n, r).count());
      EXPECT_GE(d, nominal * 0.8 - 0.5) << n << " " << r;
      EXPECT_LE(d, nominal * 1.2 + 0.5) << n << " " << r;
      lowest = std::min(lowest, d);
      highest = std::max(highest, d);
    }
    // The whole range is used, not one point of it.
    EXPECT_LE(lowest, nominal * 0.801) << n;
    EXPECT_GE(highest, nominal * 1.199) << n;  // r < 1: up to 1.2 * (1 - 0.001)
  }
}

TEST(Backoff, WithoutJitterTheDelayIsExact) {
  const Backoff b{milliseconds(300), milliseconds(1000), 2.0, 0.0};
  for (double r : {0.0, 0.3, 0.99, 1.0}) EXPECT_EQ(b.delay(2, r), milliseconds(600)) << r;
}

TEST(Backoff, NonsenseInputsAreClampedAndNeverGiveANegativeDelay) {
  const Backoff b{milliseconds(-5), milliseconds(10), 0.5, 3.0};
  EXPECT_EQ(b.delay(3, 0.0), milliseconds(0));
  EXPECT_EQ(b.delay(0, 1.0), milliseconds(0));
  const Backoff shrink{milliseconds(100), milliseconds(1000), 0.5, 0.0};  // multiplier < 1: 1
  EXPECT_EQ(shrink.delay(5, 0.5), milliseconds(100));
  const Backoff wild{milliseconds(1000), milliseconds(1000), 2.0, 5.0};  // jitter < 1
  EXPECT_GE(wild.delay(1, -4.0).count(), 0);  // r clamped to 0: ~1 ms, never negative
  EXPECT_LE(wild.delay(1, 9.0).count(), 2000);
  const Backoff upside{milliseconds(2000), milliseconds(1000), 2.0, 0.0};  // cap below first
  EXPECT_EQ(upside.delay(1, 0.5), milliseconds(1000));
}

TEST(BackoffCounter, CountsFailuresAndStartsOverAfterReset) {
  BackoffCounter c(Backoff{milliseconds(100), milliseconds(1000), 2.0, 0.0});
  EXPECT_EQ(c.failures(), 0u);
  EXPECT_EQ(c.delay(0.5), milliseconds(100));  // before any failure: the first delay
  c.failed();
  EXPECT_EQ(c.delay(0.5), milliseconds(100));
  c.failed();
  EXPECT_EQ(c.delay(0.5), milliseconds(200));
  c.failed();
  c.failed();
  EXPECT_EQ(c.failures(), 4u);
  EXPECT_EQ(c.delay(0.5), milliseconds(800));
  for (int i = 0; i < 100; ++i) c.failed();
  EXPECT_EQ(c.delay(0.5), milliseconds(1000));
  c.reset();
  EXPECT_EQ(c.failures(), 0u);
  c.failed();
  EXPECT_EQ(c.delay(0.5), milliseconds(100));
}

TEST(Backoff, ThePeerReconnectScheduleIsOneSecondDoublingToThirtyPlusMinusTwentyPercent) {
  BackoffCounter c(Backoff{std::chrono::seconds(1), std::chrono::seconds(30), 2.0, 0.2});
  const std::int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (std::int64_t want : expected) {
    c.failed();
    EXPECT_EQ(c.delay(0.5).count(), want);
    EXPECT_EQ(c.delay(0.0).count(), want * 8 / 10);
  }
}

}  // namespace
}  // namespace docaxis
