// Binds HubPorts (service.hpp) to the hub's real objects. Only the hub program includes this:
// it is where the admin module meets the concrete dispatcher, ingest pipeline and store.
#pragma once

#include <cstdint>
#include <functional>

#include "admin/service.hpp"
#include "audit/audit_trail.hpp"
#include "delivery/dispatcher.hpp"
#include "engine/ingest.hpp"
#include "engine/receipts.hpp"
#include "store/hub_store.hpp"

namespace docaxis::admin {

// Every object must outlive the returned ports' use (the admin endpoint's lifetime).
// Counter groups: ingest, delivery, receipts, store, audit; gauges: in_flight,
// audit_last_seq, store_max_batch.
HubPorts hub_ports(delivery::Dispatcher& dispatcher, const engine::Ingest& ingest,
                   const engine::ReceiptIssuer& receipts, const audit::AuditTrail* audit,
                   const store::HubStore& store, std::function<int64_t()> clock);

}  // namespace docaxis::admin
