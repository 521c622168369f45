// PolledInboxService: PolledInboxes (polling_port.hpp) over the store and the dispatcher.
// Reads go to the store's InboxStore; a status that ends a delivery goes through
// Dispatcher::settle, so it is decided, receipted and audited exactly like an AMQP outcome;
// fetches and other statuses are recorded in the delivery's attempt history.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "delivery/dispatcher.hpp"
#include "delivery/polling_port.hpp"
#include "store/inbox_store.hpp"
#include "store/store.hpp"

namespace docaxis::delivery {

class PolledInboxService final : public PolledInboxes {
 public:
  using Clock = std::function<int64_t()>;  // unix ms
  // After a status was applied (committed): the delivery as it is now and what was reported.
  // The caller is answered when `then` runs (the server wires the audit log: the answer
  // waits for its record). Runs on a store or dispatcher thread; must not block.
  using OnStatus = std::function<void(const PolledItem& item, const RecipientStatus& status,
                                      std::function<void()> then)>;

  // Every reference must outlive the service.
  PolledInboxService(store::Store& store, store::InboxStore& inbox, Dispatcher& dispatcher,
                     Clock clock, OnStatus on_status = {});

  Result<std::vector<PolledItem>> waiting(const std::vector<std::string>& organs,
                                          const std::string& message_type,
                                          uint32_t limit) override;
  Result<uint64_t> count_waiting(const std::vector<std::string>& organs,
                                 const std::string& message_type) override;
  Result<PolledPackage> fetch(const std::vector<std::string>& organs, const std::string& doc_id,
                              const std::string& by) override;
  Result<std::vector<SentItem>> sent(const std::vector<std::string>& organs,
                                     const std::string& doc_id, const std::string& message_type,
                                     uint32_t limit) override;
  void report_status(const std::vector<std::string>& organs, const std::string& doc_id,
                     RecipientStatus status, StatusDone done) override;

 private:
  store::Store& store_;
  store::InboxStore& inbox_;
  Dispatcher& dispatcher_;
  Clock clock_;
  OnStatus on_status_;
};

}  // namespace docaxis::delivery
