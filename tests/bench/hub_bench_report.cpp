#include "hub_bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace docaxis::bench {
namespace {

// Nearest-rank percentile in ms of values in ns; -1 for none.
double percentile_ms(std::vector<int64_t>& ns, double p) {
  if (ns.empty()) return -1;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(ns.size())));
  const std::size_t at = std::min(ns.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(at), ns.end());
  return static_cast<double>(ns[at]) / 1e6;
}

struct Window {
  double seconds = 0;
  std::size_t sent = 0, delivered = 0;
  std::vector<int64_t> e2e, accept, receipt;  // ns, packages sent inside the window
};

Window window_of(const LoadResult& r) {
  Window w;
  w.seconds = static_cast<double>(r.window_end - r.window_start) / 1e9;
  auto inside = [&](int64_t t) { return t >= r.window_start && t <= r.window_end; };
  for (const PackageTimes& t : r.times) {
    if (t.delivered >= 0 && inside(t.delivered)) ++w.delivered;
    if (t.sent < 0 || !inside(t.sent)) continue;
    ++w.sent;
    if (t.delivered >= 0) w.e2e.push_back(t.delivered - t.sent);
    if (t.accepted >= 0) w.accept.push_back(t.accepted - t.sent);
    if (t.receipt >= 0) w.receipt.push_back(t.receipt - t.sent);
  }
  return w;
}

std::string fixed(double v, int decimals) {
  if (v < 0) return "na";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

}  // namespace

std::string report_line(const LoadResult& r, const RunFacts& facts) {
  Window w = window_of(r);
  const double secs = w.seconds > 0 ? w.seconds : 1;
  auto per_s = [&](std::size_t n) { return fixed(static_cast<double>(n) / secs, 1); };
  auto pct = [&](double cpu) { return cpu < 0 ? std::string("na") : fixed(100 * cpu / secs, 1); };
  auto mb = [](long kb) {
    return kb < 0 ? std::string("na") : fixed(static_cast<double>(kb) / 1024, 1);
  };
  // One hub: the value alone (the one-hub format); several: name:value,name:value.
  auto per_hub = [&](std::size_t n, const auto& value_of) {
    if (facts.hubs.size() <= 1) return n > 0 ? value_of(0) : std::string("na");
    std::string v;
    for (std::size_t i = 0; i < facts.hubs.size(); ++i)
      v += (i ? "," : "") + facts.hubs[i] + ":" + (i < n ? value_of(i) : std::string("na"));
    return v;
  };
  std::string line = "e2e " + facts.topology + " rate=" + fixed(facts.offered_rate, 0);
  line += " offered/s=" + (facts.offered_rate > 0 ? fixed(facts.offered_rate, 0) : "max");
  line += " sent/s=" + per_s(w.sent) + " delivered/s=" + per_s(w.delivered);
  // Held back by the end-to-end window: the hub did not keep up with the offered load.
  if (facts.offered_rate > 0)
    line += static_cast<double>(w.sent) >= 0.97 * facts.offered_rate * secs ? " kept_up=yes"
                                                                            : " kept_up=no";
  line += " p50_ms=" + fixed(percentile_ms(w.e2e, 50), 1);
  line += " p95_ms=" + fixed(percentile_ms(w.e2e, 95), 1);
  line += " p99_ms=" + fixed(percentile_ms(w.e2e, 99), 1);
  line += " accept_p50_ms=" + fixed(percentile_ms(w.accept, 50), 1);
  line += " accept_p99_ms=" + fixed(percentile_ms(w.accept, 99), 1);
  line += " receipt_p50_ms=" + fixed(percentile_ms(w.receipt, 50), 1);
  line += " receipt_p99_ms=" + fixed(percentile_ms(w.receipt, 99), 1);
  line += " hub_cpu%=" + per_hub(r.hub_cpu_seconds.size(),
                                 [&](std::size_t i) { return pct(r.hub_cpu_seconds[i]); });
  line += " hub_rss_peak_mb=" + per_hub(facts.hub_rss_peak_kb.size(), [&](std::size_t i) {
            return mb(facts.hub_rss_peak_kb[i]);
          });
  line += " gen_cpu%=" + pct(r.gen_cpu_seconds);
  line += " window_s=" + fixed(w.seconds, 1);
  line += " sent=" + std::to_string(r.sent) + " accepted=" + std::to_string(r.accepted);
  line += " delivered=" + std::to_string(r.delivered) + " receipts=" + std::to_string(r.receipts);
  line += " released=" + std::to_string(r.released) + " rejected=" + std::to_string(r.rejected);
  line += " dup_deliveries=" + std::to_string(r.duplicate_deliveries);
  if (r.pool_exhausted) line += " pool_exhausted=yes";
  line += run_problems(r, facts).empty() ? " result=ok" : " result=FAIL";
  return line;
}

std::vector<std::string> run_problems(const LoadResult& r, const RunFacts& facts) {
  std::vector<std::string> p = r.errors;
  auto count = [&](uint64_t n, const char* what) {
    if (n > 0) p.push_back(std::to_string(n) + " " + what);
  };
  if (r.window_end <= r.window_start) p.push_back("the measured window never ended");
  if (!r.drained)
    p.push_back("the drain timed out: not every package was answered, delivered and receipted");
  if (r.accepted + r.rejected != r.sent)
    p.push_back("sent " + std::to_string(r.sent) + " but " + std::to_string(r.accepted) +
                " accepted and " + std::to_string(r.rejected) + " rejected");
  if (r.delivered != r.accepted)
    p.push_back("accepted " + std::to_string(r.accepted) + " but delivered " +
                std::to_string(r.delivered));
  if (r.receipts != r.delivered)
    p.push_back("delivered " + std::to_string(r.delivered) + " but " + std::to_string(r.receipts) +
                " receipts");
  for (const auto& [condition, n] : r.rejections) {
    const auto text = r.rejection_text.find(condition);
    count(n, ("rejected with " + condition +
              " (first: " + (text == r.rejection_text.end() ? "" : text->second) + ")")
                 .c_str());
  }
  count(r.misrouted, "packages or receipts at the wrong inbox");
  count(r.corrupted, "deliveries whose bytes differ from the package sent");
  count(r.bad_receipts, "receipts unreadable or not 'delivered'");
  if (r.unverified_receipts > 0)
    p.push_back(std::to_string(r.unverified_receipts) +
                " receipts failed verification (first: " + r.first_unverified + ")");
  else if (r.receipts_verified != r.receipts)
    p.push_back(std::to_string(r.receipts) + " receipts but " +
                std::to_string(r.receipts_verified) + " verified");
  count(r.unexpected, "unexpected messages (unknown document or message type)");
  if (facts.hub_exit != 0) p.push_back("docaxis-hub exited with " + std::to_string(facts.hub_exit));
  return p;
}

}  // namespace docaxis::bench
