#include "metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace docaxis::metrics {
namespace {

TEST(Histogram, CountsEachObservationInTheFirstBucketWhoseBoundHoldsIt) {
  Histogram h({0.5, 0.1, 1.0, 0.1});  // unsorted, with a duplicate
  h.observe(0.05);
  h.observe(0.1);   // on the bound: counts as <= 0.1
  h.observe(0.3);
  h.observe(7.0);   // only +Inf
  const HistogramSnapshot s = h.snapshot();
  ASSERT_EQ(s.bounds, (std::vector<double>{0.1, 0.5, 1.0}));
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 3, 3, 4}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 7.45);
}

TEST(Histogram, IgnoresNaNAndKeepsInfiniteBoundsOut) {
  Histogram h({1.0, std::numeric_limits<double>::infinity()});
  h.observe(std::numeric_limits<double>::quiet_NaN());
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.bounds.size(), 1u);
  EXPECT_EQ(s.count, 0u);
}

TEST(Histogram, LosesNoObservationUnderConcurrentWriters) {
  Histogram h(Histogram::latency_seconds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10'000; ++i) h.observe(0.001 * (t + 1));
    });
  }
  for (auto& t : threads) t.join();
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_NEAR(s.sum, 10'000 * (0.001 + 0.002 + 0.003 + 0.004), 1e-6);
}

// The status page's latency per period: what two readings differ by, and its quantiles.
TEST(Histogram, ADeltaHoldsOnlyTheObservationsBetweenTwoReadings) {
  Histogram h({0.001, 0.01, 0.1});
  for (int i = 0; i < 100; ++i) h.observe(0.0005);  // the first period: fast
  const HistogramSnapshot before = h.snapshot();
  for (int i = 0; i < 10; ++i) h.observe(0.05);     // the second: slow
  h.observe(7);                                     // and one past the last bound
  const HistogramSnapshot d = delta(h.snapshot(), before);
  EXPECT_EQ(d.count, 11u);
  EXPECT_EQ(d.cumulative, (std::vector<std::uint64_t>{0, 0, 10, 11}));
  EXPECT_NEAR(d.sum, 7.5, 1e-9);
  // Linear within the bucket holding the rank: the median's rank 5.5 of 10 in (0.01, 0.1].
  EXPECT_NEAR(*quantile(d, 0.5), 0.01 + 0.09 * 5.5 / 10, 1e-12);
  // The +Inf bucket answers the highest finite bound.
  EXPECT_DOUBLE_EQ(*quantile(d, 0.99), 0.1);
  // Over both periods the median is in the first bucket, from 0.
  EXPECT_NEAR(*quantile(h.snapshot(), 0.5), 0.001 * (55.5 / 100), 1e-12);
  EXPECT_FALSE(quantile(delta(before, before), 0.5).has_value());
  // A reading with fewer observations than the one before (a restart) is taken whole.
  Histogram fresh({0.001, 0.01, 0.1});
  fresh.observe(0.005);
  EXPECT_EQ(delta(fresh.snapshot(), before).count, 1u);
}

}  // namespace
}  // namespace docaxis::metrics
