#include "store/store.hpp"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>

namespace docaxis::store {

std::string_view to_string(DeliveryState state) {
  switch (state) {
    case DeliveryState::kWaiting: return "waiting";
    case DeliveryState::kInFlight: return "in_flight";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kRefused: return "refused";
    case DeliveryState::kDead: return "dead";
  }
  return "waiting";
}

std::optional<DeliveryState> parse_delivery_state(std::string_view name) {
  for (DeliveryState s : {DeliveryState::kWaiting, DeliveryState::kInFlight,
                          DeliveryState::kDelivered, DeliveryState::kRefused,
                          DeliveryState::kDead}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

namespace {

struct TransitionRule {
  DeliveryState to;
  std::vector<DeliveryState> from;
  const char* verb;
};

TransitionRule rule_for(TransitionKind kind) {
  using S = DeliveryState;
  switch (kind) {
    case TransitionKind::kDelivered:
      return {S::kDelivered, {S::kWaiting, S::kInFlight, S::kDelivered}, "mark it delivered"};
    case TransitionKind::kRefused:
      return {S::kRefused, {S::kWaiting, S::kInFlight}, "mark it refused"};
    case TransitionKind::kRetry:
      return {S::kWaiting, {S::kInFlight}, "schedule a retry"};
    case TransitionKind::kDead:
      return {S::kDead, {S::kWaiting, S::kInFlight}, "mark it dead"};
  }
  return {S::kDead, {}, "change it"};
}

}  // namespace

Result<DeliveryState> check_transition(uint64_t id, TransitionKind kind,
                                       std::string_view current_state) {
  const TransitionRule rule = rule_for(kind);
  const auto state = parse_delivery_state(current_state);
  if (!state || std::find(rule.from.begin(), rule.from.end(), *state) == rule.from.end()) {
    return Status("failed-precondition", "delivery " + std::to_string(id) + " is " +
                                             std::string(current_state) + ": cannot " + rule.verb);
  }
  return rule.to;
}

bool counts_unanswered(const Transition& t) {
  return t.unanswered && (t.kind == TransitionKind::kRetry || t.kind == TransitionKind::kDead);
}

bool follow_up_fails_the_job(const Status& s) {
  const std::string& c = s.code();
  return c == "unavailable" || c == "resource-exhausted" || c == "store-busy" || c == "internal";
}

Result<IngestOutcome> Store::ingest(StoredPackage pkg, std::vector<DeliverySpec> recipients) {
  std::promise<Result<IngestOutcome>> promise;
  auto future = promise.get_future();
  ingest_async(std::move(pkg), std::move(recipients),
               [&promise](Result<IngestOutcome> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<Delivery>> Store::claim_due_for(const std::string& next_hop, int64_t now_ms,
                                                   std::vector<ClaimQuota> quotas) {
  std::promise<Result<std::vector<Delivery>>> promise;
  auto future = promise.get_future();
  claim_due_for_async(next_hop, now_ms, std::move(quotas),
                      [&promise](Result<std::vector<Delivery>> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<TransitionResult>> Store::apply(std::vector<Transition> transitions) {
  std::promise<Result<std::vector<TransitionResult>>> promise;
  auto future = promise.get_future();
  apply_async(std::move(transitions), [&promise](Result<std::vector<TransitionResult>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

namespace {

Result<Delivery> one(Store& store, Transition t) {
  std::vector<Transition> batch;
  batch.push_back(std::move(t));
  auto r = store.apply(std::move(batch));
  if (!r) return r.status();
  if (r->size() != 1) return Status("internal", "apply returned " + std::to_string(r->size()) +
                                                    " results for one transition");
  TransitionResult& tr = r->front();
  if (!tr.status.ok()) return tr.status;
  return std::move(tr.delivery);
}

}  // namespace

Result<Delivery> Store::mark_delivered(uint64_t id) {
  return one(*this, Transition{id, TransitionKind::kDelivered, 0, {}, false, std::nullopt});
}

Result<Delivery> Store::mark_refused(uint64_t id, const std::string& reason) {
  return one(*this, Transition{id, TransitionKind::kRefused, 0, reason, false, std::nullopt});
}

Result<Delivery> Store::schedule_retry(uint64_t id, int64_t next_attempt_ms,
                                       const std::string& error, bool unanswered) {
  return one(*this, Transition{id, TransitionKind::kRetry, next_attempt_ms, error, unanswered, std::nullopt});
}

Result<Delivery> Store::mark_dead(uint64_t id, const std::string& reason) {
  return one(*this, Transition{id, TransitionKind::kDead, 0, reason, false, std::nullopt});
}

}  // namespace docaxis::store
