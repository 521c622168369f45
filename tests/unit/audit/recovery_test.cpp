// AuditLog after I/O errors: only the appends of the failed write fail, the log rolls back to
// its last durable record and recovers by itself; deferred (best-effort) records.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "support.hpp"

namespace docaxis::audit {
namespace {

using test::HubKey;
using test::TempDir;

class AuditRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = test::test_options(dir_, key_);
    o.fault = [this](const char* call) {
      const std::string only = fault_call_;
      if (fault_ == 0 || (!only.empty() && only != call)) return 0;
      if (fault_once_) {
        const int e = fault_.exchange(0);
        return e;
      }
      return fault_.load();
    };
    auto log = AuditLog::open(std::move(o));
    ASSERT_TRUE(log.ok()) << log.status().to_string();
    log_ = std::move(*log);
  }
  // Event types of the records on disk, checkpoints left out.
  std::vector<std::string> types() {
    std::vector<std::string> out;
    EXPECT_TRUE(for_each_record(dir_, {}, [&](const ExportedRecord& r) {
                  if (r.record.event.type != "checkpoint") out.push_back(r.record.event.type);
                  return true;
                }).ok());
    return out;
  }
  void expect_sealed_chain() {
    ASSERT_TRUE(log_->close().ok());
    auto rep = verify_log(dir_, key_.cert_pem);
    ASSERT_TRUE(rep.ok()) << rep.status().to_string();
    EXPECT_FALSE(rep->failure.has_value())
        << rep->failure->code << " at seq " << rep->failure->seq << ": " << rep->failure->message;
    EXPECT_EQ(rep->verdict, Verdict::kSealed);
  }

  TempDir tmp_;
  HubKey key_ = test::make_hub_key(tmp_.path(), "hub");
  std::string dir_ = tmp_ / "log";
  std::atomic<int> fault_{0};
  std::atomic<bool> fault_once_{false};
  std::string fault_call_;  // "" = every call
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditRecoveryTest, FailedWriteFailsItsAppendAndTheNextAppendSucceeds) {
  ASSERT_TRUE(log_->append(test::make_event("first", 1)).ok());
  fault_ = ENOSPC;
  auto failed = log_->append(test::make_event("lost", 2));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), "resource-exhausted") << failed.status().to_string();
  EXPECT_NE(failed.status().message().find(std::strerror(ENOSPC)), std::string::npos);
  // Still failing: still refused, nothing acknowledged.
  EXPECT_FALSE(log_->append(test::make_event("lost", 3)).ok());
  fault_ = 0;
  auto next = log_->append(test::make_event("second", 4));
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(*next, 2u);  // the chain continues from the last durable record
  expect_sealed_chain();
  EXPECT_EQ(types(), (std::vector<std::string>{"first", "second"}));
}

// health() (the operator endpoint's readiness check "audit"): the cause while no write has
// become durable since the failure, ok again once one has, failed-precondition once closed.
TEST_F(AuditRecoveryTest, HealthReportsAFailedWriteUntilTheNextDurableOne) {
  EXPECT_TRUE(log_->health().ok());
  ASSERT_TRUE(log_->append(test::make_event("first", 1)).ok());
  EXPECT_TRUE(log_->health().ok());
  fault_ = ENOSPC;
  ASSERT_FALSE(log_->append(test::make_event("lost", 2)).ok());
  EXPECT_EQ(log_->health().code(), "resource-exhausted") << log_->health().to_string();
  fault_ = 0;
  ASSERT_TRUE(log_->append(test::make_event("second", 3)).ok());
  EXPECT_TRUE(log_->health().ok()) << log_->health().to_string();
  ASSERT_TRUE(log_->close().ok());
  EXPECT_EQ(log_->health().code(), "failed-precondition");
}

TEST_F(AuditRecoveryTest, FailedSyncCutsTheWrittenBytesBackBeforeTheNextWrite) {
  ASSERT_TRUE(log_->append(test::make_event("first", 1)).ok());
  fault_call_ = "fdatasync";  // the write lands in the file, its sync fails
  fault_once_ = true;
  fault_ = EIO;
  auto failed = log_->append(test::make_event("lost", 2));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), "unavailable");
  auto next = log_->append(test::make_event("second", 3));
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  expect_sealed_chain();  // no record of the failed write is left in the file
  EXPECT_EQ(types(), (std::vector<std::string>{"first", "second"}));
}

TEST_F(AuditRecoveryTest, AsyncAppendsOfAFailedWriteFailThenLaterOnesSucceed) {
  auto append_async = [this](const std::string& type, int n) {
    auto p = std::make_shared<std::promise<Result<std::uint64_t>>>();
    std::vector<Event> events;
    events.push_back(test::make_event(type, n));
    log_->append_async(std::move(events), [p](Result<std::uint64_t> r) { p->set_value(r); });
    return p->get_future().get();
  };
  fault_ = EIO;
  EXPECT_EQ(append_async("lost", 1).status().code(), "unavailable");
  fault_ = 0;
  auto ok = append_async("kept", 2);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, 1u);
  expect_sealed_chain();
  EXPECT_EQ(types(), (std::vector<std::string>{"kept"}));
}

TEST_F(AuditRecoveryTest, DeferredRecordsWaitForTheNextSync) {
  const auto syncs = log_->stats().syncs;
  std::vector<Event> deferred;
  deferred.push_back(test::make_event("sampled", 1));
  ASSERT_TRUE(log_->append_deferred(std::move(deferred)).ok());
  EXPECT_EQ(log_->stats().syncs, syncs);
  EXPECT_TRUE(types().empty());
  ASSERT_TRUE(log_->append(test::make_event("durable", 2)).ok());
  EXPECT_EQ(log_->stats().syncs, syncs + 1);  // one sync for both
  EXPECT_EQ(types(), (std::vector<std::string>{"sampled", "durable"}));
  expect_sealed_chain();
}

}  // namespace
}  // namespace docaxis::audit
