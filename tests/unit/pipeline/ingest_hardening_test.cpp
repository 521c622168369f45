// Issue 12 hardening of the ingest pipeline: untrusted hop trails, exceptions in components,
// audit-log failures that recover, the free-disk floor, and sampled refusal records.
#include <cerrno>
#include <mutex>
#include <vector>

#include "audit/verify.hpp"
#include "model/codes.hpp"
#include "store/disk_floor.hpp"
#include "support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const model::ConnectionIdentity kNational{true, kNationalSubject, "", "", ""};

TEST_F(IngestTest, PeerHopWithInvalidUtf8IsBadHopsAndNothingIsStored) {
  start(hub_config());
  const Status s = submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc",
                             {"national@7", std::string("h\xc3\x28@1")});
  EXPECT_EQ(s.code(), "bad-hops") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("hop 1 \"h\\xc3(@1\"")) << s.to_string();
  EXPECT_TRUE(packages().empty());
  ingest_.reset();
  EXPECT_THAT(audit_events(), ElementsAre("refused"));
}

TEST_F(IngestTest, PeerHopWithGarbageTimeIsBadHops) {
  start(hub_config());
  const Status s = submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"national@7x"});
  EXPECT_EQ(s.code(), "bad-hops") << s.to_string();
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestTest, EndpointMayNotSendAHopTrail) {
  start(hub_config());
  // An endpoint naming hubs would forge them into the stored trail and its receipts.
  const Status s = submit(fixture("good-rsa.edxml"), "edoc", kH30, {"national@1"});
  EXPECT_EQ(s.code(), "bad-hops") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("only a peer hub may send a hop trail"));
  EXPECT_TRUE(packages().empty());
  // Without a trail the same package is accepted.
  EXPECT_TRUE(submit(fixture("good-rsa.edxml")).ok());
}

TEST_F(IngestTest, ThrowingStoreAnswersInternalAndTheNextPackageSucceeds) {
  GateStore gate(*store_);
  gate.release();
  gate.throw_next(1);
  start(hub_config(), {}, &gate);
  const Status s = submit(fixture("good-rsa.edxml"));
  EXPECT_EQ(s.code(), "internal") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("injected store failure"));
  EXPECT_TRUE(packages().empty());
  const Status next = submit(fixture("good-rsa.edxml"));
  EXPECT_TRUE(next.ok()) << next.to_string();
  EXPECT_EQ(packages().size(), 1u);
  EXPECT_EQ(ingest_->stats().refused.at("internal"), 1u);
}

TEST_F(IngestTest, ThrowingOnStoredHookAnswersInternalThenTheRetryIsADuplicate) {
  IngestOptions o;
  std::atomic<int> throws{1};
  o.on_stored = [&throws](uint64_t, const std::vector<store::DeliverySpec>&) {
    if (throws.fetch_sub(1) > 0) throw std::runtime_error("hook failed");
  };
  start(hub_config(), o);
  const Status s = submit(fixture("good-rsa.edxml"));
  EXPECT_EQ(s.code(), "internal") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("hook failed"));
  EXPECT_TRUE(submit(fixture("good-rsa.edxml")).ok());
  EXPECT_EQ(ingest_->stats().duplicates, 1u);
}

TEST_F(IngestTest, AuditFailureReleasesOnlyThatPackageAndTheLogRecovers) {
  start(hub_config());
  audit_fault_ = EIO;
  const Status failed = submit(fixture("good-rsa.edxml"));
  EXPECT_EQ(failed.code(), "unavailable") << failed.to_string();
  EXPECT_THAT(failed.message(), HasSubstr("audit log"));
  EXPECT_EQ(packages().size(), 1u);  // committed: its retry is a duplicate

  audit_fault_ = 0;  // the disk works again: no restart needed
  const Status retry = submit(fixture("good-rsa.edxml"));
  EXPECT_TRUE(retry.ok()) << retry.to_string();
  const Status other = submit(fixture("good-status.edxml"), "status");
  EXPECT_TRUE(other.ok()) << other.to_string();
  ingest_.reset();
  EXPECT_THAT(audit_events(), ElementsAre("duplicate", "accepted"));
  // The chain continues from the last durable record: no gap, no fork.
  audit_.reset();
  auto report = audit::verify_log(dir_ + "/audit", pki("hubs/h30.crt"), {});
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_FALSE(report->failure.has_value()) << report->failure->code << ": "
                                            << report->failure->message;
  EXPECT_EQ(report->verdict, audit::Verdict::kSealed);
}

TEST_F(IngestTest, LowFreeDiskSpaceIsReleasedBeforeAnythingIsStored) {
  std::atomic<std::uint64_t> free_bytes{500};
  auto steady = std::make_shared<std::atomic<std::int64_t>>(0);
  IngestOptions o;
  o.disk_floor = std::make_shared<store::DiskFloor>(
      std::vector<std::string>{dir_ + "/spool.sqlite", dir_ + "/audit"}, 1000,
      [&free_bytes](const std::string&) -> Result<std::uint64_t> { return free_bytes.load(); },
      [steady] {
        return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady->load()));
      });
  start(hub_config(), o);
  const Status s = submit(fixture("good-rsa.edxml"));
  EXPECT_EQ(s.code(), "resource-exhausted") << s.to_string();
  EXPECT_TRUE(model::is_transient(s.code()));
  EXPECT_THAT(s.message(), HasSubstr("500 bytes free"));
  EXPECT_THAT(s.message(), HasSubstr("floor of 1000 bytes"));
  EXPECT_TRUE(packages().empty());

  free_bytes = 5000;
  *steady += 600;  // past the cache period
  const Status ok = submit(fixture("good-rsa.edxml"));
  EXPECT_TRUE(ok.ok()) << ok.to_string();
  EXPECT_EQ(packages().size(), 1u);
}

TEST_F(IngestTest, RefusalRecordsAreSampledAndNeverSyncedOneByOne) {
  IngestOptions o;
  o.max_package_bytes = 1000;
  o.refusal_records_per_second = 2;
  start(hub_config(), o);
  const std::uint64_t syncs = audit_->stats().syncs;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(submit(fixture("good-rsa.edxml")).code(), "too-large");
  EXPECT_EQ(audit_->stats().syncs, syncs);  // no fdatasync for refusals
  now_ms_ += 1000;                          // the next window
  EXPECT_EQ(submit(fixture("good-rsa.edxml")).code(), "too-large");
  EXPECT_EQ(ingest_->stats().refused.at("too-large"), 11u);  // every refusal is counted
  ingest_.reset();
  EXPECT_THAT(audit_events(),
              ElementsAre("refused", "refused", "refusals-suppressed", "refused"));
  const std::string text = audit_text();
  EXPECT_THAT(text, HasSubstr("\"code\":\"too-large\",\"recorded\":2,\"suppressed\":8"));
}

// The status page's recent refusals (hub/ops): the refusals that get their own audit record are
// handed to on_refused, with the code, the reason and the size, on the same sampling.
TEST_F(IngestTest, SampledRefusalsAreHandedToOnRefused) {
  IngestOptions o;
  o.max_package_bytes = 1000;
  o.refusal_records_per_second = 2;
  std::mutex mu;
  std::vector<RefusalNote> notes;
  o.on_refused = [&](const RefusalNote& n) {
    std::lock_guard lk(mu);
    notes.push_back(n);
  };
  start(hub_config(), o);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(submit(fixture("good-rsa.edxml")).code(), "too-large");
  ingest_.reset();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].code, "too-large");
  EXPECT_FALSE(notes[0].reason.empty());
  EXPECT_GT(notes[0].size, 1000u);
}

}  // namespace
}  // namespace docaxis::engine::test
