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

}  // namespace docaxis::store
