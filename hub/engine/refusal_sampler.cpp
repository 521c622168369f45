#include "engine/refusal_sampler.hpp"

#include <algorithm>

#include "audit/events.hpp"
#include "log/log.hpp"
#include "model/codes.hpp"

namespace docaxis::engine {

RefusalSampler::RefusalSampler(std::uint32_t per_window, std::chrono::milliseconds window)
    : per_window_(per_window), window_ms_(std::max<std::int64_t>(1, window.count())) {}

audit::Event RefusalSampler::summary(const std::string& code, const Window& w) const {
  return audit::events::refusals_suppressed(code, w.suppressed, w.recorded, w.start_ms,
                                            window_ms_);
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

void log_refusal(const model::ConnectionIdentity& from, const std::string& address, std::size_t size,
                 const Status& status, const std::string& doc, const std::string& organ,
                 bool sampled, const std::vector<audit::Event>& summaries) {
  static log::Logger& L = log::get("engine");
  if (sampled) {
    const bool transient = model::is_transient(status.code());
    L.at(transient ? log::Level::info : log::Level::warn,
         transient ? "package-released" : "package-refused",
         {{"code", status.code()},
          {"reason", status.message()},
          {"doc", doc},
          {"organ", organ},
          {"address", address},
          {"size", size},
          {"subject", from.subject},
          {"uid", from.uid},
          {"sha256", log::prefix(from.sha256, 16)}});
  }
  for (const audit::Event& e : summaries) {
    if (!L.enabled(log::Level::warn)) break;
    const auto& d = e.detail;
    L.warn("refusals-suppressed",
           {{"code", d.value("code", std::string())},
            {"suppressed", d.value("suppressed", std::uint64_t{0})},
            {"recorded", d.value("recorded", std::uint64_t{0})},
            {"window_start_ms", d.value("window_start_ms", std::int64_t{0})},
            {"window_ms", d.value("window_ms", std::int64_t{0})}});
  }
}

}  // namespace docaxis::engine
