#include "store/store.hpp"

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
