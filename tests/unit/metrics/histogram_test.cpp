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

}  // namespace
}  // namespace docaxis::metrics
