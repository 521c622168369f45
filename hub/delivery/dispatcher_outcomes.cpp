// Dispatcher, part 2: what happens when an attempt ends (outcome, late outcome, timeout).
// Runs on the dispatcher thread only (see dispatcher.hpp).
#include <string>

#include "delivery/dispatcher.hpp"

namespace docaxis::delivery {
namespace {

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

std::string refusal_reason(const DeliveryOutcome& o) {
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

void Dispatcher::forget_in_flight(uint64_t id) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  const std::string dest = destination(it->second.delivery);
  if (--in_flight_per_destination_[dest] == 0) in_flight_per_destination_.erase(dest);
  in_flight_.erase(it);
}

void Dispatcher::apply(const Outcome& o, int64_t now_ms) {
  auto it = in_flight_.find(o.id);
  if (it == in_flight_.end() || it->second.token != o.token) {
    apply_late(o);
    return;
  }
  const store::Delivery d = it->second.delivery;
  const auto package = it->second.package;
  forget_in_flight(o.id);
  switch (o.outcome.result) {
    case DeliveryResult::kAccepted:
      breaker(destination(d)).on_success();
      decide(d, store::TransitionKind::kDelivered, {}, false, 0, package.get());
      return;
    case DeliveryResult::kRejected:
      // The recipient answered: the destination works, the document is refused for good.
      breaker(destination(d)).on_success();
      decide(d, store::TransitionKind::kRefused, refusal_reason(o.outcome), false, 0,
             package.get());
      return;
    case DeliveryResult::kReleased:
    case DeliveryResult::kModified:
    case DeliveryResult::kNoLink:
      fail(d, std::string(result_name(o.outcome.result)) + " by " + destination(d), false, now_ms);
      return;
    case DeliveryResult::kDisconnected:
      fail(d, "link to " + destination(d) + " lost before an outcome", true, now_ms);
      return;
  }
}

// An outcome for an attempt that already timed out (or was superseded by a newer attempt).
// Final answers still count: the recipient has the document (peers.md: "the sender times
// out while the receiver has actually accepted"). Store::apply reports whether the state
// changed, so a delivery finishes (and is reported) once.
void Dispatcher::apply_late(const Outcome& o) {
  {
    std::lock_guard lk(counters_mu_);
    ++counters_.late_outcomes;
  }
  const auto r = o.outcome.result;
  if (r != DeliveryResult::kAccepted && r != DeliveryResult::kRejected) return;
  // A newer attempt may be out: its outcome, when it comes, will find no in-flight entry.
  forget_in_flight(o.id);
  auto d = store_.load_delivery(o.id);  // rare: the row as stored, for the receipt
  if (!d.ok()) {
    std::lock_guard lk(counters_mu_);
    ++counters_.store_errors;  // the row stays as it is; a later attempt settles it
    return;
  }
  if (store::is_terminal(d->state)) return;  // already finished (e.g. delivered twice)
  if (r == DeliveryResult::kAccepted) {
    decide(*d, store::TransitionKind::kDelivered, {});
  } else {
    decide(*d, store::TransitionKind::kRefused, refusal_reason(o.outcome));
  }
}

void Dispatcher::take_settle(Settle s) {
  auto d = store_.load_delivery(s.id);
  if (!d.ok()) return s.done(d.status());
  if (store::is_terminal(d->state)) {
    const store::DeliveryState asked =
        s.delivered ? store::DeliveryState::kDelivered : store::DeliveryState::kRefused;
    if (d->state == asked) return s.done(std::move(*d));  // asked again: same answer
    return s.done(Status("failed-precondition",
                         "delivery " + std::to_string(s.id) + " has already ended " +
                             std::string(store::to_string(d->state))));
  }
  // An AMQP attempt of the same delivery may be out: the recipient's word settles it, and
  // that attempt's outcome will come late (and be moot).
  forget_in_flight(s.id);
  if (s.delivered) decide(*d, store::TransitionKind::kDelivered, {});
  else decide(*d, store::TransitionKind::kRefused, std::move(s.reason));
  settle_waiters_[s.id].push_back(std::move(s.done));
}

void Dispatcher::answer_settles(const store::Transition& t, const store::TransitionResult& r) {
  if (t.kind != store::TransitionKind::kDelivered && t.kind != store::TransitionKind::kRefused) {
    return;
  }
  auto it = settle_waiters_.find(t.id);
  if (it == settle_waiters_.end()) return;
  std::vector<SettleDone> waiters = std::move(it->second);
  settle_waiters_.erase(it);
  for (auto& done : waiters) {
    if (r.status.ok()) done(r.delivery);
    else done(r.status);
  }
}

void Dispatcher::fail(const store::Delivery& d, const std::string& why, bool unanswered, int64_t now_ms) {
  breaker(destination(d)).on_failure(now_ms);
  const uint32_t no_outcome = d.unanswered + (unanswered ? 1 : 0);
  const auto decision =
      options_.retry.next(d.attempts, d.created_ms, now_ms, random_(), no_outcome);
  if (decision.dead) {
    decide(d, store::TransitionKind::kDead, decision.reason + "; last: " + why, unanswered);
    return;
  }
  decide(d, store::TransitionKind::kRetry, why, unanswered, decision.retry_at_ms);
}

void Dispatcher::expire_timeouts(int64_t now_ms) {
  std::vector<store::Delivery> expired;
  for (const auto& [id, f] : in_flight_) {
    if (f.deadline_ms <= now_ms) expired.push_back(f.delivery);
  }
  for (const auto& d : expired) {
    forget_in_flight(d.id);
    {
      std::lock_guard lk(counters_mu_);
      ++counters_.timeouts;
    }
    fail(d, "no outcome from " + destination(d) + " within " +
                std::to_string(options_.delivery_timeout_ms) + " ms", true, now_ms);
  }
}

}  // namespace docaxis::delivery
