// The ingest pipeline's accepting paths: commit before `accepted`, routing to deliveries,
// duplicates, status packages, per-endpoint relaxations, overload and counters.
#include <chrono>
#include <thread>

#include "support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(IngestTest, GoodPackageIsAcceptedOnlyAfterCommitAndRoutedToItsRecipient) {
  start(hub_config());
  std::vector<store::PackageSummary> seen_at_done;
  const Status s = submit(fixture("good-rsa.edxml"), "edoc", kH30, {},
                          [&] { seen_at_done = packages(); });
  ASSERT_TRUE(s.ok()) << s.to_string();
  // The package was already committed when done(ok) fired.
  ASSERT_EQ(seen_at_done.size(), 1u);
  const auto& p = seen_at_done[0];
  EXPECT_EQ(p.message_type, "edoc");
  EXPECT_EQ(p.sender, kH30);
  EXPECT_EQ(p.document_id, "000.00.13.H30,2019/01/16,74/VPCP-TTĐT");
  EXPECT_EQ(p.received_ms, now_ms_.load());
  EXPECT_EQ(p.from_endpoint, organ_subject(kH30));
  auto stored = store_->load_package(p.seq);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->bytes, fixture("good-rsa.edxml"));
  EXPECT_EQ(stored->sha256_hex.size(), 64u);
  EXPECT_TRUE(stored->relaxations.empty());
  EXPECT_EQ(stored->verdict.form, store::PackageVerdict::Form::kPackage);
  EXPECT_TRUE(stored->verdict.is_signed);
  EXPECT_THAT(stored->verdict.signer_subject, HasSubstr("UID=000.00.13.H30"));
  EXPECT_THAT(stored->verdict.signature_method, HasSubstr("rsa-sha256"));
  EXPECT_TRUE(stored->verdict.relayed_by.empty());
  EXPECT_THAT(store::describe_verdict(*stored), HasSubstr("signed by UID=000.00.13.H30"));
  ASSERT_EQ(stored->hops.size(), 1u);
  EXPECT_EQ(stored->hops[0], (model::Hop{kHub, now_ms_.load()}));

  const auto d = deliveries(p.seq);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].recipient, kG12);
  EXPECT_EQ(d[0].next_hop, store::kLocalHop);
  EXPECT_EQ(d[0].state, store::DeliveryState::kWaiting);

  ingest_.reset();  // drains: the on_stored hook has run
  ASSERT_EQ(stored_calls_.size(), 1u);
  EXPECT_EQ(stored_calls_[0].first, p.seq);
  ASSERT_EQ(stored_calls_[0].second.size(), 1u);
  EXPECT_EQ(stored_calls_[0].second[0].recipient, kG12);
  EXPECT_THAT(audit_events(), ElementsAre("accepted"));
}

TEST_F(IngestTest, SameBytesAgainIsAcceptedAndRoutedOnce) {
  start(hub_config());
  ASSERT_TRUE(submit(fixture("good-rsa.edxml")).ok());
  const Status again = submit(fixture("good-rsa.edxml"));
  EXPECT_TRUE(again.ok()) << again.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(deliveries(list[0].seq).size(), 1u);
  const auto st = ingest_->stats();
  EXPECT_EQ(st.accepted, 1u);
  EXPECT_EQ(st.duplicates, 1u);
  ingest_.reset();
  EXPECT_EQ(stored_calls_.size(), 1u);  // the dispatcher is not woken for a duplicate
  EXPECT_THAT(audit_events(), ElementsAre("accepted", "duplicate"));
}

TEST_F(IngestTest, SameKeyDifferentBytesIsADuplicateConflict) {
  start(hub_config());
  ASSERT_TRUE(submit(fixture("good-rsa.edxml")).ok());
  // Same From and DocumentId, another Subject: signed anew by the same organ.
  const std::string other = sign_as(
      kH30, replace_all(fixture("unsigned.edxml"), "<edXML:Subject>", "<edXML:Subject>Khác: "));
  const Status s = submit(other);
  EXPECT_EQ(s.code(), "duplicate-conflict") << s.to_string();
  ASSERT_EQ(packages().size(), 1u);
  EXPECT_EQ(ingest_->stats().refused.at("duplicate-conflict"), 1u);
  ingest_.reset();
  EXPECT_THAT(audit_events(), ElementsAre("accepted", "refused"));
}

TEST_F(IngestTest, StatusPackageIsRoutedToResponseFor) {
  start(hub_config());
  const Status s = submit(fixture("good-status.edxml"), "status");
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].message_type, "status");
  EXPECT_EQ(list[0].document_id,
            "status:000.00.00.G22,2015/09/30,7816/VPCP-TTĐT|03|2015/09/20 11:08:36");
  const auto d = deliveries(list[0].seq);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].recipient, kG22);
  EXPECT_EQ(d[0].next_hop, "national");
}

TEST_F(IngestTest, EndpointRelaxationIsAppliedAndRecorded) {
  start(hub_config());
  EXPECT_EQ(submit(fixture("unsigned.edxml")).code(), "unsigned");  // strict by default

  auto config = hub_config();
  config.endpoints[0].allow_unsigned = true;
  config.endpoints[0].relaxation_reason = "legacy office software until 2027";
  start(config);
  const Status s = submit(fixture("unsigned.edxml"));
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  auto stored = store_->load_package(list[0].seq);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->relaxations, ElementsAre("unsigned"));
  // The relaxed endpoint's verdict, read back from the store's columns.
  EXPECT_EQ(stored->verdict.form, store::PackageVerdict::Form::kPackage);
  EXPECT_FALSE(stored->verdict.is_signed);
  EXPECT_EQ(stored->verdict.relaxation_reason, "legacy office software until 2027");
  EXPECT_THAT(store::describe_verdict(*stored),
              HasSubstr("; relaxed: unsigned (legacy office software until 2027)"));
  // The relaxation is the endpoint's own: another connection gets no relaxed policy.
  EXPECT_EQ(submit(fixture("unsigned.edxml"), "edoc", kG12).code(), "unsigned");
}

TEST_F(IngestTest, FullQueueAnswersOverloadedAtOnce) {
  GateStore gate(*store_);
  IngestOptions o;
  o.workers = 1;
  o.max_pending = 1;
  start(hub_config(), o, &gate);
  auto first = submit_async(fixture("good-rsa.edxml"), "edoc", kH30);
  // The second is refused by submit() itself, while the first is held at the store.
  auto second = submit_async(fixture("good-status.edxml"), "status", kH30);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(second.get().code(), "overloaded");
  EXPECT_EQ(first.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  for (int i = 0; i < 500 && gate.held() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(gate.held(), 1u);
  EXPECT_TRUE(packages().empty());
  gate.release();
  EXPECT_TRUE(first.get().ok());
  EXPECT_EQ(packages().size(), 1u);
  const auto st = ingest_->stats();
  EXPECT_EQ(st.received, 2u);
  EXPECT_EQ(st.overloaded, 1u);
  EXPECT_EQ(st.accepted, 1u);
  ingest_.reset();
}

TEST_F(IngestTest, ManyConcurrentSubmissionsAreAllAnswered) {
  IngestOptions o;
  o.workers = 4;
  o.max_pending = 64;
  start(hub_config(), o);
  std::vector<std::future<Status>> answers;
  for (int i = 0; i < 20; ++i) {
    answers.push_back(submit_async(fixture(i % 2 ? "good-rsa.edxml" : "tampered-subject.edxml"),
                                   "edoc", kH30));
  }
  int ok = 0;
  for (auto& a : answers) ok += a.get().ok() ? 1 : 0;
  EXPECT_EQ(ok, 10);
  const auto st = ingest_->stats();
  EXPECT_EQ(st.received, 20u);
  EXPECT_EQ(st.accepted + st.duplicates, 10u);
  EXPECT_EQ(st.refused.at("digest-mismatch"), 10u);
  EXPECT_EQ(packages().size(), 1u);
}

}  // namespace
}  // namespace docaxis::engine::test

namespace docaxis::engine::test {
namespace {

TEST_F(IngestTest, RelaxationsAreTheSendingOrgansNotTheUnionOverACertificatesEndpoints) {
  // One certificate (G12's) speaks for two organs: H30 by an explicit subject binding, relaxed
  // to accept unsigned packages, and G12 by its UID, strict. An unsigned package From G12 must
  // get G12's strict policy, not the union.
  config::HubConfig config = hub_config();
  config.endpoints[0].cert_subject = organ_subject(kG12);
  config.endpoints[0].allow_unsigned = true;
  config.endpoints[0].relaxation_reason = "legacy office software of H30";
  start(config);
  const std::string from_g12 = replace_all(fixture("unsigned.edxml"), kH30, kG12);
  const Status strict = submit(from_g12, "edoc", kG12);
  EXPECT_EQ(strict.code(), "unsigned") << strict.to_string();
  // The relaxed organ keeps its relaxation on the same connection.
  const Status relaxed = submit(fixture("unsigned.edxml"), "edoc", kG12);
  EXPECT_TRUE(relaxed.ok()) << relaxed.to_string();
}

}  // namespace
}  // namespace docaxis::engine::test
