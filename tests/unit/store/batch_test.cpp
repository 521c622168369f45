// The dispatcher's batch API: per-recipient claims, transitions applied in one commit, the
// unanswered (poison) count, and the deadline sweep of never-claimed deliveries.
#include <gtest/gtest.h>

#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;

PackageFilter receipts_only() {
  PackageFilter f;
  f.message_type = "receipt";
  return f;
}

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(testing::options_for(dir_.file("spool.db"), &now_));
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  uint64_t ingest(const std::string& doc, std::vector<std::string> recipients,
                  const std::string& hop = "local") {
    std::vector<DeliverySpec> specs;
    for (auto& r : recipients) specs.push_back({r, hop, 0});
    auto r = store_->ingest(make_package("000.00.01.H01", doc, "<x/>", now_), specs);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  std::vector<Delivery> claim(std::vector<ClaimQuota> quotas, const std::string& hop = "local") {
    auto r = store_->claim_due_for(hop, now_, quotas);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : std::vector<Delivery>{};
  }
  testing::TempDir dir_;
  int64_t now_ = 1'000'000;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(BatchTest, ClaimDueForTakesOnlyTheNamedRecipientsUpToEachQuota) {
  for (int i = 0; i < 4; ++i) {
    now_ += 10;
    ingest("d" + std::to_string(i), {"r1", "r2", "r3"});
  }
  ingest("peer", {"r1"}, "national");
  auto claimed = claim({{"r1", 3}, {"r2", 1}, {"r9", 5}});
  ASSERT_EQ(claimed.size(), 4u);
  int r1 = 0, r2 = 0;
  for (const Delivery& d : claimed) {
    EXPECT_EQ(d.next_hop, "local");
    EXPECT_EQ(d.state, DeliveryState::kInFlight);
    EXPECT_EQ(d.attempts, 1u);
    r1 += d.recipient == "r1";
    r2 += d.recipient == "r2";
  }
  EXPECT_EQ(r1, 3);
  EXPECT_EQ(r2, 1);
  // Earliest due first, and r3 (not named) untouched.
  EXPECT_LE(claimed.front().next_attempt_ms, claimed.back().next_attempt_ms);
  auto stats = store_->queue_stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->front().next_hop, "local");
  EXPECT_EQ(stats->front().in_flight, 4u);
  EXPECT_EQ(stats->front().waiting, 8u);  // r1 x1, r2 x3, r3 x4
  EXPECT_TRUE(claim({{"r1", 0}}).empty());
  // A peer link claims any recipient of its hop, in the same call as the inboxes.
  auto mixed = claim({{"", 5, "national"}, {"r3", 1}});
  ASSERT_EQ(mixed.size(), 2u);
  int peer = 0;
  for (const Delivery& d : mixed) peer += d.next_hop == "national";
  EXPECT_EQ(peer, 1);
}

TEST_F(BatchTest, ApplyCommitsEveryTransitionAndAnswersEachOnItsOwn) {
  ingest("a", {"r1", "r2", "r3", "r4"});
  auto claimed = claim({{"r1", 1}, {"r2", 1}, {"r3", 1}, {"r4", 1}});
  ASSERT_EQ(claimed.size(), 4u);
  now_ += 100;
  std::vector<Transition> batch = {
      {claimed[0].id, TransitionKind::kDelivered, 0, {}, false, std::nullopt},
      {claimed[1].id, TransitionKind::kRefused, 0, "recipient:refused: wrong office", false, std::nullopt},
      {claimed[2].id, TransitionKind::kRetry, now_ + 5000, "released by inbox/r3", true, std::nullopt},
      {claimed[3].id, TransitionKind::kDead, 0, "poison", false, std::nullopt},
      {claimed[0].id, TransitionKind::kDelivered, 0, {}, false, std::nullopt},  // repeated: not a change
      {claimed[1].id, TransitionKind::kRetry, now_, "late", false, std::nullopt},  // refused is terminal
      {424242, TransitionKind::kDelivered, 0, {}, false, std::nullopt},
  };
  auto r = store_->apply(batch);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), batch.size());
  const auto& res = *r;
  EXPECT_TRUE(res[0].status.ok());
  EXPECT_TRUE(res[0].changed);
  EXPECT_EQ(res[0].delivery.state, DeliveryState::kDelivered);
  EXPECT_EQ(res[0].delivery.updated_ms, now_);
  EXPECT_EQ(res[1].delivery.state, DeliveryState::kRefused);
  EXPECT_EQ(res[1].delivery.last_error, "recipient:refused: wrong office");
  EXPECT_EQ(res[2].delivery.state, DeliveryState::kWaiting);
  EXPECT_EQ(res[2].delivery.next_attempt_ms, now_ + 5000);
  EXPECT_EQ(res[2].delivery.unanswered, 1u);
  EXPECT_EQ(res[3].delivery.state, DeliveryState::kDead);
  EXPECT_EQ(res[3].delivery.unanswered, 0u);
  EXPECT_TRUE(res[4].status.ok());
  EXPECT_FALSE(res[4].changed);
  EXPECT_EQ(res[5].status.code(), "failed-precondition");
  EXPECT_NE(res[5].status.message().find("is refused: cannot schedule a retry"), std::string::npos);
  EXPECT_EQ(res[6].status.code(), "not-found");
  // Committed: a fresh read sees the states.
  EXPECT_EQ(store_->load_delivery(claimed[2].id)->state, DeliveryState::kWaiting);
  EXPECT_EQ(store_->load_delivery(claimed[1].id)->state, DeliveryState::kRefused);
}

TEST_F(BatchTest, UnansweredCountsAttemptsWithoutAnOutcomeAndSurvivesRestartRecovery) {
  ingest("a", {"r"});
  auto d = claim({{"r", 1}}).front();
  ASSERT_TRUE(store_->schedule_retry(d.id, now_, "timeout", true).ok());
  d = claim({{"r", 1}}).front();
  ASSERT_TRUE(store_->schedule_retry(d.id, now_, "released", false).ok());
  d = claim({{"r", 1}}).front();
  EXPECT_EQ(d.attempts, 3u);
  EXPECT_EQ(d.unanswered, 1u);
  // The hub dies with the attempt out: recovery counts it as unanswered too.
  ASSERT_EQ(*store_->recover_in_flight(INT64_MAX), 1u);
  auto after = store_->load_delivery(d.id);
  EXPECT_EQ(after->state, DeliveryState::kWaiting);
  EXPECT_EQ(after->unanswered, 2u);
}

TEST_F(BatchTest, OverdueWaitingListsOnlyOldWaitingDeliveriesOldestFirst) {
  ingest("old", {"r1", "r2"});
  auto first = claim({{"r2", 1}}).front();
  ASSERT_TRUE(store_->schedule_retry(first.id, now_ + 1, "released by inbox/r2").ok());
  now_ += 1000;
  ingest("new", {"r1"});
  ingest("in-flight", {"r3"});
  ASSERT_EQ(claim({{"r3", 1}}).size(), 1u);

  auto overdue = store_->overdue_waiting(now_, 10);
  ASSERT_TRUE(overdue.ok()) << overdue.status().to_string();
  ASSERT_EQ(overdue->size(), 2u);  // both deliveries of "old", not those received at now_
  for (const Delivery& d : *overdue) EXPECT_EQ(d.state, DeliveryState::kWaiting);
  EXPECT_EQ((*overdue)[1].last_error, "released by inbox/r2");
  EXPECT_EQ(store_->overdue_waiting(now_, 1)->size(), 1u);
  // Later: "new" too, never "in-flight" (the in-flight sweeper's business).
  auto later = store_->overdue_waiting(now_ + 1, 10);
  ASSERT_EQ(later->size(), 3u);
  EXPECT_EQ(later->back().recipient, "r1");
}

TEST_F(BatchTest, AFollowUpIsStoredInTheSameCommitOnlyWhenTheStateChanged) {
  ingest("a", {"r1", "r2"});
  auto claimed = claim({{"r1", 1}, {"r2", 1}});
  ASSERT_EQ(claimed.size(), 2u);
  auto receipt = [&](const std::string& id) {
    FollowUp f;
    f.package = make_package("hub", id, "<receipt/>", now_);
    f.package.message_type = "receipt";
    f.recipients = {{"000.00.01.H01", "local", 0}};
    return f;
  };
  std::vector<Transition> batch(3);
  batch[0] = {claimed[0].id, TransitionKind::kDelivered, 0, {}, false, receipt("rc-1")};
  batch[1] = {claimed[1].id, TransitionKind::kRetry, now_ + 10, "released", false, receipt("rc-2")};
  batch[2] = {claimed[0].id, TransitionKind::kDelivered, 0, {}, false, receipt("rc-3")};  // repeat
  auto r = store_->apply(batch);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].follow_up_seq.has_value());
  EXPECT_TRUE((*r)[0].follow_up_status.ok());
  EXPECT_FALSE((*r)[1].follow_up_seq.has_value());  // not terminal: no receipt
  EXPECT_FALSE((*r)[2].follow_up_seq.has_value());  // no change: no second receipt
  auto stored = store_->load_package(*(*r)[0].follow_up_seq);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->document_id, "rc-1");
  auto deliveries = store_->deliveries_of(stored->seq);
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ(deliveries->front().recipient, "000.00.01.H01");
  EXPECT_EQ(store_->list_packages(receipts_only())->size(), 1u);

  // A follow-up that cannot be stored (same key, other bytes) leaves the transition applied.
  auto again = claim({{"r2", 1}});
  now_ += 20;
  again = claim({{"r2", 1}});
  ASSERT_EQ(again.size(), 1u);
  FollowUp conflict = receipt("rc-1");
  conflict.package.bytes = "<other/>";
  conflict.package.sha256_hex = testing::fake_sha256_hex("<other/>");
  std::vector<Transition> second(1);
  second[0] = {again[0].id, TransitionKind::kRefused, 0, "no", false, conflict};
  auto r2 = store_->apply(second);
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  EXPECT_TRUE((*r2)[0].status.ok());
  EXPECT_EQ((*r2)[0].delivery.state, DeliveryState::kRefused);
  EXPECT_EQ((*r2)[0].follow_up_status.code(), "duplicate-conflict");
  EXPECT_EQ(store_->list_packages(receipts_only())->size(), 1u);
}

}  // namespace
}  // namespace docaxis::store
