// Retention (store/retention.hpp): which packages' bytes are released, what stays, and which
// segment files are deleted, on a real SQLite file and real segment files.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "store/retention.hpp"
#include "support.hpp"

namespace docaxis::store {
namespace {

namespace fs = std::filesystem;
using testing::make_package;

constexpr int64_t kDay = 24LL * 3600 * 1000;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    store_.reset();
    SqliteStoreOptions o = testing::options_for(dir_.file("spool.db"), &now_);
    o.segment_bytes = 4096;  // a few packages per segment
    auto opened = SqliteStore::open(o);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  StoredPackage package(const std::string& doc, const std::string& type = "edoc",
                        size_t size = 1000) {
    StoredPackage p = make_package("000.00.13.H30", doc, testing::binary_bytes(doc, size), now_);
    p.message_type = type;
    return p;
  }
  // Stores `p` for `recipients`; returns its seq.
  uint64_t ingest(StoredPackage p, const std::vector<std::string>& recipients) {
    auto r = store_->ingest(std::move(p), testing::to_local(recipients));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  void deliver_all(uint64_t seq) {
    auto deliveries = store_->deliveries_of(seq);
    ASSERT_TRUE(deliveries.ok()) << deliveries.status().to_string();
    for (const Delivery& d : *deliveries) {
      auto done = store_->mark_delivered(d.id);
      ASSERT_TRUE(done.ok()) << done.status().to_string();
    }
  }
  RetentionPass release(const RetentionPolicy& policy) {
    auto pass = store_->release_expired(policy, now_);
    EXPECT_TRUE(pass.ok()) << pass.status().to_string();
    return pass.ok() ? *pass : RetentionPass{};
  }
  std::set<std::string> segment_files() {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_.file("spool.db") + "-packages")) {
      out.insert(e.path().filename().string());
    }
    return out;
  }
  bool held(uint64_t seq) { return store_->load_package(seq).ok(); }

  testing::TempDir dir_;
  int64_t now_ = 1'700'000'000'000;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(RetentionTest, ReleasesOnlyWhenEveryDeliveryEndedLongerAgoThanTheAge) {
  RetentionPolicy policy;
  policy.edoc_ms = 30 * kDay;
  const uint64_t both_done = ingest(package("a"), {"g12", "g14"});
  const uint64_t one_waiting = ingest(package("b"), {"g12", "g14"});
  deliver_all(both_done);
  const std::vector<Delivery> waiting_ones = *store_->deliveries_of(one_waiting);
  ASSERT_TRUE(store_->mark_delivered(waiting_ones[0].id).ok());
  now_ += 29 * kDay;
  EXPECT_EQ(release(policy).packages, 0u);  // not old enough
  now_ += 2 * kDay;
  const RetentionPass pass = release(policy);
  EXPECT_EQ(pass.packages, 1u);
  EXPECT_EQ(pass.bytes, 1000u);
  EXPECT_FALSE(pass.full);
  auto gone = store_->load_package(both_done);
  EXPECT_EQ(gone.status().code(), "released");
  EXPECT_NE(gone.status().message().find("released by retention"), std::string::npos);
  EXPECT_TRUE(held(one_waiting));  // a delivery still waits: never released, whatever its age

  // Its last delivery ends now: the age counts from then, not from its arrival.
  ASSERT_TRUE(store_->mark_delivered(waiting_ones[1].id).ok());
  now_ += 29 * kDay;
  EXPECT_EQ(release(policy).packages, 0u);
  EXPECT_TRUE(held(one_waiting));
  now_ += 2 * kDay;
  EXPECT_EQ(release(policy).packages, 1u);
  EXPECT_EQ(store_->load_package(one_waiting).status().code(), "released");

  // What stays: the row (listed with when its bytes went), the deliveries, the duplicate key.
  PackageFilter all;
  auto rows = store_->list_packages(all);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].released_ms, now_ - 31 * kDay);
  EXPECT_EQ((*rows)[0].size, 1000u);
  EXPECT_EQ(store_->deliveries_of(both_done)->size(), 2u);
  auto again = store_->ingest(package("a"), testing::to_local({"g12"}));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(again->seq, both_done);
  EXPECT_EQ(store_->ingest(package("a", "edoc", 999), testing::to_local({"g12"})).status().code(),
            "duplicate-conflict");
}

TEST_F(RetentionTest, RefusedAndDeadAreFinalTooAndAReleasedPackageCannotBeRetried) {
  const uint64_t refused = ingest(package("refused"), {"g12"});
  const uint64_t dead = ingest(package("dead"), {"g12"});
  const uint64_t in_flight = ingest(package("in-flight"), {"g12"});
  const Delivery refused_d = store_->deliveries_of(refused)->front();
  const Delivery dead_d = store_->deliveries_of(dead)->front();
  ASSERT_TRUE(store_->mark_refused(refused_d.id, "not ours").ok());
  ASSERT_TRUE(store_->mark_dead(dead_d.id, "expired: deadline").ok());
  // Claim every due local delivery: only in_flight's is still waiting.
  auto claimed = store_->claim_due("local", now_, 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_EQ(claimed->front().seq, in_flight);
  now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  EXPECT_EQ(release(policy).packages, 2u);
  EXPECT_EQ(store_->load_package(refused).status().code(), "released");
  EXPECT_EQ(store_->load_package(dead).status().code(), "released");
  EXPECT_TRUE(held(in_flight));  // in flight for two days: still never released

  // An operator's retry would make a delivery with nothing to send: refused, nothing changes.
  RetryRequest retry;
  retry.ids = {dead_d.id, refused_d.id};
  retry.who = "alice";
  retry.allow_refused = true;
  auto results = store_->retry_now(retry, now_);
  ASSERT_TRUE(results.ok()) << results.status().to_string();
  ASSERT_EQ(results->size(), 2u);
  for (const RetryResult& r : *results) {
    EXPECT_EQ(r.status.code(), "failed-precondition") << r.id;
    EXPECT_NE(r.status.message().find("released by retention"), std::string::npos) << r.id;
  }
  EXPECT_EQ(store_->deliveries_of(dead)->front().state, DeliveryState::kDead);
  EXPECT_EQ(store_->deliveries_of(refused)->front().state, DeliveryState::kRefused);
}

TEST_F(RetentionTest, EachMessageTypeHasItsOwnAgeAndZeroKeepsForEver) {
  const uint64_t doc = ingest(package("d"), {"g12"});
  const uint64_t status = ingest(package("s", "status"), {"g12"});
  StoredPackage r = package("r", "receipt");
  auto receipt = store_->ingest(std::move(r), {});  // a receipt read by polling: no delivery
  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string();
  deliver_all(doc);
  deliver_all(status);
  now_ += 10 * kDay;
  RetentionPolicy policy;
  policy.status_ms = 5 * kDay;  // edoc 0: kept for ever; receipts: kept
  EXPECT_EQ(release(policy).packages, 1u);
  EXPECT_TRUE(held(doc));
  EXPECT_EQ(store_->load_package(status).status().code(), "released");
  EXPECT_TRUE(held(receipt->seq));
  policy.receipt_ms = 5 * kDay;  // a receipt without deliveries ages from its arrival
  EXPECT_EQ(release(policy).packages, 1u);
  EXPECT_EQ(store_->load_package(receipt->seq).status().code(), "released");
  EXPECT_TRUE(held(doc));
  EXPECT_EQ(release(RetentionPolicy{}).packages, 0u);  // no age at all: nothing
}

TEST_F(RetentionTest, ABatchReleasesAtMostItsSizeAndSaysWhenItWasFull) {
  for (int i = 0; i < 5; ++i) deliver_all(ingest(package("p" + std::to_string(i)), {"g12"}));
  now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  policy.batch = 2;
  RetentionPass first = release(policy);
  EXPECT_EQ(first.packages, 2u);
  EXPECT_TRUE(first.full);
  EXPECT_EQ(release(policy).packages, 2u);
  RetentionPass last = release(policy);
  EXPECT_EQ(last.packages, 1u);
  EXPECT_FALSE(last.full);
}

TEST_F(RetentionTest, SealedSegmentsGoWhenEveryPackageInThemIsReleasedAndNeverTheCurrentOne) {
  // 1,000-byte packages in 4,096-byte segments: four per segment, ten packages.
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 10; ++i) seqs.push_back(ingest(package("s" + std::to_string(i)), {"g12"}));
  ASSERT_EQ(segment_files(),
            (std::set<std::string>{"00000001.seg", "00000002.seg", "00000003.seg"}));
  // Everything delivered except package 5 (in segment 2).
  for (uint64_t seq : seqs) {
    if (seq != seqs[5]) deliver_all(seq);
  }
  now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  EXPECT_EQ(release(policy).packages, 9u);
  auto reclaimed = store_->reclaim_segments();
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().to_string();
  EXPECT_EQ(reclaimed->segments, 1u);
  EXPECT_EQ(reclaimed->bytes, 4000u);
  // Segment 1 (all released) is gone; 2 holds package 5; 3 is the one appends go to.
  EXPECT_EQ(segment_files(), (std::set<std::string>{"00000002.seg", "00000003.seg"}));
  EXPECT_EQ(store_->load_package(seqs[5])->bytes, testing::binary_bytes("s5", 1000));

  auto usage = store_->usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->segments, 2u);
  EXPECT_EQ(usage->segment_bytes, 6000u);
  EXPECT_EQ(usage->held_packages, 1u);
  EXPECT_EQ(usage->released_packages, 9u);
  EXPECT_EQ(usage->released_bytes, 9000u);
  EXPECT_EQ(usage->segments_removed, 1u);
  EXPECT_EQ(usage->segment_bytes_freed, 4000u);
  EXPECT_EQ(usage->last_release_ms, now_);
  EXPECT_GT(usage->database_bytes, 0u);

  // Package 5 ends and ages: segment 2 goes too, still never segment 3.
  deliver_all(seqs[5]);
  now_ += 2 * kDay;
  EXPECT_EQ(release(policy).packages, 1u);
  EXPECT_EQ(store_->reclaim_segments()->segments, 1u);
  EXPECT_EQ(segment_files(), (std::set<std::string>{"00000003.seg"}));

  // The store reopens (its newest rows are released and point at deleted files) and goes on.
  open();
  const uint64_t next = ingest(package("after"), {"g12"});
  EXPECT_EQ(store_->load_package(next)->bytes, testing::binary_bytes("after", 1000));
  EXPECT_EQ(store_->load_package(seqs[9]).status().code(), "released");
  EXPECT_TRUE(store_->check_integrity().ok());
}

TEST_F(RetentionTest, SegmentsNoRowRefersToAreDeletedToo) {
  // Purged packages' bytes (rows deleted, keys kept as tombstones) are reclaimed as well.
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 8; ++i) seqs.push_back(ingest(package("q" + std::to_string(i)), {"g12"}));
  for (uint64_t seq : seqs) deliver_all(seq);
  now_ += 2 * kDay;
  auto purged = store_->purge(now_ - kDay, 100);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 8u);
  auto reclaimed = store_->reclaim_segments();
  ASSERT_TRUE(reclaimed.ok());
  EXPECT_EQ(reclaimed->segments, 1u);  // segment 1; segment 2 is the current one
  EXPECT_EQ(segment_files(), (std::set<std::string>{"00000002.seg"}));
}

TEST_F(RetentionTest, TheRunnerReleasesInBatchesUntilDoneThenReclaimsAndReports) {
  for (int i = 0; i < 9; ++i) deliver_all(ingest(package("r" + std::to_string(i)), {"g12"}));
  now_ += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  policy.batch = 2;
  std::vector<RetentionRunner::Round> rounds;
  RetentionRunner runner(*store_, policy, std::chrono::hours(1), [this] { return now_; },
                         [&rounds](const RetentionRunner::Round& r) { rounds.push_back(r); });
  const RetentionRunner::Round round = runner.run_once();
  EXPECT_TRUE(round.status.ok()) << round.status.to_string();
  EXPECT_EQ(round.released.packages, 9u);
  EXPECT_EQ(round.released.bytes, 9000u);
  EXPECT_EQ(round.reclaimed.segments, 2u);  // segments 1 and 2; 3 is current
  ASSERT_EQ(rounds.size(), 1u);
  EXPECT_EQ(rounds[0].released.packages, 9u);
  // Nothing more to do: the round is not reported.
  EXPECT_EQ(runner.run_once().released.packages, 0u);
  EXPECT_EQ(rounds.size(), 1u);
}

}  // namespace
}  // namespace docaxis::store
