#include "log/rate_limiter.hpp"

#include <tuple>

namespace docaxis::log {

RateLimiter::Decision RateLimiter::admit(std::string_view reason, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(reason);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxReasons) reason = kOverflowReason;
    bool fresh = false;
    std::tie(it, fresh) = entries_.try_emplace(std::string(reason));
    if (fresh) it->second.window_start_ms = now_ms;
  }
  Entry& e = it->second;
  if (now_ms - e.window_start_ms >= window_ms_ || now_ms < e.window_start_ms) {
    e.window_start_ms = now_ms;
    e.in_window = 0;
  }
  if (e.in_window >= per_window_) {
    ++e.suppressed;
    return {false, 0};
  }
  ++e.in_window;
  Decision d{true, e.suppressed};
  e.suppressed = 0;
  return d;
}

RateLimiter::Decision RateLimiter::admit(std::string_view reason) {
  return admit(reason, std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count());
}

}  // namespace docaxis::log
