// CircuitBreaker: one per next hop (a peer hub, or a local recipient's inbox), so that a dead
// destination is not hammered ("no retry storm").
//
//   closed --failures_to_open consecutive failures--> open (until now + open_ms)
//   open   --now >= open_until--> half-open: allow() lets exactly one probe through
//   half-open --success--> closed      half-open --failure--> open again (full open_ms)
// A success in closed resets the failure count. Pure: now is passed in; not thread-safe (the
// dispatcher owns its breakers on its own thread).
#pragma once

#include <cstdint>
#include <string_view>

namespace docaxis::delivery {

struct BreakerPolicy {
  uint32_t failures_to_open = 5;
  int64_t open_ms = 60'000;
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(BreakerPolicy policy = {}) : policy_(policy) {}

  // May an attempt start now? In half-open, true once (the probe) until its result is known.
  bool allow(int64_t now_ms);
  void on_success();
  void on_failure(int64_t now_ms);

  // State as of now (open turns half-open when its time has come).
  State state(int64_t now_ms) const;
  // While open: when the probe will be allowed. Otherwise now_ms.
  int64_t next_allowed_ms(int64_t now_ms) const;
  uint32_t consecutive_failures() const { return failures_; }
  uint64_t times_opened() const { return opened_; }

 private:
  BreakerPolicy policy_;
  State state_ = State::kClosed;
  uint32_t failures_ = 0;
  int64_t open_until_ms_ = 0;
  bool probe_out_ = false;
  uint64_t opened_ = 0;
};

std::string_view to_string(CircuitBreaker::State s);

}  // namespace docaxis::delivery
