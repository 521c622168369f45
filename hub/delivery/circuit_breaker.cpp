#include "delivery/circuit_breaker.hpp"

namespace docaxis::delivery {

CircuitBreaker::State CircuitBreaker::state(int64_t now_ms) const {
  if (state_ == State::kOpen && now_ms >= open_until_ms_) return State::kHalfOpen;
  return state_;
}

int64_t CircuitBreaker::next_allowed_ms(int64_t now_ms) const {
  if (state_ == State::kOpen && now_ms < open_until_ms_) return open_until_ms_;
  return now_ms;
}

bool CircuitBreaker::allow(int64_t now_ms) {
  switch (state(now_ms)) {
    case State::kClosed:
      return true;
    case State::kOpen:
      return false;
    case State::kHalfOpen:
      state_ = State::kHalfOpen;
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::on_success() {
  state_ = State::kClosed;
  failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::on_failure(int64_t now_ms) {
  ++failures_;
  // A failure in half-open (the probe, or a late answer of an older attempt) reopens at once.
  if (state_ == State::kHalfOpen || (state_ == State::kClosed && failures_ >= policy_.failures_to_open)) {
    state_ = State::kOpen;
    open_until_ms_ = now_ms + policy_.open_ms;
    probe_out_ = false;
    ++opened_;
  }
}

std::string_view to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half-open";
  }
  return "?";
}

}  // namespace docaxis::delivery
