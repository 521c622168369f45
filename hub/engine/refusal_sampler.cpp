#include "engine/refusal_sampler.hpp"

#include <algorithm>

namespace docaxis::engine {

RefusalSampler::RefusalSampler(std::uint32_t per_window, std::chrono::milliseconds window)
    : per_window_(per_window), window_ms_(std::max<std::int64_t>(1, window.count())) {}

audit::Event RefusalSampler::summary(const std::string& code, const Window& w) const {
  audit::Event e;
  e.type = "refusals-suppressed";
  e.detail = {{"code", code},
              {"suppressed", w.suppressed},
              {"recorded", w.recorded},
              {"window_start_ms", w.start_ms},
              {"window_ms", window_ms_}};
  return e;
}

bool RefusalSampler::sample(const std::string& code, std::int64_t now_ms,
                            std::vector<audit::Event>& summaries) {
  std::lock_guard lk(mu_);
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now_ms - it->second.start_ms < window_ms_) {
      ++it;
      continue;
    }
    if (it->second.suppressed > 0) summaries.push_back(summary(it->first, it->second));
    it = windows_.erase(it);
  }
  auto [it, fresh] = windows_.try_emplace(code);
  if (fresh) it->second.start_ms = now_ms;
  if (it->second.recorded < per_window_) {
    ++it->second.recorded;
    return true;
  }
  ++it->second.suppressed;
  return false;
}

std::vector<audit::Event> RefusalSampler::flush() {
  std::lock_guard lk(mu_);
  std::vector<audit::Event> out;
  for (const auto& [code, w] : windows_) {
    if (w.suppressed > 0) out.push_back(summary(code, w));
  }
  windows_.clear();
  return out;
}

}  // namespace docaxis::engine
