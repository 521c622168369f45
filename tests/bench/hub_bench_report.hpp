// hub_bench: turns one load run into its figures, its one machine-readable line and the list
// of what went wrong.
//
// Figures over the measured window [window_start, window_end]:
//   delivered/s   packages first received by their recipient inside the window, per second
//   sent/s        packages first sent inside the window, per second
//   kept_up       (offered rate only) no: sent/s fell more than 3 % short of the offered rate,
//                 because the end-to-end window held the senders back
//   p50/p95/p99   recipient-receive minus send, over the packages sent inside the window
//                 (those delivered during the drain included); nearest-rank percentiles
//   accept_*      send to the hub's `accepted` (the durable commit), same packages
//   receipt_*     send to the sender's receipt of the hub's delivery receipt, same packages
//   hub_cpu%      hub utime+stime in the window, as % of one core; with several hubs one
//                 value per hub, `name:value` joined by commas in path order
//                 (hub_cpu%=h30:…,national:…,g12:…), and hub_rss_peak_mb the same way
//   gen_cpu%      this load generator, same
// Counts (sent, accepted, delivered, ...) cover the whole run, warm-up and drain included.
//
// Threads: pure functions.
#pragma once

#include <string>
#include <vector>

#include "hub_bench_load.hpp"

namespace docaxis::bench {

struct RunFacts {
  double offered_rate = 0;  // 0 = saturation
  std::string topology = "one-hub";
  std::vector<std::string> hubs = {"h30"};  // names, in path order (as LoadResult's per-hub CPU)
  std::vector<long> hub_rss_peak_kb;        // per hub; -1 unknown
  int hub_exit = 0;  // the first non-zero docaxis-hub exit code after SIGTERM (or -signal)
};

// The line: "e2e <topology> rate=... offered/s=... delivered/s=... p50_ms=... result=ok|FAIL".
std::string report_line(const LoadResult& r, const RunFacts& facts);

// Every reason the run does not count (empty: it does): errors, a drain that timed out,
// counts that disagree, rejections, misrouted or altered packages, bad or unverified
// receipts, an unclean hub exit. Duplicate deliveries are allowed (at-least-once) and only
// reported.
std::vector<std::string> run_problems(const LoadResult& r, const RunFacts& facts);

}  // namespace docaxis::bench
