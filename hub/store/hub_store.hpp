// HubStore: everything the hub program asks of its spool, as one object. The engine and the
// dispatcher see only Store; the admin endpoint AdminStore; polled inboxes InboxStore; the
// retention runner RetentionStore. The server (hub/server/store_backend.*) opens one HubStore
// per hub process, chosen by `[store] backend`: SqliteStore (one node, the default) or
// PgStore (hub/store_pg: several nodes over one replicated PostgreSQL database, issue 17).
#pragma once

#include <string>

#include "common/status.hpp"
#include "store/admin_store.hpp"
#include "store/counters.hpp"
#include "store/inbox_store.hpp"
#include "store/retention.hpp"
#include "store/store.hpp"

namespace docaxis::store {

class HubStore : public Store, public AdminStore, public InboxStore, public RetentionStore {
 public:
  ~HubStore() override = default;

  // A snapshot of the write path's counters (metrics, `docaxis stats`). Fields a backend
  // does not have stay 0 (PostgreSQL has no WAL frames of its own to count here).
  virtual StoreCounters counters() const = 0;
  // Why the last write transaction failed, while none has committed since; ok otherwise
  // (readiness).
  virtual Status last_commit_failure() const = 0;
  // "sqlite" | "postgresql": the `[store] backend` value (logs, metrics label).
  virtual std::string backend() const = 0;
};

}  // namespace docaxis::store
