// Each refusal of the ingest pipeline: its code, a precise message, nothing stored, and a
// "refused" audit event.
#include "support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const model::ConnectionIdentity kNational{true, kNationalSubject, "", "", ""};

#define EXPECT_REFUSED(status, code_, fragment)                           \
  do {                                                                    \
    const Status s_ = (status);                                           \
    EXPECT_EQ(s_.code(), (code_)) << s_.to_string();                      \
    EXPECT_THAT(s_.message(), HasSubstr(fragment)) << s_.to_string();     \
  } while (0)

class IngestRefusalTest : public IngestTest {
 protected:
  void SetUp() override {
    IngestTest::SetUp();
    if (!HasFatalFailure()) start(hub_config());
  }
  // Nothing was stored, and the one audit event is a refusal.
  void expect_nothing_stored() {
    EXPECT_TRUE(packages().empty());
    ingest_.reset();
    EXPECT_THAT(audit_events(), ElementsAre("refused"));
  }
};

TEST_F(IngestRefusalTest, TooLarge) {
  IngestOptions o;
  o.max_package_bytes = 1000;
  start(hub_config(), o);
  EXPECT_REFUSED(submit(fixture("good-rsa.edxml")), "too-large", "exceeds the limit of 1000");
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, TamperedPackageIsDigestMismatch) {
  const Status s = submit(fixture("tampered-subject.edxml"));
  EXPECT_EQ(s.code(), "digest-mismatch") << s.to_string();
  EXPECT_EQ(ingest_->stats().refused.at("digest-mismatch"), 1u);
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, WrongConnectionForFromIsUnauthorized) {
  // Signed by H30, sent on G12's connection.
  const Status s = submit(fixture("good-rsa.edxml"), "edoc", kG12);
  EXPECT_EQ(s.code(), "unauthorized") << s.to_string();
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, UnknownRecipientIsNoRoute) {
  const std::string bytes =
      sign_as(kH30, replace_all(fixture("unsigned.edxml"), kG12, "000.00.09.H99"));
  EXPECT_REFUSED(submit(bytes), "no-route", "000.00.09.H99");
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, OneUnroutableRecipientRefusesTheWholePackage) {
  const std::string two_recipients = replace_all(
      fixture("unsigned.edxml"), "<edXML:OrganId>" + std::string(kG12),
      std::string("<edXML:OrganId>000.00.09.H99</edXML:OrganId></edXML:To><edXML:To>") +
          "<edXML:OrganId>" + kG12);
  const Status s = submit(sign_as(kH30, two_recipients));
  EXPECT_EQ(s.code(), "no-route") << s.to_string();
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestRefusalTest, TrailWithThisHubIsARoutingLoop) {
  EXPECT_REFUSED(submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"national@1", kHub}),
                 "routing-loop", kHub);
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, TooLongTrailIsHopLimit) {
  IngestOptions o;
  o.max_hops = 2;
  start(hub_config(), o);
  const Status s = submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"a", "b"});
  EXPECT_EQ(s.code(), "hop-limit") << s.to_string();
  // One hop fewer passes, and the stored trail is the sent one plus this hub.
  ASSERT_TRUE(submit_as(kNational, fixture("good-ecdsa.edxml"), "edoc", {"a@42"}).ok());
  auto stored = store_->load_package(packages().at(0).seq);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->hops, ElementsAre(model::Hop{"a", 42}, model::Hop{kHub, now_ms_.load()}));
}

TEST_F(IngestRefusalTest, PackageKindMustMatchTheLinkAddress) {
  EXPECT_REFUSED(submit(fixture("good-rsa.edxml"), "status"), "wrong-address",
                 "belongs on \"edoc\"");
  EXPECT_REFUSED(submit(fixture("good-status.edxml"), "edoc"), "wrong-address",
                 "belongs on \"status\"");
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestRefusalTest, ReaderErrorIsRefusedWithItsCodeAndPath) {
  const std::string bytes =
      sign_as(kH30, replace_all(fixture("unsigned.edxml"), kG12, "not-an-organ"));
  EXPECT_REFUSED(submit(bytes), "invalid-organ-id", "To");
  expect_nothing_stored();
}

TEST_F(IngestRefusalTest, UnauthenticatedConnectionIsRefused) {
  std::promise<Status> answer;
  ingest_->submit(IncomingPackage{"edoc", fixture("good-rsa.edxml"), {}, {}},
                  [&](const Status& s) { answer.set_value(s); });
  const Status s = answer.get_future().get();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.code(), ::testing::AnyOf("unauthorized", "unknown-endpoint"));
  EXPECT_TRUE(packages().empty());
}

}  // namespace
}  // namespace docaxis::engine::test
