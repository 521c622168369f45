// Routing-related accepting paths: packages relayed by a peer hub, every BussinessDocType
// routed like a document, and transient store failures answered as retryable.
#include "support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const model::ConnectionIdentity kNational{true, kNationalSubject, "", "", ""};

TEST_F(IngestTest, PeerRelaysAPackageOfAnOrganNotServedHere) {
  start(hub_config());
  const Status s = submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"national@7"});
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].sender, kG14);
  EXPECT_THAT(list[0].from_endpoint, HasSubstr("peer national"));
  auto stored = store_->load_package(list[0].seq);
  ASSERT_TRUE(stored.ok());
  // Read back from the store's columns (the pipeline's store is a real SqliteStore).
  EXPECT_EQ(stored->verdict.form, store::PackageVerdict::Form::kPackage);
  EXPECT_EQ(stored->verdict.relayed_by, "national");
  EXPECT_TRUE(stored->verdict.is_signed);
  EXPECT_FALSE(stored->verdict.signer_subject.empty());
  EXPECT_FALSE(stored->verdict.signature_method.empty());
  EXPECT_THAT(store::describe_verdict(*stored), HasSubstr("; relayed by national"));
  EXPECT_THAT(stored->hops,
              ElementsAre(model::Hop{"national", 7}, model::Hop{kHub, now_ms_.load()}));
  const auto d = deliveries(list[0].seq);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].recipient, kG12);
  EXPECT_EQ(d[0].next_hop, store::kLocalHop);
}

TEST_F(IngestTest, PeerMayNotSpeakForAnOrganServedHere) {
  start(hub_config());
  const Status s = submit_as(kNational, fixture("good-rsa.edxml"), "edoc", {"national"});
  EXPECT_EQ(s.code(), "unauthorized") << s.to_string();
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestTest, PeerGetsTheStrictPolicyEvenWhereAnEndpointIsRelaxed) {
  auto config = hub_config();
  config.endpoints[0].allow_unsigned = true;
  config.endpoints[0].relaxation_reason = "legacy";
  start(config);
  const std::string unsigned_g14 =
      replace_all(fixture("unsigned.edxml"), "000.00.13.H30", kG14);
  EXPECT_EQ(submit_as(kNational, unsigned_g14, "edoc", {"national"}).code(), "unsigned");
}

TEST_F(IngestTest, APeerTrustedForSomeOrgansUnsignedPackagesRelaysThoseAndNoOthers) {
  auto config = hub_config();
  config.peers[0].allow_unsigned_from = {".G14"};
  config.peers[0].relaxation_reason = "G14 speaks the axis HTTP API without signatures";
  start(config);
  // Its own DocumentId, so that the signed fixture below is no duplicate of it.
  const std::string unsigned_g14 = replace_all(
      replace_all(fixture("unsigned.edxml"), "000.00.13.H30", kG14), ",74/VPCP", ",75/VPCP");
  const Status s = submit_as(kNational, unsigned_g14, "edoc", {"national"});
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  auto stored = store_->load_package(list[0].seq);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->verdict.is_signed);
  EXPECT_THAT(stored->relaxations, ElementsAre("unsigned"));
  EXPECT_EQ(stored->verdict.relaxation_reason,
            "relayed by peer national: G14 speaks the axis HTTP API without signatures");
  // Another organ behind the same peer: strict as before.
  const std::string unsigned_g15 = replace_all(fixture("unsigned.edxml"), "000.00.13.H30", "000.00.05.G15");
  EXPECT_EQ(submit_as(kNational, unsigned_g15, "edoc", {"national"}).code(), "unsigned");
  // A signed package of the trusted organ is still verified as signed.
  EXPECT_TRUE(submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"national"}).ok());
  auto signed_one = store_->load_package(packages().back().seq);
  ASSERT_TRUE(signed_one.ok());
  EXPECT_TRUE(signed_one->verdict.is_signed);
  EXPECT_TRUE(signed_one->relaxations.empty());
}

TEST_F(IngestTest, RevokeUpdateAndReplaceAreRoutedLikeDocuments) {
  start(hub_config());
  for (const char* type : {"1", "2", "3"}) {
    std::string text = replace_all(fixture("unsigned.edxml"), "<edXML:BussinessDocType>0",
                                   std::string("<edXML:BussinessDocType>") + type);
    // A distinct DocumentId each, so none is a duplicate of another.
    text = replace_all(text, "74/VPCP-TTĐT", std::string("74/VPCP-TTĐT-") + type);
    const Status s = submit(sign_as(kH30, text));
    EXPECT_TRUE(s.ok()) << "BussinessDocType " << type << ": " << s.to_string();
  }
  const auto list = packages();
  ASSERT_EQ(list.size(), 3u);
  for (const auto& p : list) {
    const auto d = deliveries(p.seq);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].recipient, kG12);
  }
}

TEST_F(IngestTest, TransientStoreFailureIsPassedOnAndAudited) {
  GateStore gate(*store_);
  gate.release();
  gate.fail_with(Status("store-busy", "database is locked"));
  start(hub_config(), {}, &gate);
  const Status s = submit(fixture("good-rsa.edxml"));
  EXPECT_EQ(s.code(), "store-busy") << s.to_string();
  EXPECT_EQ(ingest_->stats().refused.at("store-busy"), 1u);
  ingest_.reset();
  EXPECT_TRUE(stored_calls_.empty());
  EXPECT_THAT(audit_events(), ElementsAre("released"));
}

}  // namespace
}  // namespace docaxis::engine::test
