#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace docaxis::metrics {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  bounds_.erase(std::remove_if(bounds_.begin(), bounds_.end(),
                               [](double b) { return !std::isfinite(b); }),
                bounds_.end());
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> Histogram::latency_seconds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

std::vector<double> Histogram::powers_of_two(double first, int n) {
  std::vector<double> out;
  double b = first;
  for (int i = 0; i < n; ++i, b *= 2) out.push_back(b);
  return out;
}

HistogramSnapshot delta(const HistogramSnapshot& now, const HistogramSnapshot& before) {
  if (now.bounds != before.bounds || now.cumulative.size() != before.cumulative.size() ||
      now.count < before.count) {
    return now;
  }
  HistogramSnapshot d = now;
  for (std::size_t i = 0; i < d.cumulative.size(); ++i) {
    if (now.cumulative[i] < before.cumulative[i]) return now;
    d.cumulative[i] = now.cumulative[i] - before.cumulative[i];
  }
  d.count = now.count - before.count;
  d.sum = now.sum - before.sum;
  return d;
}

std::optional<double> quantile(const HistogramSnapshot& h, double q) {
  if (h.count == 0 || h.cumulative.empty() || std::isnan(q)) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(h.count);
  std::size_t b = 0;
  while (b + 1 < h.cumulative.size() && static_cast<double>(h.cumulative[b]) < rank) ++b;
  if (b >= h.bounds.size()) return h.bounds.empty() ? 0.0 : h.bounds.back();  // +Inf bucket
  const double lower = b == 0 ? 0.0 : h.bounds[b - 1];
  const double below = b == 0 ? 0.0 : static_cast<double>(h.cumulative[b - 1]);
  const double in_bucket = static_cast<double>(h.cumulative[b]) - below;
  if (in_bucket <= 0) return h.bounds[b];
  return lower + (h.bounds[b] - lower) * ((rank - below) / in_bucket);
}

}  // namespace docaxis::metrics
