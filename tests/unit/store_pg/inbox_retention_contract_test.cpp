// The InboxStore (store/inbox_store.hpp) and RetentionStore (store/retention.hpp) contracts,
// run unchanged on SqliteStore and on PgStore: polled inboxes' listings, DocId lookups and
// their refusals, the recipient's events in the attempt history, sent packages with their
// receipts; which packages retention releases, what stays, and the refusals after it.
#include "hub_contract.hpp"

namespace docaxis::store::testing {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

template <typename B>
using InboxContract = HubContract<B>;
TYPED_TEST_SUITE(InboxContract, HubBackends, HubBackendNames);
template <typename B>
using RetentionContract = HubContract<B>;
TYPED_TEST_SUITE(RetentionContract, HubBackends, HubBackendNames);

TYPED_TEST(InboxContract, ListsOnlyWaitingLocalDeliveriesOfTheOrgansAndTypeOldestFirst) {
  this->ingest(this->package("a"), {"g12", "g14"});
  this->ingest(this->package("b", "status"), {"g12"});
  this->ingest(this->package("c"), {"g12"}, "peer-x");  // not local
  this->ingest(this->package("d"), {"g99"});            // another organ
  this->ingest(this->package("e"), {"g14"});
  auto g12 = this->store_->waiting_for({{"g12"}, "edoc", 100});
  ASSERT_TRUE(g12.ok()) << g12.status().to_string();
  ASSERT_EQ(g12->size(), 1u);
  EXPECT_EQ((*g12)[0].document_id, "a");
  EXPECT_EQ((*g12)[0].delivery.recipient, "g12");
  EXPECT_EQ((*g12)[0].sha256_hex, this->package("a").sha256_hex);
  EXPECT_EQ((*g12)[0].size, 1000u);
  EXPECT_EQ((*g12)[0].sender, "000.00.13.H30");
  auto both = this->store_->waiting_for({{"g12", "g14"}, "edoc", 100});
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 3u);
  EXPECT_EQ((*both)[0].document_id, "a");
  EXPECT_EQ((*both)[2].document_id, "e");
  EXPECT_EQ(this->store_->waiting_for({{"g12", "g14"}, "edoc", 2})->size(), 2u);  // the limit
  EXPECT_EQ(*this->store_->count_waiting_for({{"g12", "g14"}, "edoc", 0}), 3u);
  EXPECT_EQ(*this->store_->count_waiting_for({{"g12"}, "status", 0}), 1u);
  EXPECT_EQ(*this->store_->count_waiting_for({{}, "edoc", 0}), 0u);
  EXPECT_TRUE(this->store_->waiting_for({{}, "edoc", 10})->empty());
  // Recipient names are data, never SQL or array syntax.
  EXPECT_TRUE(this->store_->waiting_for({{"g12\", \"g14", "'); --"}, "edoc", 10})->empty());
  ASSERT_TRUE(this->store_->mark_delivered((*g12)[0].delivery.id).ok());
  EXPECT_EQ(this->store_->waiting_for({{"g12"}, "edoc", 100})->size(), 0u);
}

TYPED_TEST(InboxContract, FindsADeliveryByAPrefixOfItsPackagesDigestOnlyForItsRecipient) {
  const uint64_t seq = this->ingest(this->package("a"), {"g12"});
  const std::string sha = this->package("a").sha256_hex;
  auto found = this->store_->find_for({"g12"}, sha.substr(0, 24));
  ASSERT_TRUE(found.ok()) << found.status().to_string() << " " << sha;
  EXPECT_EQ(found->delivery.seq, seq);
  EXPECT_EQ(found->delivery.recipient, "g12");
  EXPECT_EQ(this->store_->find_for({"g14"}, sha.substr(0, 24)).status().code(), "not-found");
  EXPECT_EQ(this->store_->find_for({}, sha.substr(0, 24)).status().code(), "not-found");
  EXPECT_EQ(this->store_->find_for({"g12"}, "ffffffffffffffffffffffff").status().code(), "not-found");
  // Not hex, upper case, empty, too long: refused before any query.
  for (const std::string& bad : std::vector<std::string>{"' OR 1=1", "ABC", "", "12%", std::string(65, 'a')}) {
    EXPECT_EQ(this->store_->find_for({"g12"}, bad).status().code(), "invalid-argument") << bad;
  }
  ASSERT_TRUE(this->store_->mark_delivered(found->delivery.id).ok());
  auto after = this->store_->find_for({"g12"}, sha.substr(0, 24));
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_EQ(after->delivery.state, DeliveryState::kDelivered);
}

TYPED_TEST(InboxContract, DigestPrefixesOfAnyLengthFindTheRightPackage) {
  const std::string common = "0123456789ab";
  std::vector<std::string> shas = {common + std::string(52, '1'), common + std::string(52, '2'),
                                   common + "1" + std::string(51, '3')};
  std::vector<uint64_t> seqs;
  for (std::size_t i = 0; i < shas.size(); ++i) {
    StoredPackage p = this->package("collide-" + std::to_string(i));
    p.sha256_hex = shas[i];
    seqs.push_back(this->ingest(std::move(p), {"g12"}));
  }
  for (std::size_t i = 0; i < shas.size(); ++i) {
    for (std::size_t len : {13u, 24u, 64u}) {
      auto found = this->store_->find_for({"g12"}, shas[i].substr(0, len));
      ASSERT_TRUE(found.ok()) << i << "/" << len << ": " << found.status().to_string();
      const uint64_t expected = (i == 0 && len == 13) ? seqs[2] : seqs[i];  // the newest
      EXPECT_EQ(found->delivery.seq, expected) << i << "/" << len;
      auto sent = this->store_->sent_by({"000.00.13.H30"}, shas[i].substr(0, len), "edoc", 10);
      ASSERT_TRUE(sent.ok()) << sent.status().to_string();
      ASSERT_FALSE(sent->empty());
      EXPECT_EQ(sent->front().seq, expected) << i << "/" << len;
      EXPECT_EQ(sent->size(), (i != 1 && len == 13) ? 2u : 1u) << i << "/" << len;
    }
  }
  auto all = this->store_->sent_by({"000.00.13.H30"}, "0123", "edoc", 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(this->store_->find_for({"g12"}, common.substr(0, 5))->delivery.seq, seqs[2]);
  EXPECT_EQ(this->store_->find_for({"g12"}, common + "4").status().code(), "not-found");
  EXPECT_EQ(this->store_->find_for({"g12"}, "0123456789ac").status().code(), "not-found");
}

TYPED_TEST(InboxContract, FetchesAndStatusesAreHistoryAndAnAcknowledgementIsNotALateOutcome) {
  const uint64_t seq = this->ingest(this->package("a"), {"g12"});
  const uint64_t id = this->store_->deliveries_of(seq)->front().id;
  this->now_ += 10;
  ASSERT_TRUE(this->record(id, "fetched", "fetched by vxp:g12-dms", "").ok());
  this->now_ += 10;
  ASSERT_TRUE(this->record(id, "status", "processing (reported by vxp:g12-dms)", "processing").ok());
  EXPECT_EQ(this->store_->waiting_for({{"g12"}, "edoc", 10})->front().recipient_status, "processing");
  EXPECT_EQ(this->store_->find_for({"g12"}, this->package("a").sha256_hex)->recipient_status,
            "processing");
  EXPECT_EQ(this->record(id + 100, "fetched", "x", "").code(), "not-found");
  this->now_ += 10;
  ASSERT_TRUE(this->store_->mark_delivered(id).ok());  // never claimed: acknowledged by polling

  auto attempts = this->store_->attempts_of(seq);
  ASSERT_TRUE(attempts.ok()) << attempts.status().to_string();
  ASSERT_EQ(attempts->size(), 3u);
  EXPECT_EQ((*attempts)[0].result, "fetched");
  EXPECT_EQ((*attempts)[0].error, "fetched by vxp:g12-dms");
  EXPECT_EQ((*attempts)[0].attempt, 0u);
  EXPECT_FALSE((*attempts)[0].started_ms.has_value());
  EXPECT_EQ((*attempts)[1].result, "status");
  EXPECT_EQ((*attempts)[2].result, "acknowledged");
  EXPECT_EQ((*attempts)[2].ended_ms, this->now_);
  EXPECT_EQ(this->store_->organ_activity("g12")->last_answered_ms, this->now_);

  const uint64_t seq2 = this->ingest(this->package("b"), {"g12"});
  ASSERT_TRUE(this->store_->mark_refused(this->store_->deliveries_of(seq2)->front().id,
                                         "refused by vxp:g12-dms").ok());
  EXPECT_EQ(this->store_->attempts_of(seq2)->back().result, "declined");
  const uint64_t seq3 = this->ingest(this->package("c"), {"g12"});
  auto claimed = this->store_->claim_due("local", this->now_, 10);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ASSERT_TRUE(this->store_->schedule_retry(claimed->front().id, this->now_, "released").ok());
  ASSERT_TRUE(this->store_->mark_refused(claimed->front().id, "late no").ok());
  EXPECT_EQ(this->store_->attempts_of(seq3)->back().result, "late-rejected");
}

TYPED_TEST(InboxContract, SentPackagesComeWithTheirDeliveriesAndTheReceiptsAboutThem) {
  StoredPackage doc = this->package("a");
  doc.title = "Cong van";
  doc.notation = "74/VPCP";
  const uint64_t seq = this->ingest(doc, {"g12", "g14"});
  this->now_ += 5;
  this->ingest(this->package("b"), {"g12"});
  StoredPackage receipt = make_package("national", "national-1-1", "<r/>", this->now_);
  receipt.message_type = "receipt";
  receipt.verdict.form = PackageVerdict::Form::kRelayedReceipt;
  receipt.verdict.receipt_outcome = "rejected";
  receipt.verdict.receipt_issuer = "national";
  receipt.verdict.about_sha256 = doc.sha256_hex;
  receipt.verdict.about_recipient = "g14";
  receipt.verdict.about_reason = "not ours";
  ASSERT_TRUE(this->store_->ingest(receipt, {}).ok());

  auto one = this->store_->sent_by({"000.00.13.H30"}, doc.sha256_hex.substr(0, 24), "edoc", 10);
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  ASSERT_EQ(one->size(), 1u);
  const SentPackage& p = (*one)[0];
  EXPECT_EQ(p.seq, seq);
  EXPECT_EQ(p.title, "Cong van");
  EXPECT_EQ(p.notation, "74/VPCP");
  ASSERT_EQ(p.deliveries.size(), 2u);
  EXPECT_LT(p.deliveries[0].id, p.deliveries[1].id);
  ASSERT_EQ(p.receipts.size(), 1u);
  EXPECT_EQ(p.receipts[0].recipient, "g14");
  EXPECT_EQ(p.receipts[0].outcome, "rejected");
  EXPECT_EQ(p.receipts[0].issuer, "national");
  EXPECT_EQ(p.receipts[0].reason, "not ours");
  EXPECT_EQ(p.receipts[0].receipt_id, "national-1-1");
  EXPECT_EQ(p.receipts[0].received_ms, this->now_);

  auto newest = this->store_->sent_by({"000.00.13.H30"}, "", "edoc", 10);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].document_id, "b");
  EXPECT_EQ(this->store_->sent_by({"000.00.13.H30"}, "", "edoc", 1)->size(), 1u);
  EXPECT_TRUE(this->store_->sent_by({"000.00.13.H30"}, "", "status", 10)->empty());
  EXPECT_TRUE(this->store_->sent_by({"000.00.04.G14"}, "", "edoc", 10)->empty());
  EXPECT_TRUE(this->store_->sent_by({"000.00.04.G14"}, doc.sha256_hex.substr(0, 24), "edoc", 10)->empty());
  EXPECT_EQ(this->store_->sent_by({"000.00.13.H30"}, "XYZ", "edoc", 10).status().code(),
            "invalid-argument");
  EXPECT_EQ(this->store_->sent_by({"000.00.13.H30"}, std::string(65, 'a'), "edoc", 10).status().code(),
            "invalid-argument");
}

TYPED_TEST(RetentionContract, ReleasesOnlyWhenEveryDeliveryEndedLongerAgoThanTheAge) {
  RetentionPolicy policy;
  policy.edoc_ms = 30 * kDay;
  const uint64_t both_done = this->ingest(this->package("a"), {"g12", "g14"});
  const uint64_t one_waiting = this->ingest(this->package("b"), {"g12", "g14"});
  this->deliver_all(both_done);
  const std::vector<Delivery> waiting_ones = *this->store_->deliveries_of(one_waiting);
  ASSERT_TRUE(this->store_->mark_delivered(waiting_ones[0].id).ok());
  this->now_ += 29 * kDay;
  EXPECT_EQ(this->release(policy).packages, 0u);  // not old enough
  this->now_ += 2 * kDay;
  const RetentionPass pass = this->release(policy);
  EXPECT_EQ(pass.packages, 1u);
  EXPECT_EQ(pass.bytes, 1000u);
  EXPECT_FALSE(pass.full);
  auto gone = this->store_->load_package(both_done);
  EXPECT_EQ(gone.status().code(), "released");
  EXPECT_NE(gone.status().message().find("released by retention"), std::string::npos);
  EXPECT_TRUE(this->held(one_waiting));  // a delivery still waits: never released

  ASSERT_TRUE(this->store_->mark_delivered(waiting_ones[1].id).ok());
  this->now_ += 29 * kDay;
  EXPECT_EQ(this->release(policy).packages, 0u);  // the age counts from the last change
  this->now_ += 2 * kDay;
  EXPECT_EQ(this->release(policy).packages, 1u);
  EXPECT_EQ(this->store_->load_package(one_waiting).status().code(), "released");

  // What stays: the row, the deliveries and attempts, the duplicate key.
  auto rows = this->store_->list_packages(PackageFilter{});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].released_ms, this->now_ - 31 * kDay);
  EXPECT_EQ((*rows)[0].size, 1000u);
  EXPECT_EQ(this->store_->deliveries_of(both_done)->size(), 2u);
  EXPECT_EQ(this->store_->attempts_of(both_done)->size(), 2u);
  auto again = this->store_->ingest(this->package("a"), to_local({"g12"}));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(again->seq, both_done);
  EXPECT_EQ(this->store_->ingest(this->package("a", "edoc", "000.00.13.H30", 999), to_local({"g12"}))
                .status().code(),
            "duplicate-conflict");
  EXPECT_TRUE(this->store_->check_integrity().ok());

  auto usage = this->store_->usage();
  ASSERT_TRUE(usage.ok()) << usage.status().to_string();
  EXPECT_EQ(usage->held_packages, 0u);
  EXPECT_EQ(usage->released_packages, 2u);
  EXPECT_EQ(usage->released_bytes, 2000u);
  EXPECT_EQ(usage->last_release_ms, this->now_);
  EXPECT_GT(usage->database_bytes, 0u);
  auto reclaimed = this->store_->reclaim_segments();
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().to_string();
  if (!TypeParam::kSegments) {
    EXPECT_EQ(reclaimed->segments, 0u);  // no segment files on PostgreSQL
    EXPECT_EQ(usage->segments, 0u);
  }
}

TYPED_TEST(RetentionContract, RefusedAndDeadAreFinalTooAndAReleasedPackageCannotBeRetried) {
  const uint64_t refused = this->ingest(this->package("refused"), {"g12"});
  const uint64_t dead = this->ingest(this->package("dead"), {"g12"});
  const uint64_t in_flight = this->ingest(this->package("in-flight"), {"g12"});
  const Delivery refused_d = this->store_->deliveries_of(refused)->front();
  const Delivery dead_d = this->store_->deliveries_of(dead)->front();
  ASSERT_TRUE(this->store_->mark_refused(refused_d.id, "not ours").ok());
  ASSERT_TRUE(this->store_->mark_dead(dead_d.id, "expired: deadline").ok());
  auto claimed = this->store_->claim_due("local", this->now_, 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_EQ(claimed->front().seq, in_flight);
  this->now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  EXPECT_EQ(this->release(policy).packages, 2u);
  EXPECT_EQ(this->store_->load_package(refused).status().code(), "released");
  EXPECT_EQ(this->store_->load_package(dead).status().code(), "released");
  EXPECT_TRUE(this->held(in_flight));  // in flight for two days: still never released
  EXPECT_EQ(this->store_->usage()->held_packages, 1u);

  RetryRequest retry;
  retry.ids = {dead_d.id, refused_d.id};
  retry.who = "alice";
  retry.allow_refused = true;
  auto results = this->store_->retry_now(retry, this->now_);
  ASSERT_TRUE(results.ok()) << results.status().to_string();
  ASSERT_EQ(results->size(), 2u);
  for (const RetryResult& r : *results) {
    EXPECT_EQ(r.status.code(), "failed-precondition") << r.id;
    EXPECT_NE(r.status.message().find("released by retention"), std::string::npos) << r.id;
  }
  EXPECT_EQ(this->store_->deliveries_of(dead)->front().state, DeliveryState::kDead);
  EXPECT_EQ(this->store_->deliveries_of(refused)->front().state, DeliveryState::kRefused);
}

TYPED_TEST(RetentionContract, EachMessageTypeHasItsOwnAgeAndZeroKeepsForEver) {
  const uint64_t doc = this->ingest(this->package("d"), {"g12"});
  const uint64_t status = this->ingest(this->package("s", "status"), {"g12"});
  auto receipt = this->store_->ingest(this->package("r", "receipt"), {});  // read by polling
  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string();
  this->deliver_all(doc);
  this->deliver_all(status);
  this->now_ += 10 * kDay;
  RetentionPolicy policy;
  policy.status_ms = 5 * kDay;
  EXPECT_EQ(this->release(policy).packages, 1u);
  EXPECT_TRUE(this->held(doc));
  EXPECT_EQ(this->store_->load_package(status).status().code(), "released");
  EXPECT_TRUE(this->held(receipt->seq));
  policy.receipt_ms = 5 * kDay;  // a receipt without deliveries ages from its arrival
  EXPECT_EQ(this->release(policy).packages, 1u);
  EXPECT_EQ(this->store_->load_package(receipt->seq).status().code(), "released");
  EXPECT_TRUE(this->held(doc));
  EXPECT_EQ(this->release(RetentionPolicy{}).packages, 0u);
}

TYPED_TEST(RetentionContract, ABatchReleasesAtMostItsSizeAndTheRunnerGoesOnUntilDone) {
  for (int i = 0; i < 5; ++i) {
    this->deliver_all(this->ingest(this->package("p" + std::to_string(i)), {"g12"}));
  }
  this->now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  policy.batch = 2;
  RetentionPass first = this->release(policy);
  EXPECT_EQ(first.packages, 2u);
  EXPECT_TRUE(first.full);
  RetentionRunner runner(*this->store_, policy, std::chrono::hours(1), [this] { return this->now_; },
                         [](const RetentionRunner::Round&) {});
  const RetentionRunner::Round round = runner.run_once();
  EXPECT_TRUE(round.status.ok()) << round.status.to_string();
  EXPECT_EQ(round.released.packages, 3u);
  EXPECT_EQ(round.released.bytes, 3000u);
  EXPECT_EQ(this->release(policy).packages, 0u);
}

}  // namespace
}  // namespace docaxis::store::testing
