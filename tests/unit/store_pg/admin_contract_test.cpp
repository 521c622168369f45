// The AdminStore contract (store/admin_store.hpp) and the HubStore extras (counters, backend),
// run unchanged on SqliteStore and on PgStore: attempt history written with every state
// change, queue counts per destination, listings with filters, operator retries and their
// refusals, the dead-letter purge, receipts about a package, organ activity.
#include <climits>

#include "hub_contract.hpp"

namespace docaxis::store::testing {
namespace {

template <typename B>
using AdminContract = HubContract<B>;
TYPED_TEST_SUITE(AdminContract, HubBackends, HubBackendNames);

TYPED_TEST(AdminContract, EveryEndedAttemptIsRecordedWithItsTimesOutcomeAndError) {
  const int64_t t0 = this->now_;
  const uint64_t seq = this->ingest("a", {"r"});
  Delivery d = this->claim_one();
  this->now_ += 100;
  ASSERT_TRUE(this->store_->schedule_retry(d.id, this->now_, "released by inbox/r").ok());
  this->now_ += 50;
  d = this->claim_one();
  this->now_ += 10;
  ASSERT_TRUE(this->store_->schedule_retry(d.id, this->now_, "no outcome within 60000 ms", true).ok());
  d = this->claim_one();
  this->now_ += 7;
  ASSERT_TRUE(this->store_->mark_refused(d.id, "recipient:refused: not ours").ok());
  // The sweeper's recovery is an attempt without outcome as well.
  const uint64_t seq2 = this->ingest("b", {"r"});
  ASSERT_EQ(this->claim_one().seq, seq2);
  this->now_ += 3;
  ASSERT_EQ(*this->store_->recover_in_flight(INT64_MAX), 1u);

  auto attempts = this->store_->attempts_of(seq);
  ASSERT_TRUE(attempts.ok()) << attempts.status().to_string();
  ASSERT_EQ(attempts->size(), 3u);
  const auto& a = *attempts;
  EXPECT_EQ(a[0].attempt, 1u);
  EXPECT_EQ(a[0].seq, seq);
  EXPECT_EQ(a[0].delivery_id, d.id);
  EXPECT_EQ(a[0].started_ms, t0);
  EXPECT_EQ(a[0].ended_ms, t0 + 100);
  EXPECT_EQ(a[0].result, "retry");
  EXPECT_EQ(a[0].error, "released by inbox/r");
  EXPECT_FALSE(a[0].no_outcome);
  EXPECT_EQ(a[1].attempt, 2u);
  EXPECT_TRUE(a[1].no_outcome);
  EXPECT_EQ(a[2].attempt, 3u);
  EXPECT_EQ(a[2].result, "rejected");
  EXPECT_EQ(a[2].error, "recipient:refused: not ours");
  EXPECT_EQ(a[2].recipient, "r");
  auto recovered = this->store_->attempts_of(seq2);
  ASSERT_TRUE(recovered.ok()) << recovered.status().to_string();
  ASSERT_EQ(recovered->size(), 1u);
  EXPECT_EQ((*recovered)[0].result, "retry");
  EXPECT_TRUE((*recovered)[0].no_outcome);
  EXPECT_TRUE(this->store_->attempts_of(seq2 + 100)->empty());
}

TYPED_TEST(AdminContract, LateOutcomesAndDeadlineExpiryAreRecordedWithoutAStartTime) {
  const uint64_t seq = this->ingest("a", {"r1", "r2"});
  auto claimed = this->store_->claim_due("local", this->now_, 1);
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(this->store_->schedule_retry(claimed->front().id, this->now_ + 1000, "timeout", true).ok());
  ASSERT_TRUE(this->store_->mark_delivered(claimed->front().id).ok());  // a late accepted
  ASSERT_TRUE(this->store_->mark_delivered(claimed->front().id).ok());  // idempotent: no row
  auto all = this->store_->deliveries_of(seq);
  const uint64_t other = (*all)[0].id == claimed->front().id ? (*all)[1].id : (*all)[0].id;
  ASSERT_TRUE(this->store_->mark_dead(other, "expired: not delivered within the deadline").ok());
  auto attempts = this->store_->attempts_of(seq);
  ASSERT_EQ(attempts->size(), 3u);
  EXPECT_EQ((*attempts)[1].result, "late-accepted");
  EXPECT_FALSE((*attempts)[1].started_ms.has_value());
  EXPECT_EQ((*attempts)[1].error, "");
  EXPECT_EQ((*attempts)[2].result, "expired");
  EXPECT_EQ((*attempts)[2].attempt, 0u);
  EXPECT_EQ((*attempts)[2].error, "expired: not delivered within the deadline");
}

TYPED_TEST(AdminContract, QueueByDestinationSplitsLocalInboxesAndPeers) {
  this->ingest("a", {"r1", "r2"});
  this->ingest("b", {"r1"});
  this->ingest("c", {"p1"}, "000.00.01.H01", "national");
  Delivery d = this->claim_one();  // r1's first
  ASSERT_TRUE(this->store_->mark_dead(d.id, "poison").ok());
  auto rows = this->store_->queue_by_destination();
  ASSERT_TRUE(rows.ok()) << rows.status().to_string();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].next_hop, "local");
  EXPECT_EQ((*rows)[0].recipient, "r1");
  EXPECT_EQ((*rows)[0].waiting, 1u);
  EXPECT_EQ((*rows)[0].dead, 1u);
  EXPECT_EQ((*rows)[0].next_attempt_ms, this->now_);
  EXPECT_EQ((*rows)[1].recipient, "r2");
  EXPECT_EQ((*rows)[2].next_hop, "national");
  EXPECT_EQ((*rows)[2].recipient, "");  // peers are one queue
  EXPECT_EQ((*rows)[2].oldest_pending_created_ms, this->now_);
  auto pending = this->store_->pending_by_destination();
  ASSERT_TRUE(pending.ok()) << pending.status().to_string();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].waiting, 1u);
  EXPECT_EQ((*pending)[0].dead, 1u);
  EXPECT_EQ((*pending)[2].next_hop, "national");
  EXPECT_EQ((*pending)[2].oldest_pending_created_ms, this->now_);
  // Delivered and refused are counted by the full read only.
  ASSERT_TRUE(this->store_->mark_delivered(this->claim_one().id).ok());
  EXPECT_EQ((*this->store_->queue_by_destination())[1].delivered, 1u);
  EXPECT_EQ((*this->store_->pending_by_destination())[1].delivered, 0u);
}

TYPED_TEST(AdminContract, FindDeliveriesFiltersByStateSenderRecipientTimeAndPagesNewestFirst) {
  const int64_t t0 = this->now_;
  this->ingest("a", {"r1"}, "000.00.13.H30");
  this->now_ += 1000;
  this->ingest("b", {"r1", "r2"}, "000.00.01.G12");
  this->now_ += 1000;
  this->ingest("c", {"r2"}, "000.00.13.H30");
  Delivery d = this->claim_one();
  ASSERT_TRUE(this->store_->mark_refused(d.id, "no").ok());

  DeliveryFilter f;
  auto all = this->store_->find_deliveries(f);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_GT((*all)[0].delivery.id, (*all)[1].delivery.id);
  EXPECT_EQ((*all)[0].document_id, "c");
  EXPECT_EQ((*all)[0].sender, "000.00.13.H30");
  EXPECT_EQ((*all)[0].size, 1000u);
  EXPECT_EQ((*all)[0].received_ms, t0 + 2000);

  f.sender = "000.00.13.H30";
  EXPECT_EQ(this->store_->find_deliveries(f)->size(), 2u);
  EXPECT_EQ(*this->store_->count_deliveries(f), 2u);
  f = {};
  f.recipient = "r2";
  f.received_since_ms = t0 + 1000;
  f.received_until_ms = t0 + 2000;
  auto b = this->store_->find_deliveries(f);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ(b->front().document_id, "b");
  f = {};
  f.states = {DeliveryState::kRefused, DeliveryState::kDead};
  auto failed = this->store_->find_deliveries(f);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->front().delivery.last_error, "no");
  f = {};
  f.attempted = true;
  EXPECT_EQ(*this->store_->count_deliveries(f), 1u);
  f.attempted = false;
  EXPECT_EQ(*this->store_->count_deliveries(f), 3u);
  f = {};
  f.limit = 2;
  auto page1 = this->store_->find_deliveries(f);
  ASSERT_EQ(page1->size(), 2u);
  f.before_id = page1->back().delivery.id;
  auto page2 = this->store_->find_deliveries(f);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_LT(page2->front().delivery.id, page1->back().delivery.id);
  f = {};
  f.document_id = "b";
  EXPECT_EQ(this->store_->find_deliveries(f)->size(), 2u);
  EXPECT_EQ(this->store_->packages_with_document_id("b")->size(), 1u);
  EXPECT_TRUE(this->store_->packages_with_document_id("zzz")->empty());
  f = {};
  f.updated_since_ms = t0 + 2000;
  f.updated_before_ms = t0 + 2001;
  EXPECT_EQ(*this->store_->count_deliveries(f), 2u);  // "c"'s and the refused one
}

TYPED_TEST(AdminContract, RetryPullsAWaitingDeliveryForwardKeepingItsIdAndHistory) {
  const uint64_t seq = this->ingest("a", {"r"});
  Delivery d = this->claim_one();
  ASSERT_TRUE(this->store_->schedule_retry(d.id, this->now_ + 600'000, "released").ok());
  auto r = this->store_->retry_now({{d.id}, "alice"}, this->now_ + 5);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1u);
  ASSERT_TRUE((*r)[0].status.ok()) << (*r)[0].status.to_string();
  EXPECT_EQ((*r)[0].was, DeliveryState::kWaiting);
  EXPECT_EQ((*r)[0].now->id, d.id);
  EXPECT_EQ((*r)[0].now->next_attempt_ms, this->now_ + 5);
  EXPECT_EQ((*r)[0].now->attempts, 1u);
  EXPECT_TRUE(this->store_->history_of(seq)->empty());
  // Never pushed further away.
  auto later = this->store_->retry_now({{d.id}, "alice"}, this->now_ + 500);
  EXPECT_EQ((*later)[0].now->next_attempt_ms, this->now_ + 5);
  this->now_ += 5;
  EXPECT_EQ(this->store_->claim_due("local", this->now_, 10)->size(), 1u);
}

TYPED_TEST(AdminContract, RetryOfADeadLetterRetiresItAndQueuesAFreshDeliveryDueNow) {
  const uint64_t seq = this->ingest("a", {"r"});
  Delivery d = this->claim_one();
  ASSERT_TRUE(this->store_->schedule_retry(d.id, this->now_, "timeout", true).ok());
  d = this->claim_one();
  ASSERT_TRUE(this->store_->mark_dead(d.id, "poison: 2 attempts without outcome").ok());
  this->now_ += 10'000;
  auto r = this->store_->retry_now({{d.id}, "alice (uid 1000)"}, this->now_);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].status.ok()) << (*r)[0].status.to_string();
  EXPECT_EQ((*r)[0].was, DeliveryState::kDead);
  const Delivery fresh = *(*r)[0].now;
  EXPECT_NE(fresh.id, d.id);  // a new id: a new receipt id for its outcome
  EXPECT_EQ(fresh.seq, seq);
  EXPECT_EQ(fresh.recipient, "r");
  EXPECT_EQ(fresh.next_hop, "local");
  EXPECT_EQ(fresh.state, DeliveryState::kWaiting);
  EXPECT_EQ(fresh.attempts, 0u);
  EXPECT_EQ(fresh.unanswered, 0u);
  EXPECT_EQ(fresh.created_ms, this->now_);  // the deadline starts again
  EXPECT_EQ(fresh.next_attempt_ms, this->now_);
  EXPECT_EQ(fresh.last_error, "");  // the old error stays with the retired row

  auto history = this->store_->history_of(seq);
  ASSERT_TRUE(history.ok()) << history.status().to_string();
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].delivery.id, d.id);
  EXPECT_EQ((*history)[0].delivery.state, DeliveryState::kDead);
  EXPECT_EQ((*history)[0].delivery.attempts, 2u);
  EXPECT_EQ((*history)[0].delivery.unanswered, 1u);
  EXPECT_EQ((*history)[0].delivery.last_error, "poison: 2 attempts without outcome");
  EXPECT_EQ((*history)[0].retired_by, "alice (uid 1000)");
  EXPECT_EQ((*history)[0].retired_ms, this->now_);
  EXPECT_EQ((*history)[0].replaced_by, fresh.id);
  EXPECT_EQ(this->store_->load_delivery(d.id).status().code(), "not-found");
  auto claimed = this->store_->claim_due("local", this->now_, 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().id, fresh.id);
  ASSERT_TRUE(this->store_->mark_delivered(fresh.id).ok());
  // The attempts of both deliveries stay with the package.
  EXPECT_EQ(this->store_->attempts_of(seq)->size(), 3u);
}

TYPED_TEST(AdminContract, RetryRefusesInFlightDeliveredAndUnknownDeliveriesOneByOne) {
  this->ingest("a", {"r1", "r2", "r3"});
  auto claimed = this->store_->claim_due("local", this->now_, 2);
  ASSERT_EQ(claimed->size(), 2u);
  ASSERT_TRUE(this->store_->mark_delivered((*claimed)[1].id).ok());
  const uint64_t refused_id = (*claimed)[1].id + 1;
  ASSERT_TRUE(this->store_->mark_refused(refused_id, "no").ok());
  auto r = this->store_->retry_now(
      {{(*claimed)[0].id, (*claimed)[1].id, refused_id, 999}, "bob"}, this->now_);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].status.code(), "failed-precondition");  // in flight: the dispatcher's
  EXPECT_EQ((*r)[0].was, DeliveryState::kInFlight);
  EXPECT_EQ((*r)[1].status.code(), "failed-precondition");  // delivered
  EXPECT_EQ((*r)[2].status.code(), "failed-precondition");  // refused, not allowed
  EXPECT_EQ((*r)[3].status.code(), "not-found");
  EXPECT_FALSE((*r)[0].now.has_value());
  EXPECT_EQ(this->store_->load_delivery((*claimed)[0].id)->state, DeliveryState::kInFlight);
  RetryRequest allow_refused{{refused_id}, "bob"};
  allow_refused.allow_refused = true;
  auto again = this->store_->retry_now(allow_refused, this->now_);
  ASSERT_TRUE((*again)[0].status.ok()) << (*again)[0].status.to_string();
  EXPECT_EQ((*again)[0].was, DeliveryState::kRefused);
  // A dead letter, when dead ones are not allowed.
  const uint64_t dead = (*this->store_->deliveries_of(this->ingest("b", {"r9"})))[0].id;
  ASSERT_TRUE(this->store_->mark_dead(dead, "x").ok());
  RetryRequest no_dead{{dead}, "bob"};
  no_dead.allow_dead = false;
  EXPECT_EQ((*this->store_->retry_now(no_dead, this->now_))[0].status.code(), "failed-precondition");
}

TYPED_TEST(AdminContract, PurgeDeadDeletesOldDeadLettersAndPackagesLeftWithoutDeliveries) {
  const uint64_t lone = this->ingest("a", {"r1"});
  const uint64_t shared = this->ingest("b", {"r1", "r2"});
  auto claimed = this->store_->claim_due("local", this->now_, 10);
  ASSERT_EQ(claimed->size(), 3u);
  for (const auto& d : *claimed) {
    if (d.recipient == "r2") ASSERT_TRUE(this->store_->mark_delivered(d.id).ok());
    else ASSERT_TRUE(this->store_->mark_dead(d.id, "expired").ok());
  }
  this->now_ += 1000;
  const uint64_t recent = this->ingest("c", {"r1"});
  ASSERT_TRUE(this->store_->mark_dead(this->store_->deliveries_of(recent)->front().id, "expired").ok());

  auto purged = this->store_->purge_dead(this->now_ - 500, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  ASSERT_EQ(purged->purged.size(), 2u);
  EXPECT_EQ(purged->purged[0].document_id, "a");
  EXPECT_EQ(purged->purged[0].delivery.last_error, "expired");
  EXPECT_EQ(purged->packages, std::vector<uint64_t>{lone});  // "b" keeps its delivered one
  EXPECT_EQ(this->store_->load_package(lone).status().code(), "not-found");
  EXPECT_TRUE(this->store_->load_package(shared).ok());
  EXPECT_EQ(this->store_->deliveries_of(shared)->size(), 1u);
  EXPECT_EQ(this->store_->attempts_of(shared)->size(), 1u);  // the dead one's went with it
  EXPECT_TRUE(this->store_->attempts_of(lone)->empty());
  EXPECT_EQ(this->store_->deliveries_of(recent)->size(), 1u);  // too recent
  EXPECT_TRUE(this->store_->check_integrity().ok());
  // The purged package's key is a tombstone: a re-send is still a duplicate.
  auto again = this->store_->ingest(this->package("a", "edoc", "000.00.01.H01"), to_local({"r1"}));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
  // The limit: one at a time, oldest first.
  this->now_ += 1000;
  auto one = this->store_->purge_dead(this->now_, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->purged.size(), 1u);
  EXPECT_EQ(one->purged[0].document_id, "c");
}

TYPED_TEST(AdminContract, PurgeTakesTheAttemptsAndRetiredDeliveriesAlong) {
  const uint64_t seq = this->ingest("a", {"r"});
  Delivery d = this->claim_one();
  ASSERT_TRUE(this->store_->mark_dead(d.id, "poison").ok());
  auto retried = this->store_->retry_now({{d.id}, "alice"}, this->now_);
  ASSERT_TRUE(retried.ok() && (*retried)[0].status.ok());
  ASSERT_TRUE(this->store_->mark_delivered(this->claim_one().id).ok());
  ASSERT_EQ(this->store_->attempts_of(seq)->size(), 2u);
  ASSERT_EQ(this->store_->history_of(seq)->size(), 1u);
  ASSERT_EQ(*this->store_->purge(this->now_ + 1, 10), 1u);
  EXPECT_TRUE(this->store_->attempts_of(seq)->empty());
  EXPECT_TRUE(this->store_->history_of(seq)->empty());
}

TYPED_TEST(AdminContract, ReceiptsAboutFindTheReceiptsOfOnePackageByTheirFieldsEvenPurged) {
  struct R { const char* sender; const char* id; uint64_t seq; uint64_t delivery; };
  for (const R& r : {R{"h30", "h30-x-9", 4, 9}, R{"h30", "h30-x-7", 4, 7},
                     R{"h30", "h30-4-2", 41, 2}, R{"h31", "h31-4-1", 4, 1}}) {
    auto p = make_package(r.sender, r.id, std::string("<r>") + r.id + "</r>", this->now_);
    p.message_type = "receipt";
    p.verdict = {};
    p.verdict.form = PackageVerdict::Form::kIssuedReceipt;
    p.verdict.receipt_issuer = r.sender;
    p.verdict.about_seq = r.seq;
    p.verdict.about_delivery = r.delivery;
    ASSERT_TRUE(this->store_->ingest(p, to_local({"s"})).ok());
  }
  auto keys = this->store_->receipts_about("h30", 4);
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].document_id, "h30-x-7");  // by delivery
  EXPECT_EQ((*keys)[0].about_delivery, 7u);
  EXPECT_EQ((*keys)[0].about_seq, 4u);
  EXPECT_EQ((*keys)[0].message_type, "receipt");
  EXPECT_EQ((*keys)[0].created_ms, this->now_);
  EXPECT_EQ((*keys)[1].document_id, "h30-x-9");
  ASSERT_TRUE((*keys)[0].seq.has_value());
  EXPECT_EQ(this->store_->load_package(*(*keys)[0].seq)->verdict.about_delivery, 7u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(this->store_->mark_delivered(this->claim_one().id).ok());
  auto purged = this->store_->purge(this->now_ + 1, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  ASSERT_EQ(*purged, 4u);
  keys = this->store_->receipts_about("h30", 4);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_FALSE((*keys)[0].seq.has_value());
  EXPECT_EQ((*keys)[0].about_delivery, 7u);
  EXPECT_EQ((*keys)[1].about_delivery, 9u);
}

TYPED_TEST(AdminContract, OrganActivityIsTheLastPackageSentAndTheLastAnswerGiven) {
  auto none = this->store_->organ_activity("r");
  ASSERT_TRUE(none.ok()) << none.status().to_string();
  EXPECT_FALSE(none->last_sent_ms.has_value());
  EXPECT_FALSE(none->last_answered_ms.has_value());
  this->ingest("a", {"r"}, "000.00.13.H30");
  Delivery d = this->claim_one();
  this->now_ += 42;
  ASSERT_TRUE(this->store_->mark_delivered(d.id).ok());
  auto sender = this->store_->organ_activity("000.00.13.H30");
  EXPECT_EQ(sender->last_sent_ms, this->now_ - 42);
  auto recipient = this->store_->organ_activity("r");
  EXPECT_EQ(recipient->last_answered_ms, this->now_);
  // A retry is no answer.
  this->ingest("b", {"r"}, "000.00.13.H30");
  d = this->claim_one();
  this->now_ += 10;
  ASSERT_TRUE(this->store_->schedule_retry(d.id, this->now_, "released").ok());
  EXPECT_EQ(this->store_->organ_activity("r")->last_answered_ms, this->now_ - 10);
}

TYPED_TEST(AdminContract, CountersFollowTheWritesAndTheBackendIsNamed) {
  EXPECT_EQ(this->store_->backend(), std::string(TypeParam::kName));
  const StoreCounters before = this->store_->counters();
  this->ingest("a", {"r"});
  auto dup = this->store_->ingest(this->package("a", "edoc", "000.00.01.H01"), to_local({"r"}));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(this->store_->ingest(this->package("a", "edoc", "000.00.01.H01", 10), to_local({"r"}))
                .status().code(),
            "duplicate-conflict");
  const StoreCounters after = this->store_->counters();
  EXPECT_EQ(after.packages_stored - before.packages_stored, 1u);
  EXPECT_EQ(after.duplicates - before.duplicates, 1u);
  EXPECT_EQ(after.conflicts - before.conflicts, 1u);
  EXPECT_GE(after.commits - before.commits, 3u);  // one job per batch here: waited for each
  EXPECT_GE(after.jobs - before.jobs, 3u);
  EXPECT_GE(after.max_batch, 1u);
  uint64_t batches = 0;
  for (uint64_t n : after.batch_histogram) batches += n;
  EXPECT_EQ(batches, after.commits);
  EXPECT_EQ(after.commit_seconds.count, after.commits);
  EXPECT_EQ(after.failed_commits, 0u);
  EXPECT_TRUE(this->store_->last_commit_failure().ok());
}

}  // namespace
}  // namespace docaxis::store::testing
