// Dispatcher, part 2: what happens when an attempt ends (outcome, late outcome, timeout).
// Runs on the dispatcher thread only (see dispatcher.hpp).
#include <string>

#include "delivery/dispatcher.hpp"

namespace docaxis::delivery {
namespace {

using amqp::DeliveryResult;

std::string_view result_name(DeliveryResult r) {
  switch (r) {
    case DeliveryResult::kAccepted: return "accepted";
    case DeliveryResult::kRejected: return "rejected";
    case DeliveryResult::kReleased: return "released";
    case DeliveryResult::kModified: return "modified";
    case DeliveryResult::kDisconnected: return "disconnected";
    case DeliveryResult::kNoLink: return "no-link";
  }
  return "unknown";
}

std::string refusal_reason(const amqp::DeliveryOutcome& o) {
  std::string r = o.condition.empty() ? std::string("rejected") : o.condition;
  if (!o.description.empty()) r += ": " + o.description;
  return r;
}

}  // namespace

void Dispatcher::drain_outcomes(int64_t now_ms) {
  std::vector<Outcome> batch;
  {
    std::lock_guard lk(mailbox_->mu);
    batch.swap(mailbox_->outcomes);
  }
  for (const auto& o : batch) apply(o, now_ms);
}

void Dispatcher::apply(const Outcome& o, int64_t now_ms) {
  auto it = in_flight_.find(o.id);
  if (it == in_flight_.end() || it->second.token != o.token) {
    apply_late(o);
    return;
  }
  const store::Delivery d = it->second.delivery;
  if (--in_flight_per_organ_[d.recipient] == 0) in_flight_per_organ_.erase(d.recipient);
  in_flight_.erase(it);
  switch (o.outcome.result) {
    case DeliveryResult::kAccepted: {
      breaker(d).on_success();
      const bool was = already_terminal(d.id);
      finish(store_.mark_delivered(d.id), "delivered", was);
      return;
    }
    case DeliveryResult::kRejected: {
      // The recipient answered: the destination works, the document is refused for good.
      breaker(d).on_success();
      const bool was = already_terminal(d.id);
      finish(store_.mark_refused(d.id, refusal_reason(o.outcome)), "refused", was);
      return;
    }
    case DeliveryResult::kReleased:
    case DeliveryResult::kModified:
    case DeliveryResult::kNoLink:
      fail(d, std::string(result_name(o.outcome.result)) + " by inbox/" + d.recipient, false, now_ms);
      return;
    case DeliveryResult::kDisconnected:
      fail(d, "link to inbox/" + d.recipient + " lost before an outcome", true, now_ms);
      return;
  }
}

// An outcome for an attempt that already timed out (or was superseded by a newer attempt).
// Final answers still count: the recipient has the document (peers.md: "the sender times
// out while the receiver has actually accepted").
void Dispatcher::apply_late(const Outcome& o) {
  {
    std::lock_guard lk(counters_mu_);
    ++counters_.late_outcomes;
  }
  const auto r = o.outcome.result;
  if (r != DeliveryResult::kAccepted && r != DeliveryResult::kRejected) return;
  if (already_terminal(o.id)) return;
  auto it = in_flight_.find(o.id);
  if (it != in_flight_.end()) {  // a newer attempt is out: its outcome will arrive late
    auto organ = it->second.delivery.recipient;
    if (--in_flight_per_organ_[organ] == 0) in_flight_per_organ_.erase(organ);
    in_flight_.erase(it);
  }
  if (r == DeliveryResult::kAccepted) {
    finish(store_.mark_delivered(o.id), "delivered", false);
  } else {
    finish(store_.mark_refused(o.id, refusal_reason(o.outcome)), "refused", false);
  }
}

bool Dispatcher::already_terminal(uint64_t id) {
  auto d = store_.load_delivery(id);
  return d.ok() && store::is_terminal(d->state);
}

void Dispatcher::finish(const Result<store::Delivery>& r, std::string_view outcome, bool was_terminal) {
  if (!r.ok()) {
    std::lock_guard lk(counters_mu_);
    ++counters_.store_errors;  // left in flight or waiting: the sweeper or a retry resolves it
    return;
  }
  if (was_terminal) return;
  {
    std::lock_guard lk(counters_mu_);
    if (outcome == "delivered") ++counters_.delivered;
    else if (outcome == "refused") ++counters_.refused;
    else ++counters_.dead;
  }
  if (on_terminal_) on_terminal_(*r, outcome);
}

void Dispatcher::fail(const store::Delivery& d, const std::string& why, bool unanswered, int64_t now_ms) {
  breaker(d).on_failure(now_ms);
  AttemptLedger ledger = AttemptLedger::parse(d.last_error);
  if (unanswered) ++ledger.unanswered;
  const auto decision = options_.retry.next(ledger.real_attempts(d.attempts), d.created_ms, now_ms,
                                            random_(), ledger.unanswered);
  if (decision.dead) {
    finish(store_.mark_dead(d.id, decision.reason + "; last: " + why), "expired", false);
    return;
  }
  auto r = store_.schedule_retry(d.id, decision.retry_at_ms, ledger.format(why));
  std::lock_guard lk(counters_mu_);
  ++(r.ok() ? counters_.retried : counters_.store_errors);
}

void Dispatcher::expire_timeouts(int64_t now_ms) {
  std::vector<store::Delivery> expired;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.deadline_ms <= now_ms) {
      expired.push_back(it->second.delivery);
      if (--in_flight_per_organ_[it->second.delivery.recipient] == 0) {
        in_flight_per_organ_.erase(it->second.delivery.recipient);
      }
      it = in_flight_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& d : expired) {
    {
      std::lock_guard lk(counters_mu_);
      ++counters_.timeouts;
    }
    fail(d, "no outcome from inbox/" + d.recipient + " within " +
                std::to_string(options_.delivery_timeout_ms) + " ms", true, now_ms);
  }
}


}  // namespace docaxis::delivery
