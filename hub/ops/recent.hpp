// RecentRefusals: the last refusals the ingest recorded, for the status page (bounded ring).
// Holds no document content: who, which document id, why. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/histogram.hpp"

namespace docaxis::ops {

struct Refusal {
  std::int64_t at_ms = 0;
  std::string code;
  std::string reason;
  std::string document_id;
  std::string organ;
  std::string from;
  std::size_t size = 0;
};

class RecentRefusals {
 public:
  explicit RecentRefusals(std::size_t capacity = 100) : capacity_(capacity == 0 ? 1 : capacity) {}
  void add(Refusal r);
  std::vector<Refusal> newest_first() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Refusal> ring_;
};

// The throughput chart: per sample period, what the hub's counters gained (deltas of the
// admin `stats` counters), the latency of the operations observed in it (from the deltas of
// the hub's duration histograms) and the oldest waiting delivery's age at its end. Bounded. Not
// thread-safe (the worker owns it).
struct Totals {
  std::uint64_t accepted = 0, refused = 0, delivered = 0, dead = 0;
};
// A duration histogram read now, by name ("commit", "verify": OpsOptions::latencies).
using Latencies = std::map<std::string, metrics::HistogramSnapshot>;
// One histogram over a period: how many observations, their median and 95th percentile in
// seconds (metrics::quantile of the period's bucket deltas; nullopt when there were none).
struct LatencyFigure {
  std::uint64_t count = 0;
  std::optional<double> p50, p95;
};
struct Sample {
  std::int64_t end_ms = 0;
  Totals gained;
  std::int64_t oldest_age_ms = 0;
  std::map<std::string, LatencyFigure> latency;
};

class History {
 public:
  explicit History(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  // The counters now; the first call only sets the baseline. A counter that went down (a
  // restart of its source) counts from zero.
  // `latencies` likewise: the period's figures come from what each histogram gained.
  void record(std::int64_t now_ms, const Totals& totals, std::int64_t oldest_age_ms,
              const Latencies& latencies = {});
  const std::deque<Sample>& samples() const { return samples_; }
  // What the counters gained since the last record (the period in progress).
  Totals since_last(const Totals& totals) const;
  std::map<std::string, LatencyFigure> latency_since_last(const Latencies& latencies) const;
  bool has_baseline() const { return baseline_set_; }
  std::int64_t last_ms() const { return last_ms_; }

 private:
  std::size_t capacity_;
  std::deque<Sample> samples_;
  Totals baseline_;
  Latencies latency_baseline_;
  bool baseline_set_ = false;
  std::int64_t last_ms_ = 0;
};

}  // namespace docaxis::ops
