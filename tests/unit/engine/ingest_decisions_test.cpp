// The ingest pipeline's decisions that need no real crypto, against fakes of the engine's
// ports: every refusal code, the duplicate rule, store failures, admission, on_stored.
#include <chrono>
#include <thread>

#include "edxml/receipt.hpp"
#include "engine_support.hpp"
#include "model/codes.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using docaxis::test::document;
using docaxis::test::signed_by;
using docaxis::test::status_package;
using docaxis::test::verified;

const char* const kSigner = "UID=000.00.13.H30,CN=Organ H30";

bool operator_eq(const store::DeliverySpec& a, const std::string& recipient, const std::string& hop) {
  return a.recipient == recipient && a.next_hop == hop;
}

class IngestDecisionsTest : public EngineTest {
 protected:
  void SetUp() override {
    verifier_.answer(verified(document(kH30, {kG12}, "doc-1"), signed_by(kSigner)));
    start();
  }
  void expect_nothing_stored() {
    EXPECT_TRUE(store_.packages().empty());
    EXPECT_EQ(store_.delivery_count(), 0u);
    EXPECT_EQ(on_stored_calls(), 0u);
  }
};

TEST_F(IngestDecisionsTest, StoresARoutedDocumentAndCallsOnStoredOnce) {
  verifier_.answer(verified(document(kH30, {kG12, kG22}, "doc-1"), signed_by(kSigner)));
  ASSERT_TRUE(submit("bytes-1").ok());
  const auto pkgs = store_.packages();
  ASSERT_EQ(pkgs.size(), 1u);
  const auto& p = pkgs[0];
  EXPECT_EQ(p.message_type, "edoc");
  EXPECT_EQ(p.sender, kH30);
  EXPECT_EQ(p.document_id, "doc-1");
  EXPECT_EQ(p.bytes, "bytes-1");
  EXPECT_EQ(p.sha256_hex, edxml::sha256_hex("bytes-1"));
  EXPECT_EQ(p.received_ms, now_ms_.load());
  EXPECT_THAT(p.hops, ElementsAre(model::Hop{kHub, now_ms_.load()}));
  EXPECT_EQ(p.verdict.form, store::PackageVerdict::Form::kPackage);
  EXPECT_TRUE(p.verdict.is_signed);
  EXPECT_EQ(p.verdict.signer_subject, kSigner);
  EXPECT_TRUE(p.verdict.relayed_by.empty());
  EXPECT_THAT(store::describe_verdict(p), HasSubstr(std::string("signed by ") + kSigner));
  auto ds = store_.deliveries_of(p.seq);
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ((*ds)[0].recipient, kG12);
  EXPECT_EQ((*ds)[0].next_hop, store::kLocalHop);
  EXPECT_EQ((*ds)[1].recipient, kG22);
  EXPECT_EQ((*ds)[1].next_hop, "national");

  std::lock_guard lk(mu_);
  ASSERT_EQ(stored_calls_.size(), 1u);
  EXPECT_EQ(stored_calls_[0].first, p.seq);
  ASSERT_EQ(stored_calls_[0].second.size(), 2u);
  EXPECT_TRUE(operator_eq(stored_calls_[0].second[0], kG12, std::string(store::kLocalHop)));
  EXPECT_TRUE(operator_eq(stored_calls_[0].second[1], kG22, "national"));
  EXPECT_EQ(ingest_->stats().accepted, 1u);
}

TEST_F(IngestDecisionsTest, TooLargeIsRefusedBeforeAnyVerification) {
  IngestOptions o;
  o.max_package_bytes = 10;
  start(o);
  const Status s = submit("0123456789A");
  EXPECT_EQ(s.code(), "too-large") << s.to_string();
  EXPECT_EQ(verifier_.calls(), 0u);
  expect_nothing_stored();
  EXPECT_TRUE(submit("0123456789").ok());  // at the limit: accepted
}

TEST_F(IngestDecisionsTest, VerifierRefusalPassesThroughUnchanged) {
  verifier_.answer(Status("digest-mismatch", "Reference #edxml-body: the digest differs"));
  const Status s = submit("bytes");
  EXPECT_EQ(s.code(), "digest-mismatch");
  EXPECT_EQ(s.message(), "Reference #edxml-body: the digest differs");
  expect_nothing_stored();
  EXPECT_EQ(ingest_->stats().refused.at("digest-mismatch"), 1u);
}

TEST_F(IngestDecisionsTest, ReaderErrorFindingIsTheRefusal) {
  auto pkg = document(kH30, {kG12}, "doc-1");
  edxml::Finding f;
  f.severity = edxml::Finding::Severity::error;
  f.code = "missing-element";
  f.path = "/edXMLEnvelope/edXMLHeader/MessageHeader/Subject";
  f.message = "Subject is required";
  pkg.findings.push_back(f);
  verifier_.answer(verified(pkg, signed_by(kSigner)));
  const Status s = submit("bytes");
  EXPECT_EQ(s.code(), "missing-element") << s.to_string();
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, PackageKindMustMatchTheLinkAddress) {
  Status s = submit("bytes", "status");
  EXPECT_EQ(s.code(), "wrong-address") << s.to_string();
  verifier_.answer(verified(status_package(kH30, kG12, "doc-9", "03", "2026/01/02 03:04:05"),
                            signed_by(kSigner)));
  s = submit("status-bytes", "edoc");
  EXPECT_EQ(s.code(), "wrong-address") << s.to_string();
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, FromAnotherOrganThanTheConnectionsIsUnauthorized) {
  verifier_.answer(verified(document(kG12, {kH30}, "doc-1"), signed_by("UID=000.00.01.G12")));
  const Status s = submit("bytes");  // on H30's connection
  EXPECT_EQ(s.code(), "unauthorized") << s.to_string();
  expect_nothing_stored();
  EXPECT_TRUE(submit_as(organ_identity(kG12), "bytes").ok());  // on its own connection: ok
}

TEST_F(IngestDecisionsTest, HopTrailFromAnEndpointIsBadHops) {
  const Status s = submit_as(organ_identity(kH30), "bytes", "edoc", {"national@1"});
  EXPECT_EQ(s.code(), "bad-hops") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("only a peer hub may send a hop trail"));
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, MalformedTrailEntryFromAPeerIsBadHops) {
  verifier_.answer(verified(document(kG14, {kH30}, "doc-1"), signed_by("UID=000.00.04.G14")));
  const Status s = submit_as(kNational, "bytes", "edoc", {"national@12x"});
  EXPECT_EQ(s.code(), "bad-hops") << s.to_string();
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, PeerTrailWithThisHubIsARoutingLoop) {
  verifier_.answer(verified(document(kG14, {kH30}, "doc-1"), signed_by("UID=000.00.04.G14")));
  const Status s = submit_as(kNational, "bytes", "edoc", {"national@1", kHub});
  EXPECT_EQ(s.code(), "routing-loop") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr(kHub));
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, TooLongPeerTrailIsHopLimit) {
  IngestOptions o;
  o.max_hops = 2;
  start(o);
  verifier_.answer(verified(document(kG14, {kH30}, "doc-1"), signed_by("UID=000.00.04.G14")));
  const Status s = submit_as(kNational, "bytes", "edoc", {"a", "b"});
  EXPECT_EQ(s.code(), "hop-limit") << s.to_string();
  expect_nothing_stored();
  // One hop fewer passes; the stored trail is the received one plus this hub.
  ASSERT_TRUE(submit_as(kNational, "bytes", "edoc", {"a@42"}).ok());
  ASSERT_EQ(store_.packages().size(), 1u);
  EXPECT_THAT(store_.packages()[0].hops,
              ElementsAre(model::Hop{"a", 42}, model::Hop{kHub, now_ms_.load()}));
  EXPECT_EQ(store_.packages()[0].verdict.relayed_by, "national");
  EXPECT_THAT(store::describe_verdict(store_.packages()[0]), HasSubstr("; relayed by national"));
}

TEST_F(IngestDecisionsTest, OneUnroutableRecipientRefusesTheWholePackage) {
  verifier_.answer(verified(document(kH30, {kG12, "000.00.09.H99"}, "doc-1"), signed_by(kSigner)));
  const Status s = submit("bytes");
  EXPECT_EQ(s.code(), "no-route") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("000.00.09.H99"));
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, SameBytesAgainIsADuplicateWithoutNewDeliveries) {
  ASSERT_TRUE(submit("bytes").ok());
  ASSERT_TRUE(submit("bytes").ok());
  EXPECT_EQ(store_.packages().size(), 1u);
  EXPECT_EQ(store_.delivery_count(), 1u);
  EXPECT_EQ(on_stored_calls(), 1u);  // not for the duplicate
  EXPECT_EQ(ingest_->stats().accepted, 1u);
  EXPECT_EQ(ingest_->stats().duplicates, 1u);
}

TEST_F(IngestDecisionsTest, SameKeyOtherBytesIsDuplicateConflict) {
  ASSERT_TRUE(submit("bytes-1").ok());
  const Status s = submit("bytes-2");  // the verifier reads the same package from both
  EXPECT_EQ(s.code(), "duplicate-conflict") << s.to_string();
  ASSERT_EQ(store_.packages().size(), 1u);
  EXPECT_EQ(store_.packages()[0].bytes, "bytes-1");
  EXPECT_EQ(on_stored_calls(), 1u);
}

TEST_F(IngestDecisionsTest, StatusPackageKeyIsTheAnsweredDocumentCodeAndTime) {
  verifier_.answer(verified(status_package(kH30, kG12, "doc-9", "03", "2026/01/02 03:04:05"),
                            signed_by(kSigner)));
  ASSERT_TRUE(submit("status-1", "status").ok());
  ASSERT_EQ(store_.packages().size(), 1u);
  EXPECT_EQ(store_.packages()[0].message_type, "status");
  EXPECT_EQ(store_.packages()[0].document_id, "status:doc-9|03|2026/01/02 03:04:05");
  auto ds = store_.deliveries_of(store_.packages()[0].seq);
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ(ds->size(), 1u);
  EXPECT_EQ((*ds)[0].recipient, kG12);
}

TEST_F(IngestDecisionsTest, StoreFailureOnTheNthWriteIsReleasedAndNothingHalfStored) {
  docaxis::test::FailingStore failing(store_, 2, Status("unavailable", "injected I/O error"));
  start({}, &failing);
  verifier_.answer_for("a", verified(document(kH30, {kG12}, "doc-a"), signed_by(kSigner)));
  verifier_.answer_for("b", verified(document(kH30, {kG12}, "doc-b"), signed_by(kSigner)));
  verifier_.answer_for("c", verified(document(kH30, {kG12}, "doc-c"), signed_by(kSigner)));
  ASSERT_TRUE(submit("a").ok());
  const Status s = submit("b");
  EXPECT_EQ(s.code(), "unavailable") << s.to_string();
  EXPECT_EQ(s.message(), "injected I/O error");
  EXPECT_TRUE(model::is_transient(s.code()));  // released: the sender retries
  ASSERT_TRUE(submit("c").ok());
  EXPECT_EQ(failing.ingests(), 3);
  const auto pkgs = store_.packages();
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].document_id, "doc-a");
  EXPECT_EQ(pkgs[1].document_id, "doc-c");
  EXPECT_EQ(store_.delivery_count(), 2u);
  EXPECT_EQ(on_stored_calls(), 2u);
  EXPECT_EQ(ingest_->stats().refused.at("unavailable"), 1u);
  // The retry of the failed package is stored.
  ASSERT_TRUE(submit("b").ok());
  EXPECT_EQ(store_.packages().size(), 3u);
  ingest_.reset();  // before `failing` goes
}

TEST_F(IngestDecisionsTest, OverloadedWhenMaxPendingIsReached) {
  IngestOptions o;
  o.max_pending = 2;
  start(o);
  verifier_.answer_for("a", verified(document(kH30, {kG12}, "doc-a"), signed_by(kSigner)));
  verifier_.answer_for("b", verified(document(kH30, {kG12}, "doc-b"), signed_by(kSigner)));
  store_.pause();
  auto a = submit_async(organ_identity(kH30), "a");
  auto b = submit_async(organ_identity(kH30), "b");
  for (int i = 0; i < 1000 && store_.held() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(store_.held(), 2u);
  // Answered from within submit(), at once.
  bool answered = false;
  Status third;
  ingest_->submit(IncomingPackage{"edoc", "c", organ_identity(kH30), {}},
                  [&](const Status& s) {
                    answered = true;
                    third = s;
                  });
  EXPECT_TRUE(answered);
  EXPECT_EQ(third.code(), "overloaded") << third.to_string();
  EXPECT_EQ(ingest_->stats().overloaded, 1u);
  store_.resume();
  EXPECT_TRUE(a.get().ok());
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ(store_.packages().size(), 2u);
  EXPECT_EQ(on_stored_calls(), 2u);
}

TEST_F(IngestDecisionsTest, PolicyIsTheConnectionsEndpointRelaxationsAndPeersAreStrict) {
  auto c = hub_config();
  c.endpoints[0].allow_unsigned = true;
  c.endpoints[0].relaxation_reason = "legacy client";
  start({}, nullptr, c);
  engine::Verdict unsigned_verdict;
  unsigned_verdict.relaxations = {"unsigned"};
  verifier_.answer(verified(document(kH30, {kG12}, "doc-1"), unsigned_verdict));
  ASSERT_TRUE(submit("bytes").ok());
  auto policies = verifier_.policies();
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_TRUE(policies[0].allow_unsigned);
  EXPECT_FALSE(policies[0].allow_sha1);
  ASSERT_EQ(store_.packages().size(), 1u);
  EXPECT_THAT(store_.packages()[0].relaxations, ElementsAre("unsigned"));
  const store::PackageVerdict v = store_.packages()[0].verdict;  // a copy: packages() returns a temporary
  EXPECT_FALSE(v.is_signed);
  EXPECT_EQ(v.relaxation_reason, "legacy client");
  EXPECT_TRUE(v.relayed_by.empty());
  EXPECT_EQ(store::describe_verdict(store_.packages()[0]), "unsigned; relaxed: unsigned (legacy client)");

  verifier_.answer(verified(document(kG14, {kH30}, "doc-2"), signed_by("UID=000.00.04.G14")));
  ASSERT_TRUE(submit_as(kNational, "peer-bytes").ok());
  policies = verifier_.policies();
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_FALSE(policies[1].allow_unsigned);
  EXPECT_FALSE(policies[1].allow_sha1);
}

TEST_F(IngestDecisionsTest, ReceiptsOnlyFromPeersAndTheVerifierRefusalPassesThrough) {
  Status s = submit_as(organ_identity(kH30), "receipt-bytes", "receipt");
  EXPECT_EQ(s.code(), "unauthorized") << s.to_string();
  EXPECT_EQ(verifier_.calls(), 0u);
  verifier_.answer_receipt(Status("signature-invalid", "the receipt's signature is invalid"));
  s = submit_as(kNational, "receipt-bytes", "receipt");
  EXPECT_EQ(s.code(), "signature-invalid");
  EXPECT_EQ(s.message(), "the receipt's signature is invalid");
  expect_nothing_stored();
}

TEST_F(IngestDecisionsTest, ReceiptNotSignedByItsIssuerHubIsRefused) {
  edxml::DeliveryReceipt r;
  r.receipt_id = "national-7-9";
  r.document_id = "doc-1";
  r.sender = kH30;
  r.recipient = kG22;
  r.outcome = "delivered";
  r.delivered_sha256_hex = edxml::sha256_hex("x");
  r.hops = {{kHub, "2026-01-01T00:00:00.000Z", {}}, {"national", "2026-01-01T00:00:01.000Z", {}}};
  r.issued_at = "2026-01-01T00:00:02.000Z";
  r.issuer_hub = "national";
  engine::Verdict v = signed_by(kNationalSubject);
  verifier_.answer_receipt(engine::VerifiedReceipt{r, v});  // no urn:docaxis:hub:national
  Status s = submit_as(kNational, "receipt-bytes", "receipt");
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch") << s.to_string();
  expect_nothing_stored();

  v.signer_uris = {"urn:docaxis:hub:national"};
  verifier_.answer_receipt(engine::VerifiedReceipt{r, v});
  s = submit_as(kNational, "receipt-bytes", "receipt");
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(store_.packages().size(), 1u);
  EXPECT_EQ(store_.packages()[0].message_type, "receipt");
  EXPECT_EQ(store_.packages()[0].sender, "national");
  EXPECT_EQ(store_.packages()[0].document_id, "national-7-9");
}

}  // namespace
}  // namespace docaxis::engine::test
