// Ingest: round trips, the duplicate rule, concurrency and group commit, listings, purge.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::TempDir;
using testing::binary_bytes;
using testing::make_package;
using testing::to_local;

template <typename Fn>
PackageFilter filter(Fn set) {
  PackageFilter f;
  set(f);
  return f;
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(testing::options_for(dir_.file("spool.db")));
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    store_ = std::move(*opened);
  }
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(IngestTest, StoredPackageLoadsBackIdenticalIncludingBinaryBytes) {
  StoredPackage pkg = make_package("000.00.01.H01", "doc-1", binary_bytes("a", 12'800));
  pkg.relaxations = {"legacy-sha1", "unsigned"};
  pkg.hops = {{"province-hub", 1}, {"national", 2}};
  auto outcome = store_->ingest(pkg, to_local({"000.00.02.H02", "000.00.03.H03"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status().to_string();
  EXPECT_EQ(outcome->kind, IngestOutcome::Kind::kStored);

  auto loaded = store_->load_package(outcome->seq);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  pkg.seq = outcome->seq;
  EXPECT_EQ(*loaded, pkg);
  EXPECT_EQ(loaded->bytes.find('\0') != std::string::npos, true);

  auto deliveries = store_->deliveries_of(outcome->seq);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 2u);
  EXPECT_EQ((*deliveries)[0].recipient, "000.00.02.H02");
  EXPECT_EQ((*deliveries)[0].state, DeliveryState::kWaiting);
  EXPECT_EQ((*deliveries)[0].next_attempt_ms, pkg.received_ms);
}

TEST_F(IngestTest, TwentyMegabytePackageRoundTripsByteForByte) {
  StoredPackage pkg = make_package("000.00.01.H01", "big", binary_bytes("big", 20u << 20));
  auto outcome = store_->ingest(pkg, to_local({"000.00.02.H02"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status().to_string();
  auto loaded = store_->load_package(outcome->seq);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->bytes == pkg.bytes);
}

TEST_F(IngestTest, EmptyBytesStayEmptyNotNull) {
  auto outcome = store_->ingest(make_package("000.00.01.H01", "empty", ""),
                                to_local({"000.00.02.H02"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status().to_string();
  auto loaded = store_->load_package(outcome->seq);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->bytes, "");
}

TEST_F(IngestTest, DuplicateDocumentIsAcceptedOnceAndRoutedOnce) {
  StoredPackage pkg = make_package("000.00.01.H01", "doc-1", "<edXML/>");
  auto first = store_->ingest(pkg, to_local({"000.00.02.H02"}));
  auto again = store_->ingest(pkg, to_local({"000.00.02.H02", "000.00.09.H09"}));
  ASSERT_TRUE(first.ok() && again.ok()) << again.status().to_string();
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(store_->deliveries_of(first->seq)->size(), 1u);
  EXPECT_EQ(store_->list_packages({})->size(), 1u);
  EXPECT_EQ(store_->counters().duplicates, 1u);
}

TEST_F(IngestTest, SameKeyWithDifferentBytesIsADuplicateConflict) {
  ASSERT_TRUE(store_->ingest(make_package("000.00.01.H01", "doc-1", "<a/>"),
                             to_local({"000.00.02.H02"})).ok());
  auto conflict = store_->ingest(make_package("000.00.01.H01", "doc-1", "<b/>"),
                                 to_local({"000.00.02.H02"}));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), "duplicate-conflict");
  EXPECT_NE(conflict.status().message().find("doc-1"), std::string::npos);
  EXPECT_EQ(store_->list_packages({})->size(), 1u);
  EXPECT_EQ(store_->counters().conflicts, 1u);
}

TEST_F(IngestTest, DuplicateKeyIncludesMessageType) {
  StoredPackage doc = make_package("000.00.01.H01", "doc-1", "<edoc/>");
  StoredPackage status = make_package("000.00.01.H01", "doc-1", "<status/>");
  status.message_type = "status";
  auto a = store_->ingest(doc, to_local({"000.00.02.H02"}));
  auto b = store_->ingest(status, to_local({"000.00.02.H02"}));
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().to_string();
  EXPECT_EQ(b->kind, IngestOutcome::Kind::kStored);
  EXPECT_GT(b->seq, a->seq);
}

TEST_F(IngestTest, MalformedRecordsAreInvalidArguments) {
  StoredPackage bad_type = make_package("000.00.01.H01", "x", "b");
  bad_type.message_type = "mail";
  StoredPackage bad_sha = make_package("000.00.01.H01", "x", "b");
  bad_sha.sha256_hex = "ABC";
  for (const StoredPackage& p : {bad_type, bad_sha}) {
    EXPECT_EQ(store_->ingest(p, to_local({"r"})).status().code(), "invalid-argument");
  }
  auto ok_pkg = make_package("000.00.01.H01", "x", "b");
  EXPECT_EQ(store_->ingest(ok_pkg, {}).status().code(), "invalid-argument");
  EXPECT_EQ(store_->ingest(ok_pkg, to_local({"r", "r"})).status().code(), "invalid-argument");
}

TEST_F(IngestTest, ConcurrentIngestFromEightThreadsCommitsAllWithUniqueMonotonicSeqs) {
  constexpr int kThreads = 8, kPerThread = 60;
  std::mutex mu;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store_->ingest(make_package("000.00.01.H01", id, binary_bytes(id, 2000)),
                                to_local({"000.00.02.H02"}));
        std::lock_guard lock(mu);
        ASSERT_TRUE(r.ok()) << r.status().to_string();
        seqs[t].push_back(r->seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));  // each caller sees increasing seqs
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->list_packages(filter([](PackageFilter& f) { f.limit = 1000; }))->size(), all.size());
  StoreCounters c = store_->counters();
  EXPECT_EQ(c.packages_stored, all.size());
  EXPECT_LE(c.commits, c.jobs);  // group commit: never more commits than writes
}

TEST_F(IngestTest, AsyncIngestCompletesAfterCommitWithTheOutcome) {
  std::promise<Result<IngestOutcome>> done;
  store_->ingest_async(make_package("000.00.01.H01", "a", "x"), to_local({"r"}),
                       [&](Result<IngestOutcome> r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(store_->load_package(r->seq).ok());
}

// Completions run on the completer thread (group_commit.hpp): in commit order, each after the
// commit that holds its work (readable from the store's other connection), never on the
// caller's thread.
TEST_F(IngestTest, AsyncCompletionsArriveInSubmissionOrderAfterTheirCommit) {
  constexpr int kCount = 300;
  std::mutex mu;
  std::vector<uint64_t> seqs;
  int not_readable = 0;
  std::promise<void> all_done;
  const auto caller = std::this_thread::get_id();
  bool on_caller = false;
  for (int i = 0; i < kCount; ++i) {
    store_->ingest_async(
        make_package("000.00.01.H01", "order-" + std::to_string(i), "x" + std::to_string(i)),
        to_local({"r"}), [&](Result<IngestOutcome> r) {
          std::lock_guard lk(mu);
          on_caller = on_caller || std::this_thread::get_id() == caller;
          if (!r.ok() || !store_->load_package(r->seq).ok()) ++not_readable;
          seqs.push_back(r.ok() ? r->seq : 0);
          if (seqs.size() == kCount) all_done.set_value();
        });
  }
  all_done.get_future().get();
  std::lock_guard lk(mu);
  EXPECT_EQ(not_readable, 0);
  EXPECT_FALSE(on_caller);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::adjacent_find(seqs.begin(), seqs.end()), seqs.end());  // distinct
}

// Closing the store tells every caller: what was queued is committed and answered before the
// destructor returns.
TEST_F(IngestTest, ClosingTheStoreAnswersEveryQueuedWrite) {
  std::atomic<int> answered{0}, stored{0};
  for (int i = 0; i < 200; ++i) {
    store_->ingest_async(make_package("000.00.01.H01", "close-" + std::to_string(i), "y"),
                         to_local({"r"}), [&](Result<IngestOutcome> r) {
                           if (r.ok()) ++stored;
                           ++answered;
                         });
  }
  store_.reset();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(stored.load(), 200);
}

TEST_F(IngestTest, ListPackagesFiltersBySenderTypeAndPosition) {
  for (int i = 0; i < 5; ++i) {
    std::string sender = i % 2 == 0 ? "000.00.01.H01" : "000.00.07.H07";
    ASSERT_TRUE(store_->ingest(make_package(sender, "d" + std::to_string(i), "x", 1000 + i),
                               to_local({"r"})).ok());
  }
  auto from_h01 = store_->list_packages(filter([](PackageFilter& f) { f.sender = "000.00.01.H01"; }));
  ASSERT_TRUE(from_h01.ok());
  EXPECT_EQ(from_h01->size(), 3u);
  auto page = store_->list_packages(filter([&](PackageFilter& f) {
    f.after_seq = (*from_h01)[0].seq;
    f.limit = 2;
  }));
  ASSERT_EQ(page->size(), 2u);
  EXPECT_GT((*page)[0].seq, (*from_h01)[0].seq);
  EXPECT_EQ((*page)[0].size, 1u);
  EXPECT_EQ(store_->list_packages(filter([](PackageFilter& f) { f.received_from_ms = 1003; }))->size(), 2u);
  EXPECT_EQ(store_->list_packages(filter([](PackageFilter& f) { f.message_type = "status"; }))->size(), 0u);
}

TEST_F(IngestTest, PurgeKeepsATombstoneSoAResendIsStillADuplicate) {
  auto pkg = make_package("000.00.01.H01", "old", "<old/>", 1000);
  auto stored = store_->ingest(pkg, to_local({"r"}));
  ASSERT_TRUE(stored.ok());
  auto pending = store_->purge(5000, 100);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 0u);  // its delivery is still waiting
  auto claimed = store_->claim_due("local", 2000, 10);
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(store_->mark_delivered(claimed->front().id).ok());
  // updated_ms comes from the system clock here, so purge everything terminal up to "now+".
  auto purged = store_->purge(INT64_MAX, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(store_->load_package(stored->seq).status().code(), "not-found");

  auto resend = store_->ingest(pkg, to_local({"r"}));
  ASSERT_TRUE(resend.ok());
  EXPECT_EQ(resend->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(resend->seq, 0u);
  EXPECT_EQ(store_->ingest(make_package("000.00.01.H01", "old", "<new/>"), to_local({"r"}))
                .status().code(), "duplicate-conflict");
  auto fresh = store_->ingest(make_package("000.00.01.H01", "new", "n"), to_local({"r"}));
  EXPECT_GT(fresh->seq, stored->seq);  // seqs are never reused
}

}  // namespace
}  // namespace docaxis::store
