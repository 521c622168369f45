// The AdminStore half of SqliteStore: attempt history kept by triggers, queue counts per
// destination, listings with filters, operator retries (pull forward, revive with a fresh
// delivery) and the dead-letter purge.
#include <gtest/gtest.h>

#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;

class AdminStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(testing::options_for(dir_.file("spool.db"), &now_));
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  uint64_t ingest(const std::string& doc, std::vector<std::string> recipients,
                  const std::string& sender = "000.00.01.H01", const std::string& hop = "local") {
    std::vector<DeliverySpec> specs;
    for (auto& r : recipients) specs.push_back({r, hop, 0});
    auto r = store_->ingest(make_package(sender, doc, "<x>" + doc + "</x>", now_), specs);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  Delivery claim_one() {
    auto c = store_->claim_due("local", now_, 1);
    EXPECT_TRUE(c.ok() && c->size() == 1u);
    return c.ok() && !c->empty() ? c->front() : Delivery{};
  }
  testing::TempDir dir_;
  int64_t now_ = 1'000'000;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AdminStoreTest, EveryEndedAttemptIsRecordedWithItsTimesOutcomeAndError) {
  const uint64_t seq = ingest("a", {"r"});
  Delivery d = claim_one();
  now_ += 100;
  ASSERT_TRUE(store_->schedule_retry(d.id, now_, "released by inbox/r").ok());
  now_ += 50;
  d = claim_one();
  now_ += 10;
  ASSERT_TRUE(store_->schedule_retry(d.id, now_, "no outcome within 60000 ms", true).ok());
  d = claim_one();
  now_ += 7;
  ASSERT_TRUE(store_->mark_refused(d.id, "recipient:refused: not ours").ok());

  auto attempts = store_->attempts_of(seq);
  ASSERT_TRUE(attempts.ok()) << attempts.status().to_string();
  ASSERT_EQ(attempts->size(), 3u);
  const auto& a = *attempts;
  EXPECT_EQ(a[0].attempt, 1u);
  EXPECT_EQ(a[0].started_ms, 1'000'000);
  EXPECT_EQ(a[0].ended_ms, 1'000'100);
  EXPECT_EQ(a[0].result, "retry");
  EXPECT_EQ(a[0].error, "released by inbox/r");
  EXPECT_FALSE(a[0].no_outcome);
  EXPECT_EQ(a[1].attempt, 2u);
  EXPECT_TRUE(a[1].no_outcome);
  EXPECT_EQ(a[2].attempt, 3u);
  EXPECT_EQ(a[2].result, "rejected");
  EXPECT_EQ(a[2].error, "recipient:refused: not ours");
  EXPECT_EQ(a[2].recipient, "r");
}

TEST_F(AdminStoreTest, LateOutcomesAndDeadlineExpiryAreRecordedWithoutAStartTime) {
  const uint64_t seq = ingest("a", {"r1", "r2"});
  auto claimed = store_->claim_due("local", now_, 1);
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(store_->schedule_retry(claimed->front().id, now_ + 1000, "timeout", true).ok());
  ASSERT_TRUE(store_->mark_delivered(claimed->front().id).ok());  // a late accepted
  auto all = store_->deliveries_of(seq);
  const uint64_t other = (*all)[0].id == claimed->front().id ? (*all)[1].id : (*all)[0].id;
  ASSERT_TRUE(store_->mark_dead(other, "expired: not delivered within the deadline").ok());
  auto attempts = store_->attempts_of(seq);
  ASSERT_EQ(attempts->size(), 3u);
  EXPECT_EQ((*attempts)[1].result, "late-accepted");
  EXPECT_FALSE((*attempts)[1].started_ms.has_value());
  EXPECT_EQ((*attempts)[2].result, "expired");
  EXPECT_EQ((*attempts)[2].attempt, 0u);
}

TEST_F(AdminStoreTest, QueueByDestinationSplitsLocalInboxesAndPeers) {
  ingest("a", {"r1", "r2"});
  ingest("b", {"r1"});
  ingest("c", {"p1"}, "000.00.01.H01", "national");
  Delivery d = claim_one();  // r1's first
  ASSERT_TRUE(store_->mark_dead(d.id, "poison").ok());
  auto rows = store_->queue_by_destination();
  ASSERT_TRUE(rows.ok()) << rows.status().to_string();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].next_hop, "local");
  EXPECT_EQ((*rows)[0].recipient, "r1");
  EXPECT_EQ((*rows)[0].waiting, 1u);
  EXPECT_EQ((*rows)[0].dead, 1u);
  EXPECT_EQ((*rows)[1].recipient, "r2");
  EXPECT_EQ((*rows)[2].next_hop, "national");
  EXPECT_EQ((*rows)[2].recipient, "");  // peers are one queue
  EXPECT_EQ((*rows)[2].oldest_pending_created_ms, now_);
  // The metrics' read (through the state index) counts the same unfinished and dead ones.
  auto pending = store_->pending_by_destination();
  ASSERT_TRUE(pending.ok()) << pending.status().to_string();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].waiting, 1u);
  EXPECT_EQ((*pending)[0].dead, 1u);
  EXPECT_EQ((*pending)[2].next_hop, "national");
  EXPECT_EQ((*pending)[2].oldest_pending_created_ms, now_);
}

TEST_F(AdminStoreTest, FindDeliveriesFiltersByStateSenderRecipientTimeAndPagesNewestFirst) {
  ingest("a", {"r1"}, "000.00.13.H30");
  now_ += 1000;
  ingest("b", {"r1", "r2"}, "000.00.01.G12");
  now_ += 1000;
  ingest("c", {"r2"}, "000.00.13.H30");
  Delivery d = claim_one();
  ASSERT_TRUE(store_->mark_refused(d.id, "no").ok());

  DeliveryFilter f;
  auto all = store_->find_deliveries(f);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_GT((*all)[0].delivery.id, (*all)[1].delivery.id);
  EXPECT_EQ((*all)[0].document_id, "c");

  f.sender = "000.00.13.H30";
  EXPECT_EQ(store_->find_deliveries(f)->size(), 2u);
  EXPECT_EQ(*store_->count_deliveries(f), 2u);
  f = {};
  f.recipient = "r2";
  f.received_since_ms = 1'001'000;
  f.received_until_ms = 1'002'000;
  auto b = store_->find_deliveries(f);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ(b->front().document_id, "b");
  f = {};
  f.states = {DeliveryState::kRefused, DeliveryState::kDead};
  auto failed = store_->find_deliveries(f);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->front().delivery.last_error, "no");
  f = {};
  f.limit = 2;
  auto page1 = store_->find_deliveries(f);
  ASSERT_EQ(page1->size(), 2u);
  f.before_id = page1->back().delivery.id;
  auto page2 = store_->find_deliveries(f);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_LT(page2->front().delivery.id, page1->back().delivery.id);
  f = {};
  f.document_id = "b";
  EXPECT_EQ(store_->find_deliveries(f)->size(), 2u);
  EXPECT_EQ(store_->packages_with_document_id("b")->size(), 1u);
  EXPECT_TRUE(store_->packages_with_document_id("zzz")->empty());
}

TEST_F(AdminStoreTest, RetryPullsAWaitingDeliveryForwardKeepingItsIdAndHistory) {
  const uint64_t seq = ingest("a", {"r"});
  Delivery d = claim_one();
  ASSERT_TRUE(store_->schedule_retry(d.id, now_ + 600'000, "released").ok());
  auto r = store_->retry_now({{d.id}, "alice"}, now_ + 5);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1u);
  ASSERT_TRUE((*r)[0].status.ok()) << (*r)[0].status.to_string();
  EXPECT_EQ((*r)[0].was, DeliveryState::kWaiting);
  EXPECT_EQ((*r)[0].now->id, d.id);
  EXPECT_EQ((*r)[0].now->next_attempt_ms, now_ + 5);
  EXPECT_EQ((*r)[0].now->attempts, 1u);
  EXPECT_TRUE(store_->history_of(seq)->empty());
  now_ += 5;
  EXPECT_EQ(store_->claim_due("local", now_, 10)->size(), 1u);
}

TEST_F(AdminStoreTest, RetryOfADeadLetterRetiresItAndQueuesAFreshDeliveryDueNow) {
  const uint64_t seq = ingest("a", {"r"});
  Delivery d = claim_one();
  ASSERT_TRUE(store_->schedule_retry(d.id, now_, "timeout", true).ok());
  d = claim_one();
  ASSERT_TRUE(store_->mark_dead(d.id, "poison: 2 attempts without outcome").ok());
  now_ += 10'000;
  auto r = store_->retry_now({{d.id}, "alice (uid 1000)"}, now_);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].status.ok()) << (*r)[0].status.to_string();
  EXPECT_EQ((*r)[0].was, DeliveryState::kDead);
  const Delivery fresh = *(*r)[0].now;
  EXPECT_NE(fresh.id, d.id);  // a new id: a new receipt id for its outcome
  EXPECT_EQ(fresh.state, DeliveryState::kWaiting);
  EXPECT_EQ(fresh.attempts, 0u);
  EXPECT_EQ(fresh.unanswered, 0u);
  EXPECT_EQ(fresh.created_ms, now_);  // the deadline starts again
  EXPECT_EQ(fresh.next_attempt_ms, now_);
  EXPECT_EQ(fresh.last_error, "");  // the old error stays with the retired row

  auto history = store_->history_of(seq);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].delivery.id, d.id);
  EXPECT_EQ((*history)[0].delivery.state, DeliveryState::kDead);
  EXPECT_EQ((*history)[0].delivery.attempts, 2u);
  EXPECT_EQ((*history)[0].delivery.last_error, "poison: 2 attempts without outcome");
  EXPECT_EQ((*history)[0].retired_by, "alice (uid 1000)");
  EXPECT_EQ((*history)[0].replaced_by, fresh.id);
  EXPECT_EQ(store_->load_delivery(d.id).status().code(), "not-found");
  auto claimed = store_->claim_due("local", now_, 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().id, fresh.id);
  ASSERT_TRUE(store_->mark_delivered(fresh.id).ok());
  // The attempts of both deliveries stay with the package.
  EXPECT_EQ(store_->attempts_of(seq)->size(), 3u);
}

TEST_F(AdminStoreTest, RetryRefusesInFlightDeliveredAndUnknownDeliveriesOneByOne) {
  ingest("a", {"r1", "r2", "r3"});
  auto claimed = store_->claim_due("local", now_, 2);
  ASSERT_EQ(claimed->size(), 2u);
  ASSERT_TRUE(store_->mark_delivered((*claimed)[1].id).ok());
  const uint64_t refused_id = (*claimed)[1].id + 1;
  ASSERT_TRUE(store_->mark_refused(refused_id, "no").ok());
  auto r = store_->retry_now({{(*claimed)[0].id, (*claimed)[1].id, refused_id, 999}, "bob"}, now_);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].status.code(), "failed-precondition");  // in flight: the dispatcher's
  EXPECT_EQ((*r)[1].status.code(), "failed-precondition");  // delivered
  EXPECT_EQ((*r)[2].status.code(), "failed-precondition");  // refused, not allowed
  EXPECT_EQ((*r)[3].status.code(), "not-found");
  RetryRequest allow_refused{{refused_id}, "bob"};
  allow_refused.allow_refused = true;
  auto again = store_->retry_now(allow_refused, now_);
  ASSERT_TRUE((*again)[0].status.ok());
  EXPECT_EQ((*again)[0].was, DeliveryState::kRefused);
}

TEST_F(AdminStoreTest, PurgeDeadDeletesOldDeadLettersAndPackagesLeftWithoutDeliveries) {
  const uint64_t lone = ingest("a", {"r1"});
  const uint64_t shared = ingest("b", {"r1", "r2"});
  auto claimed = store_->claim_due("local", now_, 10);
  ASSERT_EQ(claimed->size(), 3u);
  for (const auto& d : *claimed) {
    if (d.recipient == "r2") ASSERT_TRUE(store_->mark_delivered(d.id).ok());
    else ASSERT_TRUE(store_->mark_dead(d.id, "expired").ok());
  }
  now_ += 1000;
  const uint64_t recent = ingest("c", {"r1"});
  ASSERT_TRUE(store_->mark_dead(store_->deliveries_of(recent)->front().id, "expired").ok());

  auto purged = store_->purge_dead(now_ - 500, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  ASSERT_EQ(purged->purged.size(), 2u);
  EXPECT_EQ(purged->purged[0].document_id, "a");
  EXPECT_EQ(purged->purged[0].delivery.last_error, "expired");
  EXPECT_EQ(purged->packages, std::vector<uint64_t>{lone});  // "b" keeps its delivered one
  EXPECT_EQ(store_->load_package(lone).status().code(), "not-found");
  EXPECT_TRUE(store_->load_package(shared).ok());
  EXPECT_EQ(store_->deliveries_of(shared)->size(), 1u);
  EXPECT_TRUE(store_->attempts_of(lone)->empty());
  EXPECT_EQ(store_->deliveries_of(recent)->size(), 1u);  // too recent
  // The purged package's key is a tombstone: a re-send is still a duplicate.
  auto again = store_->ingest(make_package("000.00.01.H01", "a", "<x>a</x>", now_),
                              testing::to_local({"r1"}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
}

TEST_F(AdminStoreTest, ReceiptsAboutFindTheReceiptsOfOnePackageByTheirFieldsEvenPurged) {
  // {sender, receipt id, about seq, about delivery}: the ids do not follow the numbers on
  // purpose, so the query can only have used the fields.
  struct R { const char* sender; const char* id; uint64_t seq; uint64_t delivery; };
  for (const R& r : {R{"h30", "h30-x-9", 4, 9}, R{"h30", "h30-x-7", 4, 7},
                     R{"h30", "h30-4-2", 41, 2}, R{"h31", "h31-4-1", 4, 1}}) {
    auto p = make_package(r.sender, r.id, std::string("<r>") + r.id + "</r>", now_);
    p.message_type = "receipt";
    p.verdict = {};
    p.verdict.form = PackageVerdict::Form::kIssuedReceipt;
    p.verdict.receipt_issuer = r.sender;
    p.verdict.about_seq = r.seq;
    p.verdict.about_delivery = r.delivery;
    ASSERT_TRUE(store_->ingest(p, testing::to_local({"s"})).ok());
  }
  auto keys = store_->receipts_about("h30", 4);
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].document_id, "h30-x-7");  // by delivery
  EXPECT_EQ((*keys)[0].about_delivery, 7u);
  EXPECT_EQ((*keys)[0].about_seq, 4u);
  EXPECT_EQ((*keys)[1].document_id, "h30-x-9");
  ASSERT_TRUE((*keys)[0].seq.has_value());
  EXPECT_EQ(store_->load_package(*(*keys)[0].seq)->verdict.about_delivery, 7u);
  // Purged: the tombstone keeps the receipt's subject.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->mark_delivered(claim_one().id).ok());
  auto purged = store_->purge(now_ + 1, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  ASSERT_EQ(*purged, 4u);
  keys = store_->receipts_about("h30", 4);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_FALSE((*keys)[0].seq.has_value());
  EXPECT_EQ((*keys)[0].about_delivery, 7u);
  EXPECT_EQ((*keys)[1].about_delivery, 9u);
}

TEST_F(AdminStoreTest, OrganActivityIsTheLastPackageSentAndTheLastAnswerGiven) {
  auto none = store_->organ_activity("r");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->last_sent_ms.has_value());
  ingest("a", {"r"}, "000.00.13.H30");
  Delivery d = claim_one();
  now_ += 42;
  ASSERT_TRUE(store_->mark_delivered(d.id).ok());
  auto sender = store_->organ_activity("000.00.13.H30");
  EXPECT_EQ(sender->last_sent_ms, now_ - 42);
  auto recipient = store_->organ_activity("r");
  EXPECT_EQ(recipient->last_answered_ms, now_);
}

}  // namespace
}  // namespace docaxis::store
