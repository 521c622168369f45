// The fixture of the HubStore contract tests (admin_contract_test.cpp,
// inbox_retention_contract_test.cpp): the AdminStore, InboxStore and RetentionStore halves
// run unchanged on SqliteStore and on PgStore, so the PostgreSQL store's parity is shown.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "backends.hpp"

namespace docaxis::store::testing {

template <typename B>
class HubContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = backend_.prepare(); !why.empty()) GTEST_SKIP() << why;
    auto s = backend_.open(&now_);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
  }
  StoredPackage package(const std::string& doc, const std::string& type = "edoc",
                        const std::string& sender = "000.00.13.H30", size_t size = 1000) {
    StoredPackage p = make_package(sender, doc, binary_bytes(doc, size), now_);
    p.message_type = type;
    return p;
  }
  uint64_t ingest(StoredPackage p, const std::vector<std::string>& recipients,
                  const std::string& hop = "local") {
    std::vector<DeliverySpec> specs;
    for (const auto& r : recipients) specs.push_back({r, hop, 0});
    auto r = store_->ingest(std::move(p), specs);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  uint64_t ingest(const std::string& doc, const std::vector<std::string>& recipients,
                  const std::string& sender = "000.00.01.H01", const std::string& hop = "local") {
    return ingest(package(doc, "edoc", sender), recipients, hop);
  }
  Delivery claim_one() {
    auto c = store_->claim_due("local", now_, 1);
    EXPECT_TRUE(c.ok() && c->size() == 1u) << (c.ok() ? "none due" : c.status().to_string());
    return c.ok() && !c->empty() ? c->front() : Delivery{};
  }
  void deliver_all(uint64_t seq) {
    auto deliveries = store_->deliveries_of(seq);
    ASSERT_TRUE(deliveries.ok()) << deliveries.status().to_string();
    for (const Delivery& d : *deliveries) {
      auto done = store_->mark_delivered(d.id);
      ASSERT_TRUE(done.ok()) << done.status().to_string();
    }
  }
  Status record(uint64_t id, const std::string& result, const std::string& detail,
                const std::string& status) {
    std::promise<Status> p;
    store_->record_event_async(id, result, detail, status, now_,
                               [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  RetentionPass release(const RetentionPolicy& policy) {
    auto pass = store_->release_expired(policy, now_);
    EXPECT_TRUE(pass.ok()) << pass.status().to_string();
    return pass.ok() ? *pass : RetentionPass{};
  }
  bool held(uint64_t seq) { return store_->load_package(seq).ok(); }

  B backend_;
  int64_t now_ = 1'700'000'000'000;
  std::unique_ptr<HubStore> store_;
};

using HubBackends = ::testing::Types<SqliteBackend, PgBackend>;
struct HubBackendNames {
  template <typename T>
  static std::string GetName(int) { return T::kName; }
};

}  // namespace docaxis::store::testing
