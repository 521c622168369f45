#include "client/backoff.hpp"

#include <gtest/gtest.h>

namespace docaxis::client {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesFromTheFirstDelayUpToTheCap) {
  const Backoff b{milliseconds(100), milliseconds(1000), 2.0, 0.0};
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(100));
  EXPECT_EQ(b.delay(2, 0.5), milliseconds(200));
  EXPECT_EQ(b.delay(4, 0.5), milliseconds(800));
  EXPECT_EQ(b.delay(5, 0.5), milliseconds(1000));
  EXPECT_EQ(b.delay(1'000'000, 0.5), milliseconds(1000));  // no overflow however many retries
}

TEST(Backoff, JitterSpreadsEachDelayWithinItsFraction) {
  const Backoff b{milliseconds(1000), milliseconds(1000), 2.0, 0.2};
  EXPECT_EQ(b.delay(1, 0.0), milliseconds(800));
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(1000));
  EXPECT_NEAR(static_cast<double>(b.delay(1, 0.999).count()), 1200.0, 1.0);
}

TEST(Backoff, NonsenseInputsNeverGiveANegativeDelay) {
  const Backoff b{milliseconds(-5), milliseconds(10), 0.5, 3.0};
  EXPECT_GE(b.delay(3, 0.0).count(), 0);
  EXPECT_GE(b.delay(0, 1.0).count(), 0);
}

}  // namespace
}  // namespace docaxis::client
