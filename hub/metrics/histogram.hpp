// A fixed-bucket histogram safe to observe from any thread (relaxed atomics; no lock), read as a
// consistent-enough snapshot at scrape time. Buckets are upper bounds in the metric's base
// unit (seconds, bytes, jobs), ascending; +Inf is implied. A snapshot taken while observations
// land may have its count and sum one observation apart: Prometheus tolerates that.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace docaxis::metrics {

struct HistogramSnapshot {
  std::vector<double> bounds;            // upper bounds, ascending (+Inf not included)
  std::vector<std::uint64_t> cumulative; // observations <= bounds[i]; then one for +Inf
  double sum = 0;
  std::uint64_t count = 0;               // == cumulative.back()
};

class Histogram {
 public:
  // `bounds` must be ascending and finite; duplicates are dropped.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double value);
  HistogramSnapshot snapshot() const;

  // Bucket bounds used across the hub: durations from 100 µs to 10 s, and powers of two.
  static std::vector<double> latency_seconds();
  static std::vector<double> powers_of_two(double first, int n);

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0};
};

// What `now` gained over `before`, two readings of the same histogram: the observations made
// between them. When `now` holds fewer observations than `before` (its source restarted) or the
// bounds differ, `now` itself.
HistogramSnapshot delta(const HistogramSnapshot& now, const HistogramSnapshot& before);

// The q-quantile (0 <= q <= 1) estimated from the buckets as Prometheus's histogram_quantile
// does: linear within the bucket holding the rank (the first bucket's lower edge is 0); in the
// +Inf bucket, the highest finite bound. nullopt when the histogram is empty.
std::optional<double> quantile(const HistogramSnapshot& h, double q);

}  // namespace docaxis::metrics
