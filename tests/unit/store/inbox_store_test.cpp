// InboxStore (inbox_store.hpp): the polled inboxes' reads and records on a real SQLite file.
#include <gtest/gtest.h>

#include <future>

#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;

class InboxStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(testing::options_for(dir_.file("spool.db"), &now_));
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  StoredPackage package(const std::string& doc, const std::string& type = "edoc") {
    StoredPackage p = make_package("000.00.13.H30", doc, "<x>" + doc + "</x>", now_);
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
  Status record(uint64_t id, const std::string& result, const std::string& detail,
                const std::string& status) {
    std::promise<Status> p;
    store_->record_event_async(id, result, detail, status, now_,
                               [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  testing::TempDir dir_;
  int64_t now_ = 1'000'000;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(InboxStoreTest, ListsOnlyWaitingLocalDeliveriesOfTheOrgansAndTypeOldestFirst) {
  ingest(package("a"), {"g12", "g14"});
  ingest(package("b", "status"), {"g12"});
  ingest(package("c"), {"g12"}, "peer-x");  // not local
  ingest(package("d"), {"g99"});            // another organ
  ingest(package("e"), {"g14"});
  auto g12 = store_->waiting_for({{"g12"}, "edoc", 100});
  ASSERT_TRUE(g12.ok()) << g12.status().to_string();
  ASSERT_EQ(g12->size(), 1u);
  EXPECT_EQ((*g12)[0].document_id, "a");
  EXPECT_EQ((*g12)[0].delivery.recipient, "g12");
  EXPECT_EQ((*g12)[0].sha256_hex, package("a").sha256_hex);
  auto both = store_->waiting_for({{"g12", "g14"}, "edoc", 100});
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 3u);
  EXPECT_EQ((*both)[0].document_id, "a");
  EXPECT_EQ((*both)[2].document_id, "e");
  EXPECT_EQ(store_->waiting_for({{"g12", "g14"}, "edoc", 2})->size(), 2u);  // the limit
  EXPECT_EQ(*store_->count_waiting_for({{"g12", "g14"}, "edoc", 0}), 3u);
  EXPECT_EQ(*store_->count_waiting_for({{"g12"}, "status", 0}), 1u);
  EXPECT_EQ(*store_->count_waiting_for({{}, "edoc", 0}), 0u);

  // Delivered ones leave the list.
  ASSERT_TRUE(store_->mark_delivered((*g12)[0].delivery.id).ok());
  EXPECT_EQ(store_->waiting_for({{"g12"}, "edoc", 100})->size(), 0u);
}

TEST_F(InboxStoreTest, FindsADeliveryByAPrefixOfItsPackagesDigestOnlyForItsRecipient) {
  const uint64_t seq = ingest(package("a"), {"g12"});
  const std::string sha = package("a").sha256_hex;
  auto found = store_->find_for({"g12"}, sha.substr(0, 24));
  ASSERT_TRUE(found.ok()) << found.status().to_string() << " " << sha;
  EXPECT_EQ(found->delivery.seq, seq);
  EXPECT_EQ(found->delivery.recipient, "g12");
  EXPECT_EQ(store_->find_for({"g14"}, sha.substr(0, 24)).status().code(), "not-found");
  EXPECT_EQ(store_->find_for({"g12"}, "ffffffffffffffffffffffff").status().code(), "not-found");
  // Not hex, upper case, too long: refused before any query (no LIKE, no injection).
  EXPECT_EQ(store_->find_for({"g12"}, "' OR 1=1").status().code(), "invalid-argument");
  EXPECT_EQ(store_->find_for({"g12"}, "ABC").status().code(), "invalid-argument");
  EXPECT_EQ(store_->find_for({"g12"}, std::string(65, 'a')).status().code(), "invalid-argument");
  // Found in any state (a fetch after done, an idempotent updateStatus).
  ASSERT_TRUE(store_->mark_delivered(found->delivery.id).ok());
  auto after = store_->find_for({"g12"}, sha.substr(0, 24));
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_EQ(after->delivery.state, DeliveryState::kDelivered);
}

// The DocId index holds only the first 12 hex digits (migration 0007): packages sharing them
// must still be told apart by the rest of the prefix, whatever its length.
TEST_F(InboxStoreTest, DigestPrefixesLongerAndShorterThanTheIndexedTwelveDigitsFindTheRightPackage) {
  const std::string common = "0123456789ab";  // the indexed part, shared by all three
  std::vector<std::string> shas = {common + std::string(52, '1'), common + std::string(52, '2'),
                                   common + "1" + std::string(51, '3')};
  std::vector<uint64_t> seqs;
  for (std::size_t i = 0; i < shas.size(); ++i) {
    StoredPackage p = package("collide-" + std::to_string(i));
    p.sha256_hex = shas[i];
    seqs.push_back(ingest(std::move(p), {"g12"}));
  }
  for (std::size_t i = 0; i < shas.size(); ++i) {
    for (std::size_t len : {13u, 24u, 64u}) {
      auto found = store_->find_for({"g12"}, shas[i].substr(0, len));
      ASSERT_TRUE(found.ok()) << i << "/" << len << ": " << found.status().to_string();
      // "…1" + 11 ones is a prefix of both the first and the third; the newest delivery wins.
      const uint64_t expected = (i == 0 && len == 13) ? seqs[2] : seqs[i];
      EXPECT_EQ(found->delivery.seq, expected) << i << "/" << len;
      auto sent = store_->sent_by({"000.00.13.H30"}, shas[i].substr(0, len), "edoc", 10);
      ASSERT_TRUE(sent.ok()) << sent.status().to_string();
      ASSERT_FALSE(sent->empty());
      EXPECT_EQ(sent->front().seq, expected) << i << "/" << len;
      EXPECT_EQ(sent->size(), (i != 1 && len == 13) ? 2u : 1u) << i << "/" << len;
    }
  }
  // Shorter than the index's twelve: the range covers every package starting with it.
  auto all = store_->sent_by({"000.00.13.H30"}, "0123", "edoc", 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(store_->find_for({"g12"}, common.substr(0, 5))->delivery.seq, seqs[2]);
  EXPECT_EQ(store_->find_for({"g12"}, common + "4").status().code(), "not-found");
  EXPECT_EQ(store_->find_for({"g12"}, "0123456789ac").status().code(), "not-found");
}

TEST_F(InboxStoreTest, FetchesAndStatusesAreHistoryAndAnAcknowledgementIsNotALateOutcome) {
  const uint64_t seq = ingest(package("a"), {"g12"});
  const uint64_t id = store_->deliveries_of(seq)->front().id;
  now_ += 10;
  ASSERT_TRUE(record(id, "fetched", "fetched by vxp:g12-dms", "").ok());
  now_ += 10;
  ASSERT_TRUE(record(id, "status", "processing (reported by vxp:g12-dms)", "processing").ok());
  EXPECT_EQ(store_->waiting_for({{"g12"}, "edoc", 10})->front().recipient_status, "processing");
  EXPECT_EQ(record(id + 100, "fetched", "x", "").code(), "not-found");
  now_ += 10;
  ASSERT_TRUE(store_->mark_delivered(id).ok());  // never claimed: acknowledged by polling

  auto attempts = store_->attempts_of(seq);
  ASSERT_TRUE(attempts.ok()) << attempts.status().to_string();
  ASSERT_EQ(attempts->size(), 3u);
  EXPECT_EQ((*attempts)[0].result, "fetched");
  EXPECT_EQ((*attempts)[0].error, "fetched by vxp:g12-dms");
  EXPECT_EQ((*attempts)[1].result, "status");
  EXPECT_EQ((*attempts)[2].result, "acknowledged");
  EXPECT_EQ((*attempts)[2].ended_ms, now_);

  // Declined likewise; a delivery that was attempted over AMQP keeps 'late-rejected'.
  const uint64_t seq2 = ingest(package("b"), {"g12"});
  ASSERT_TRUE(store_->mark_refused(store_->deliveries_of(seq2)->front().id, "refused by vxp:g12-dms").ok());
  EXPECT_EQ(store_->attempts_of(seq2)->back().result, "declined");
  const uint64_t seq3 = ingest(package("c"), {"g12"});
  auto claimed = store_->claim_due("local", now_, 10);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ASSERT_TRUE(store_->schedule_retry(claimed->front().id, now_, "released").ok());
  ASSERT_TRUE(store_->mark_refused(claimed->front().id, "late no").ok());
  EXPECT_EQ(store_->attempts_of(seq3)->back().result, "late-rejected");
}

TEST_F(InboxStoreTest, OnlyAReceiptMayBeStoredWithoutADelivery) {
  StoredPackage receipt = package("h30-1-1", "receipt");
  auto kept = store_->ingest(receipt, {});
  ASSERT_TRUE(kept.ok()) << kept.status().to_string();
  EXPECT_TRUE(store_->deliveries_of(kept->seq)->empty());
  EXPECT_EQ(store_->ingest(package("x"), {}).status().code(), "invalid-argument");
}

TEST_F(InboxStoreTest, SentPackagesComeWithTheirDeliveriesAndTheReceiptsAboutThem) {
  StoredPackage doc = package("a");
  doc.title = "Cong van";
  doc.notation = "74/VPCP";
  const uint64_t seq = ingest(doc, {"g12", "g14"});
  now_ += 5;
  ingest(package("b"), {"g12"});
  StoredPackage receipt = make_package("national", "national-1-1", "<r/>", now_);
  receipt.message_type = "receipt";
  receipt.verdict.form = PackageVerdict::Form::kRelayedReceipt;
  receipt.verdict.receipt_outcome = "rejected";
  receipt.verdict.receipt_issuer = "national";
  receipt.verdict.about_sha256 = doc.sha256_hex;
  receipt.verdict.about_recipient = "g14";
  receipt.verdict.about_reason = "not ours";
  ASSERT_TRUE(store_->ingest(receipt, {}).ok());

  auto one = store_->sent_by({"000.00.13.H30"}, doc.sha256_hex.substr(0, 24), "edoc", 10);
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  ASSERT_EQ(one->size(), 1u);
  const SentPackage& p = (*one)[0];
  EXPECT_EQ(p.seq, seq);
  EXPECT_EQ(p.title, "Cong van");
  EXPECT_EQ(p.notation, "74/VPCP");
  ASSERT_EQ(p.deliveries.size(), 2u);
  ASSERT_EQ(p.receipts.size(), 1u);
  EXPECT_EQ(p.receipts[0].recipient, "g14");
  EXPECT_EQ(p.receipts[0].outcome, "rejected");
  EXPECT_EQ(p.receipts[0].reason, "not ours");
  EXPECT_EQ(p.receipts[0].receipt_id, "national-1-1");

  // Newest first without an id; only the senders asked for; a bad id refused.
  auto newest = store_->sent_by({"000.00.13.H30"}, "", "edoc", 10);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].document_id, "b");
  EXPECT_TRUE(store_->sent_by({"000.00.04.G14"}, "", "edoc", 10)->empty());
  EXPECT_TRUE(store_->sent_by({"000.00.04.G14"}, doc.sha256_hex.substr(0, 24), "edoc", 10)->empty());
  EXPECT_EQ(store_->sent_by({"000.00.13.H30"}, "XYZ", "edoc", 10).status().code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::store
