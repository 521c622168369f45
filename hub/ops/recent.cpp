#include "ops/recent.hpp"

namespace docaxis::ops {

void RecentRefusals::add(Refusal r) {
  std::lock_guard lk(mu_);
  ring_.push_back(std::move(r));
  while (ring_.size() > capacity_) ring_.pop_front();
}

std::vector<Refusal> RecentRefusals::newest_first() const {
  std::lock_guard lk(mu_);
  return {ring_.rbegin(), ring_.rend()};
}

namespace {

std::uint64_t gain(std::uint64_t now, std::uint64_t before) { return now >= before ? now - before : now; }

Totals diff(const Totals& now, const Totals& before) {
  return {gain(now.accepted, before.accepted), gain(now.refused, before.refused),
          gain(now.delivered, before.delivered), gain(now.dead, before.dead)};
}

// A histogram first seen now counts from zero.
std::map<std::string, LatencyFigure> figures(const Latencies& now, const Latencies& before) {
  std::map<std::string, LatencyFigure> out;
  for (const auto& [name, snap] : now) {
    const auto b = before.find(name);
    const metrics::HistogramSnapshot d = b == before.end() ? snap : metrics::delta(snap, b->second);
    out[name] = LatencyFigure{d.count, metrics::quantile(d, 0.5), metrics::quantile(d, 0.95)};
  }
  return out;
}

}  // namespace

void History::record(std::int64_t now_ms, const Totals& totals, std::int64_t oldest_age_ms,
                     const Latencies& latencies) {
  if (baseline_set_) {
    samples_.push_back(Sample{now_ms, diff(totals, baseline_), oldest_age_ms,
                              figures(latencies, latency_baseline_)});
    while (samples_.size() > capacity_) samples_.pop_front();
  }
  baseline_ = totals;
  latency_baseline_ = latencies;
  baseline_set_ = true;
  last_ms_ = now_ms;
}

Totals History::since_last(const Totals& totals) const {
  return baseline_set_ ? diff(totals, baseline_) : Totals{};
}

std::map<std::string, LatencyFigure> History::latency_since_last(const Latencies& latencies) const {
  return baseline_set_ ? figures(latencies, latency_baseline_) : std::map<std::string, LatencyFigure>{};
}

}  // namespace docaxis::ops
