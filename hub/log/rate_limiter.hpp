// RateLimiter: at most `per_window` lines per reason per window (1 s by default), so that a
// client failing its handshake in a loop cannot make the hub's log grow at its pace.
//
// admit() answers whether this occurrence gets its line; when it does, `suppressed` is the
// number of occurrences of the same reason left out since the previous admitted line (logged as
// `suppressed=N`). Occurrences left out at the end of a burst are reported with the next line of
// that reason. At most kMaxReasons distinct reasons are tracked; beyond them every reason shares
// the one entry kOverflowReason ("other"), so hostile reason texts cannot grow the map.
// Time is injected (now_ms). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace docaxis::log {

class RateLimiter {
 public:
  static constexpr std::size_t kMaxReasons = 64;
  static constexpr std::string_view kOverflowReason = "other";

  explicit RateLimiter(std::uint32_t per_window,
                       std::chrono::milliseconds window = std::chrono::seconds(1))
      : per_window_(per_window), window_ms_(window.count() > 0 ? window.count() : 1) {}

  struct Decision {
    bool log = false;
    std::uint64_t suppressed = 0;  // left out since the previous admitted line of this reason
  };
  Decision admit(std::string_view reason, std::int64_t now_ms);
  // The same at the steady clock's now.
  Decision admit(std::string_view reason);

 private:
  struct Entry {
    std::int64_t window_start_ms = 0;
    std::uint32_t in_window = 0;
    std::uint64_t suppressed = 0;
  };
  std::uint32_t per_window_;
  std::int64_t window_ms_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace docaxis::log
