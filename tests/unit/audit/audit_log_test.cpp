// AuditLog: chaining across restarts and rotation, checkpoints, recovery, locking, threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "audit/audit_log.hpp"
#include "audit/segment_files.hpp"
#include "audit/verify.hpp"
#include "support.hpp"

namespace docaxis::audit {
namespace {

using test::HubKey;
using test::TempDir;

class AuditLogTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  HubKey key_ = test::make_hub_key(tmp_.path(), "hub");
  std::string dir_ = tmp_ / "log";

  std::unique_ptr<AuditLog> open_log(AuditOptions o) {
    auto log = AuditLog::open(std::move(o));
    EXPECT_TRUE(log.ok()) << log.status().to_string();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::unique_ptr<AuditLog> open_log() { return open_log(test::test_options(dir_, key_)); }
  VerifyReport verify() {
    auto rep = verify_log(dir_, key_.cert_pem);
    EXPECT_TRUE(rep.ok()) << rep.status().to_string();
    return *rep;
  }
  std::vector<Record> records() {
    std::vector<Record> out;
    EXPECT_TRUE(for_each_record(dir_, {}, [&](const ExportedRecord& r) {
                  out.push_back(r.record);
                  return true;
                }).ok());
    return out;
  }
};

TEST_F(AuditLogTest, ChainContinuesAcrossRestartsAndSegmentRotation) {
  auto o = test::test_options(dir_, key_);
  o.max_segment_bytes = 4096;
  std::uint64_t last = 0;
  for (int run = 0; run < 3; ++run) {
    auto log = open_log(o);
    for (int i = 0; i < 40; ++i) {
      auto seq = log->append(test::make_event("accepted", run * 100 + i));
      ASSERT_TRUE(seq.ok()) << seq.status().to_string();
      EXPECT_GT(*seq, last);
      last = *seq;
    }
    ASSERT_TRUE(log->close().ok());
  }
  auto segments = list_segments(dir_);
  ASSERT_TRUE(segments.ok());
  EXPECT_GE(segments->size(), 4u);
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kSealed) << (rep.failure ? rep.failure->message : "");
  EXPECT_EQ(rep.first_seq, 1u);
  EXPECT_EQ(rep.records, rep.last_seq);
  std::uint64_t accepted = 0;
  for (const Record& r : records()) accepted += r.event.type == "accepted";
  EXPECT_EQ(accepted, 120u);
}

TEST_F(AuditLogTest, CleanCloseEndsWithSignedShutdownCheckpoint) {
  auto log = open_log();
  ASSERT_TRUE(log->append(test::make_event("delivered", 1)).ok());
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(log->append(test::make_event("delivered", 2)).status().code(), "failed-precondition");
  auto recs = records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].event.type, "checkpoint");
  EXPECT_EQ(recs[1].event.detail["reason"], "shutdown");
  EXPECT_EQ(recs[1].event.detail["key"], log->key_fingerprint());
  EXPECT_EQ(verify().verdict, Verdict::kSealed);
}

TEST_F(AuditLogTest, CheckpointIsWrittenEveryNRecords) {
  auto log = open_log();
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(log->append(test::make_event("retried", i)).ok());
  EXPECT_EQ(log->stats().checkpoints, 2u);  // after records 10 and 20 (seq 11 and 22)
  auto recs = records();
  EXPECT_EQ(recs[10].event.type, "checkpoint");
  EXPECT_EQ(recs[21].event.type, "checkpoint");
  EXPECT_EQ(recs[10].event.detail["reason"], "count");
}

TEST_F(AuditLogTest, CheckpointIsWrittenOnFirstAppendAfterTheIntervalOnInjectedClock) {
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  auto o = test::test_options(dir_, key_);
  o.checkpoint_interval = std::chrono::seconds(60);
  o.now = [&] { return now; };
  auto log = open_log(o);
  ASSERT_TRUE(log->append(test::make_event("accepted", 1)).ok());
  EXPECT_EQ(log->stats().checkpoints, 0u);
  now += std::chrono::seconds(61);
  ASSERT_TRUE(log->append(test::make_event("accepted", 2)).ok());
  EXPECT_EQ(log->stats().checkpoints, 1u);
  EXPECT_EQ(records().back().event.detail["reason"], "interval");
  EXPECT_EQ(records().front().time, format_time(now - std::chrono::seconds(61)));
}

TEST_F(AuditLogTest, BackgroundSealerSealsAnIdleLog) {
  auto o = test::test_options(dir_, key_);
  o.checkpoint_interval = std::chrono::milliseconds(50);
  o.background_sealer = true;
  auto log = open_log(o);
  ASSERT_TRUE(log->append(test::make_event("accepted", 1)).ok());
  // Waits for the checkpoint on disk, not for stats().checkpoints: that counts a checkpoint
  // once it is queued, and the sealer writes it after releasing the log's mutex.
  for (int i = 0; i < 250 && verify().verdict != Verdict::kSealed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(verify().verdict, Verdict::kSealed);  // while the log is still open
  EXPECT_EQ(log->stats().checkpoints, 1u);
}

TEST_F(AuditLogTest, ReservedAndMalformedEventTypesAreRefused) {
  auto log = open_log();
  EXPECT_EQ(log->append(test::make_event("checkpoint", 1)).status().code(), "invalid-argument");
  EXPECT_EQ(log->append(test::make_event("recovered", 1)).status().code(), "invalid-argument");
  EXPECT_EQ(log->append(test::make_event("Accepted", 1)).status().code(), "invalid-argument");
  Event e = test::make_event("operator", 1);
  e.detail = nlohmann::json::array();
  EXPECT_EQ(log->append(e).status().code(), "invalid-argument");
  EXPECT_EQ(log->last_seq(), 0u);
}

TEST_F(AuditLogTest, OperatorEventRecordsWhoDidIt) {
  auto log = open_log();
  Event e = test::make_event("operator", 1);
  e.who = "admin:alice";
  e.detail = {{"command", "dlq purge"}, {"older_than", "7d"}};
  ASSERT_TRUE(log->append(e).ok());
  EXPECT_EQ(records().front().event.who, "admin:alice");
}

TEST_F(AuditLogTest, SecondWriterOnTheSameDirectoryIsLockedOut) {
  auto log = open_log();
  auto second = AuditLog::open(test::test_options(dir_, key_));
  EXPECT_EQ(second.status().code(), "failed-precondition");
}

TEST_F(AuditLogTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  HubKey other = test::make_hub_key(tmp_.path(), "other");
  auto o = test::test_options(dir_, key_);
  o.cert_pem = other.cert_pem;
  EXPECT_EQ(AuditLog::open(o).status().code(), "invalid-argument");
}

TEST_F(AuditLogTest, TornLastLineIsCutRecordedAndTheChainContinues) {
  {
    auto log = open_log();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(test::make_event("accepted", i)).ok());
  }  // closed: ends with a shutdown checkpoint (seq 6)
  std::string seg = dir_ + "/" + segment_name(1);
  std::string bytes = test::read_bytes(seg);
  std::string half = test::read_lines(seg)[2].substr(0, 70);  // half a record, no '\n'
  test::write_bytes(seg, bytes + half);
  EXPECT_EQ(verify().verdict, Verdict::kUnsealedTail);
  EXPECT_TRUE(verify().torn_tail);

  auto log = open_log();
  EXPECT_EQ(log->stats().recovered_bytes, half.size());
  ASSERT_TRUE(log->append(test::make_event("delivered", 9)).ok());
  ASSERT_TRUE(log->close().ok());
  auto recs = records();
  ASSERT_GE(recs.size(), 8u);
  EXPECT_EQ(recs[6].event.type, "recovered");
  EXPECT_EQ(recs[6].event.detail["dropped_bytes"], half.size());
  EXPECT_EQ(recs[6].event.detail["offset"], bytes.size());
  EXPECT_EQ(test::read_bytes(dir_ + "/" + recs[6].event.detail["saved_as"].get<std::string>()), half);
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kSealed);
  EXPECT_EQ(rep.recovered_events, 1u);
}

TEST_F(AuditLogTest, UnsealedTailFromACrashIsSealedAtOpen) {
  {
    auto log = open_log();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(test::make_event("accepted", i)).ok());
  }
  std::string seg = dir_ + "/" + segment_name(1);
  auto lines = test::read_lines(seg);
  lines.pop_back();  // as if the process died before its shutdown checkpoint
  test::write_lines(seg, lines);
  EXPECT_EQ(verify().verdict, Verdict::kUnsealedTail);
  auto log = open_log();
  EXPECT_EQ(verify().verdict, Verdict::kSealed);
  EXPECT_EQ(records().back().event.detail["reason"], "open");
}

TEST_F(AuditLogTest, CorruptRecordFollowedByGoodOnesRefusesToOpen) {
  {
    auto log = open_log();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(test::make_event("accepted", i)).ok());
  }
  std::string seg = dir_ + "/" + segment_name(1);
  auto lines = test::read_lines(seg);
  lines[1][30] ^= 1;
  test::write_lines(seg, lines);
  auto log = AuditLog::open(test::test_options(dir_, key_));
  ASSERT_EQ(log.status().code(), "data-loss");
  EXPECT_NE(log.status().message().find("line 2"), std::string::npos) << log.status().message();
}

TEST_F(AuditLogTest, AppendBatchWritesConsecutiveRecordsWithOneSync) {
  auto o = test::test_options(dir_, key_);
  o.checkpoint_every_records = 1000;
  auto log = open_log(o);
  std::vector<Event> batch;
  for (int i = 0; i < 16; ++i) batch.push_back(test::make_event("delivered", i));
  auto syncs = log->stats().syncs;
  auto last = log->append_batch(std::move(batch));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 16u);
  EXPECT_EQ(log->stats().syncs - syncs, 1u);
}

TEST_F(AuditLogTest, ConcurrentAppendsFromEightThreadsChainCorrectly) {
  auto o = test::test_options(dir_, key_);
  o.checkpoint_every_records = 64;
  auto log = open_log(o);
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!log->append(test::make_event("accepted", t * 1000 + i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  AuditStats st = log->stats();
  EXPECT_LT(st.syncs, st.records);  // group commit shared syncs between threads
  ASSERT_TRUE(log->close().ok());
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kSealed);
  std::set<std::string> docs;
  for (const Record& r : records()) {
    if (r.event.type == "accepted") docs.insert(r.event.doc);
  }
  EXPECT_EQ(docs.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(AuditLogTest, AsyncAppendsFromOneThreadShareSyncsAndAnswerInSeqOrderWhenDurable) {
  auto o = test::test_options(dir_, key_);
  o.checkpoint_every_records = 100000;
  auto log = open_log(o);
  constexpr int kCount = 2000;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::uint64_t> answered;
  int failures = 0;
  const auto syncs_before = log->stats().syncs;
  for (int i = 0; i < kCount; ++i) {
    std::vector<Event> one;
    one.push_back(test::make_event("accepted", i));
    log->append_async(std::move(one), [&, log_ptr = log.get()](Result<std::uint64_t> r) {
      std::lock_guard lk(mu);
      if (!r.ok()) {
        ++failures;
      } else if (log_ptr->stats().records < *r) {
        ++failures;  // answered before its record was durable
      }
      answered.push_back(r.ok() ? *r : 0);
      cv.notify_all();
    });
  }
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return answered.size() == kCount; }));
  }
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(std::is_sorted(answered.begin(), answered.end()));
  // One caller thread, yet far fewer syncs than records: the flusher groups them.
  EXPECT_LT(log->stats().syncs - syncs_before, static_cast<std::uint64_t>(kCount / 4));
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(verify().verdict, Verdict::kSealed);
  int accepted = 0;
  for (const Record& r : records()) accepted += r.event.type == "accepted";
  EXPECT_EQ(accepted, kCount);
}

TEST_F(AuditLogTest, AsyncAppendOnAClosedLogOrWithABadEventAnswersAtOnceWithTheError) {
  auto log = open_log();
  std::string code;
  std::vector<Event> bad;
  bad.push_back(test::make_event("checkpoint", 1));  // reserved type
  log->append_async(std::move(bad), [&](Result<std::uint64_t> r) { code = r.status().code(); });
  EXPECT_EQ(code, "invalid-argument");
  ASSERT_TRUE(log->close().ok());
  std::vector<Event> late;
  late.push_back(test::make_event("accepted", 2));
  log->append_async(std::move(late), [&](Result<std::uint64_t> r) { code = r.status().code(); });
  EXPECT_EQ(code, "failed-precondition");
}

TEST_F(AuditLogTest, CloseAnswersEveryPendingAsyncAppend) {
  auto log = open_log();
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    std::vector<Event> one;
    one.push_back(test::make_event("accepted", i));
    log->append_async(std::move(one), [&](Result<std::uint64_t> r) { ok += r.ok() ? 1 : 0; });
  }
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(ok.load(), 100);
}

}  // namespace
}  // namespace docaxis::audit
