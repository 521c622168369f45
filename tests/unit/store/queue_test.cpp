// The delivery queue: claims, outcomes, retries, dead letters, the sweeper, and the counts.
#include <gtest/gtest.h>

#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(testing::options_for(dir_.file("spool.db"), &now_));
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  // Stores a package received at `now_` for `recipients` via `hop`; returns its seq.
  uint64_t ingest(const std::string& doc, std::vector<std::string> recipients,
                  const std::string& hop = "local") {
    std::vector<DeliverySpec> specs;
    for (auto& r : recipients) specs.push_back({r, hop, 0});
    auto r = store_->ingest(make_package("000.00.01.H01", doc, "<x/>", now_), specs);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  testing::TempDir dir_;
  int64_t now_ = 1'000'000;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(QueueTest, ClaimDueMovesOnlyDueWaitingDeliveriesOfThatHopToInFlight) {
  ingest("a", {"r1", "r2"});
  ingest("b", {"p1"}, "national");
  auto claimed = store_->claim_due("local", now_, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().to_string();
  ASSERT_EQ(claimed->size(), 2u);
  for (const Delivery& d : *claimed) {
    EXPECT_EQ(d.state, DeliveryState::kInFlight);
    EXPECT_EQ(d.attempts, 1u);
    EXPECT_EQ(d.updated_ms, now_);
  }
  EXPECT_LT((*claimed)[0].id, (*claimed)[1].id);
  EXPECT_TRUE(store_->claim_due("local", now_, 10)->empty());  // already in flight
  EXPECT_EQ(store_->claim_due("national", now_ - 1, 10)->size(), 0u);  // not yet due
  EXPECT_EQ(store_->claim_due("national", now_, 10)->size(), 1u);
}

TEST_F(QueueTest, ClaimDueHonoursLimitAndDueOrder) {
  for (int i = 0; i < 5; ++i) {
    now_ += 10;
    ingest("d" + std::to_string(i), {"r"});
  }
  auto first = store_->claim_due("local", now_, 2);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_LT((*first)[0].next_attempt_ms, (*first)[1].next_attempt_ms);
  EXPECT_EQ(store_->claim_due("local", now_, 10)->size(), 3u);
}

TEST_F(QueueTest, DeliveredIsTerminalAndALateDeliveredOutcomeIsIdempotent) {
  ingest("a", {"r"});
  auto d = store_->claim_due("local", now_, 1)->front();
  now_ += 5;
  auto delivered = store_->mark_delivered(d.id);
  ASSERT_TRUE(delivered.ok()) << delivered.status().to_string();
  EXPECT_EQ(delivered->state, DeliveryState::kDelivered);
  EXPECT_EQ(delivered->updated_ms, now_);
  EXPECT_TRUE(store_->mark_delivered(d.id).ok());
  EXPECT_EQ(store_->mark_refused(d.id, "late").status().code(), "failed-precondition");
  EXPECT_EQ(store_->schedule_retry(d.id, now_, "late").status().code(), "failed-precondition");
  EXPECT_EQ(store_->mark_dead(d.id, "late").status().code(), "failed-precondition");
}

TEST_F(QueueTest, RetryReturnsToWaitingUntilItsDueTimeAndKeepsTheError) {
  ingest("a", {"r"});
  auto d = store_->claim_due("local", now_, 1)->front();
  auto retried = store_->schedule_retry(d.id, now_ + 5000, "released by recipient");
  ASSERT_TRUE(retried.ok()) << retried.status().to_string();
  EXPECT_EQ(retried->state, DeliveryState::kWaiting);
  EXPECT_EQ(retried->last_error, "released by recipient");
  EXPECT_TRUE(store_->claim_due("local", now_ + 4999, 10)->empty());
  auto again = store_->claim_due("local", now_ + 5000, 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().attempts, 2u);
  EXPECT_EQ(store_->schedule_retry(d.id + 1000, now_, "x").status().code(), "not-found");
}

TEST_F(QueueTest, RetryIsOnlyForInFlightDeliveries) {
  ingest("a", {"r"});
  auto id = store_->deliveries_of(1)->front().id;
  EXPECT_EQ(store_->schedule_retry(id, now_, "x").status().code(), "failed-precondition");
}

TEST_F(QueueTest, RefusedAndDeadKeepTheirReasonAndAreTerminal) {
  ingest("a", {"r1", "r2"});
  auto claimed = *store_->claim_due("local", now_, 10);
  auto refused = store_->mark_refused(claimed[0].id, "docaxis:no-such-inbox");
  auto dead = store_->mark_dead(claimed[1].id, "deadline passed");
  ASSERT_TRUE(refused.ok() && dead.ok());
  EXPECT_EQ(refused->state, DeliveryState::kRefused);
  EXPECT_EQ(refused->last_error, "docaxis:no-such-inbox");
  EXPECT_EQ(dead->state, DeliveryState::kDead);
  EXPECT_EQ(store_->mark_delivered(claimed[1].id).status().code(), "failed-precondition");
  EXPECT_EQ(store_->load_delivery(claimed[1].id)->last_error, "deadline passed");
}

TEST_F(QueueTest, WaitingDeliveryCanBeDeadLetteredWithoutAClaim) {
  ingest("a", {"r"});
  auto id = store_->deliveries_of(1)->front().id;
  EXPECT_EQ(store_->mark_dead(id, "poison")->state, DeliveryState::kDead);
}

TEST_F(QueueTest, RecoverInFlightReturnsOnlyStaleClaimsToWaitingDueNow) {
  ingest("a", {"r1"});
  auto old_claim = store_->claim_due("local", now_, 10)->front();
  now_ += 60'000;
  ingest("b", {"r2"});
  auto fresh_claim = store_->claim_due("local", now_, 10)->front();
  now_ += 1'000;
  auto recovered = store_->recover_in_flight(now_ - 30'000);
  ASSERT_TRUE(recovered.ok()) << recovered.status().to_string();
  EXPECT_EQ(*recovered, 1u);
  auto d = store_->load_delivery(old_claim.id);
  EXPECT_EQ(d->state, DeliveryState::kWaiting);
  EXPECT_EQ(d->next_attempt_ms, now_);
  EXPECT_EQ(store_->load_delivery(fresh_claim.id)->state, DeliveryState::kInFlight);
  EXPECT_EQ(*store_->recover_in_flight(INT64_MAX), 1u);  // start-up: everything
}

TEST_F(QueueTest, QueueStatsCountEachStatePerNextHop) {
  const int64_t t0 = now_;
  ingest("a", {"r1", "r2", "r3", "r4", "r5"});
  ingest("b", {"p1"}, "national");
  auto c = *store_->claim_due("local", now_, 4);
  ASSERT_TRUE(store_->mark_delivered(c[0].id).ok());
  ASSERT_TRUE(store_->mark_refused(c[1].id, "no").ok());
  ASSERT_TRUE(store_->schedule_retry(c[2].id, now_ + 700, "released").ok());
  // c[3] stays in flight; r5 stays waiting.
  auto stats = store_->queue_stats();
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  ASSERT_EQ(stats->size(), 2u);
  const HopQueueStats& local = (*stats)[0];
  EXPECT_EQ(local.next_hop, "local");
  EXPECT_EQ(local.waiting, 1u);
  EXPECT_EQ(local.retrying, 1u);
  EXPECT_EQ(local.in_flight, 1u);
  EXPECT_EQ(local.delivered, 1u);
  EXPECT_EQ(local.refused, 1u);
  EXPECT_EQ(local.dead, 0u);
  EXPECT_EQ(local.oldest_pending_created_ms, t0);
  EXPECT_EQ(local.next_attempt_ms, t0);  // r5, due at reception
  EXPECT_EQ((*stats)[1].next_hop, "national");
  EXPECT_EQ((*stats)[1].waiting, 1u);
}

TEST_F(QueueTest, UnknownPackageOrDeliveryIsNotFound) {
  EXPECT_EQ(store_->load_package(42).status().code(), "not-found");
  EXPECT_EQ(store_->deliveries_of(42).status().code(), "not-found");
  EXPECT_EQ(store_->load_delivery(42).status().code(), "not-found");
  EXPECT_EQ(store_->mark_delivered(42).status().code(), "not-found");
}

}  // namespace
}  // namespace docaxis::store
