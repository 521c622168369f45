#include "vxp_bench_load.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

namespace docaxis::bench {
namespace {

using Clock = std::chrono::steady_clock;

double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

ClientRun run_clients(unsigned threads, double warmup_s, double window_s, const RequestFn& request) {
  const auto start = Clock::now();
  const auto window_start = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(warmup_s));
  const auto window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(window_s));
  std::mutex mu;
  ClientRun run;
  run.window_s = window_s;
  std::atomic<bool> cpu_taken{false};
  double cpu_at_start = 0;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(0x5eed + t);
      std::map<std::string, ClassFigures> mine;
      std::map<std::string, uint64_t> errors;
      std::string first_error;
      for (;;) {
        const auto a = Clock::now();
        if (a >= window_end) break;
        if (a >= window_start && !cpu_taken.exchange(true)) cpu_at_start = process_cpu_s();
        std::string cls;
        try {
          cls = request(t, rng);
        } catch (const std::exception& e) {
          cls = std::string("error:exception ") + e.what();
        }
        const auto b = Clock::now();
        if (cls == "stop") break;
        if (cls.rfind("error:", 0) == 0) {
          ++errors[cls.substr(0, cls.find(' '))];
          if (first_error.empty()) first_error = cls;
          continue;
        }
        if (a < window_start || b > window_end) continue;  // only requests wholly inside
        auto& f = mine[cls];
        ++f.count;
        f.latencies_ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
      }
      std::lock_guard lock(mu);
      for (auto& [k, f] : mine) {
        auto& g = run.by_class[k];
        g.count += f.count;
        g.latencies_ms.insert(g.latencies_ms.end(), f.latencies_ms.begin(), f.latencies_ms.end());
      }
      for (auto& [k, n] : errors) run.errors[k] += n;
      if (run.first_error.empty()) run.first_error = first_error;
    });
  }
  for (auto& th : pool) th.join();
  run.cpu_s = cpu_taken ? process_cpu_s() - cpu_at_start : 0;
  return run;
}

}  // namespace docaxis::bench
