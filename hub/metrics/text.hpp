// The Prometheus text exposition format, version 0.0.4 (what `promtool check metrics` reads):
// one `# HELP` and one `# TYPE` line per family, then its samples, families never split or
// repeated. The writer checks what would make a scrape invalid rather than trusting callers:
// names and label names outside the allowed alphabet, a family written twice, a label set
// repeated within a family, a counter without `_total`; such a sample or family is dropped and
// counted in dropped(), never written.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace docaxis::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class TextWriter {
 public:
  enum class Type { counter, gauge, histogram };

  // Starts a family. Counters must be named `…_total`.
  void family(std::string_view name, Type type, std::string_view help);
  // A counter's or gauge's sample in the current family.
  void sample(const Labels& labels, double value);
  // A histogram's samples (`_bucket` with `le`, `_sum`, `_count`) in the current family.
  void histogram(const Labels& labels, const HistogramSnapshot& h);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }
  std::uint64_t dropped() const { return dropped_; }

  static bool valid_metric_name(std::string_view name);
  static bool valid_label_name(std::string_view name);
  // A sample value as Prometheus writes it: shortest round trip, `+Inf`, `-Inf`, `NaN`.
  static std::string format_value(double v);

 private:
  bool open_sample(const Labels& labels, std::string_view suffix, const Labels& extra,
                   std::string& line);

  std::string out_;
  std::string name_;
  Type type_ = Type::gauge;
  bool open_ = false;  // the current family was accepted
  std::set<std::string> families_;
  std::set<std::string> label_sets_;  // of the current family
  std::uint64_t dropped_ = 0;
};

}  // namespace docaxis::metrics
