// VerifyPolicy relaxations: each is off by default, lets through only what it names, and is
// recorded in Verdict::relaxations for receipts and logs.
#include <libxml/tree.h>

#include <algorithm>

#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class PolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { verifier_ = new Verifier(trust(/*with_crls=*/true)); }
  static void TearDownTestSuite() { delete verifier_; }
  static Result<VerifiedPackage> check(const std::string& name, const VerifyPolicy& p) {
    return verify_fixture(*verifier_, name, p);
  }
  static VerifyPolicy sha1() {
    VerifyPolicy p;
    p.allow_sha1 = true;
    return p;
  }
  static VerifyPolicy unsigned_ok() {
    VerifyPolicy p;
    p.allow_unsigned = true;
    return p;
  }
  static VerifyPolicy unbound() {
    VerifyPolicy p;
    p.bind_sender = false;
    return p;
  }
  static Verifier* verifier_;
};
Verifier* PolicyTest::verifier_ = nullptr;

TEST_F(PolicyTest, DefaultPolicyRelaxesNothing) {
  const VerifyPolicy p;
  EXPECT_FALSE(p.allow_sha1);
  EXPECT_FALSE(p.allow_unsigned);
  EXPECT_TRUE(p.bind_sender);
  auto r = check("good-rsa.edxml", p);
  ASSERT_ACCEPTED(r);
  EXPECT_TRUE(r->verdict.relaxations.empty());
}

TEST_F(PolicyTest, LegacySha1IsRefusedByDefault) {
  EXPECT_REFUSED(check("legacy-rsa-sha1.edxml", {}), "legacy-algorithm", "rsa-sha1");
}

TEST_F(PolicyTest, LegacySha1IsAcceptedWhenAllowedAndRecorded) {
  auto r = check("legacy-rsa-sha1.edxml", sha1());
  ASSERT_ACCEPTED(r);
  EXPECT_TRUE(r->verdict.is_signed);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
  EXPECT_EQ(r->verdict.signature_method, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
  EXPECT_EQ(r->verdict.digest_method, "http://www.w3.org/2000/09/xmldsig#sha1");
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("legacy-sha1"));
}

TEST_F(PolicyTest, LegacySha1IsAcceptedByTheXmlsecEngineToo) {
  Verifier xmlsec(trust(true), {}, 16, Engine::kXmlsec);
  auto r = verify_fixture(xmlsec, "legacy-rsa-sha1.edxml", sha1());
  ASSERT_ACCEPTED(r);
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("legacy-sha1"));
}

TEST_F(PolicyTest, AllowSha1IsNotRecordedForSha256Signatures) {
  auto r = check("good-rsa.edxml", sha1());
  ASSERT_ACCEPTED(r);
  EXPECT_TRUE(r->verdict.relaxations.empty());
}

TEST_F(PolicyTest, AllowSha1DoesNotAllowOtherWeakAlgorithms) {
  EXPECT_REFUSED(check("md5-digest.edxml", sha1()), "algorithm-forbidden", "md5");
  EXPECT_REFUSED(check("hmac.edxml", sha1()), "algorithm-forbidden", "hmac");
}

TEST_F(PolicyTest, AllowSha1StillChecksTheSignature) {
  // The same legacy document with its Subject changed.
  std::string bytes = fixture("legacy-rsa-sha1.edxml");
  const std::string subject = "<edXML:Subject>";
  const auto at = bytes.find(subject);
  ASSERT_NE(at, std::string::npos);
  bytes.insert(at + subject.size(), "X");
  EXPECT_REFUSED(verify_package(*verifier_, bytes, sha1()), "digest-mismatch", "Reference");
}

TEST_F(PolicyTest, UnsignedIsRefusedByDefault) {
  EXPECT_REFUSED(check("unsigned.edxml", {}), "unsigned", "Signature");
}

TEST_F(PolicyTest, UnsignedIsAcceptedWhenAllowedAndRecorded) {
  auto r = check("unsigned.edxml", unsigned_ok());
  ASSERT_ACCEPTED(r);
  EXPECT_FALSE(r->verdict.is_signed);
  EXPECT_EQ(r->verdict.signer_organ, "");
  EXPECT_EQ(r->verdict.signer_subject, "");
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("unsigned"));
  EXPECT_THAT(r->verdict.note, HasSubstr(kDsigNs));
  EXPECT_EQ(r->package.header.from.organ_id, kSender);
}

TEST_F(PolicyTest, SdkSignatureIsAcceptedAsUnsignedWithANote) {
  auto r = check("sdk-signature.edxml", unsigned_ok());
  ASSERT_ACCEPTED(r);
  EXPECT_FALSE(r->verdict.is_signed);
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("unsigned"));
  EXPECT_THAT(r->verdict.note, HasSubstr("http://www.mic.gov.vn/TBT/QCVN_102_2016"));
}

TEST_F(PolicyTest, AllowUnsignedNeverExcusesABadSignature) {
  // A document that carries an XML-DSig signature is judged by it, whatever the policy.
  for (const auto& [name, code] : std::vector<std::pair<std::string, std::string>>{
           {"tampered-subject.edxml", "digest-mismatch"},
           {"signaturevalue-swapped.edxml", "signature-invalid"},
           {"two-signatures.edxml", "multiple-signatures"},
           {"signature-not-last.edxml", "signature-misplaced"},
           {"keyvalue-only.edxml", "keyinfo-invalid"},
           {"cert-expired.edxml", "cert-expired"},
           {"wrong-key-sender.edxml", "sender-mismatch"},
           {"legacy-rsa-sha1.edxml", "legacy-algorithm"}}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(code_of(check(name, unsigned_ok())), code);
  }
}

TEST_F(PolicyTest, NoSenderBindingAcceptsAnotherOrgansSignatureAndRecordsIt) {
  EXPECT_EQ(code_of(check("wrong-key-sender.edxml", {})), "sender-mismatch");
  auto r = check("wrong-key-sender.edxml", unbound());
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, "000.00.31.H30");
  EXPECT_EQ(r->package.header.from.organ_id, kSender);
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("no-sender-binding"));
}

TEST_F(PolicyTest, NoSenderBindingIsRecordedEvenWhenTheOrgansMatch) {
  auto r = check("good-rsa.edxml", unbound());
  ASSERT_ACCEPTED(r);
  EXPECT_THAT(r->verdict.relaxations, ElementsAre("no-sender-binding"));
}

TEST_F(PolicyTest, NoSenderBindingStillRequiresAValidTrustedSignature) {
  EXPECT_EQ(code_of(check("tampered-subject.edxml", unbound())), "digest-mismatch");
  EXPECT_EQ(code_of(check("cert-swapped.edxml", unbound())), "signature-invalid");
  EXPECT_EQ(code_of(check("cert-expired.edxml", unbound())), "cert-expired");
  EXPECT_EQ(code_of(check("cert-lookalike.edxml", unbound())), "cert-untrusted");
  EXPECT_EQ(code_of(check("unsigned.edxml", unbound())), "unsigned");
}

TEST_F(PolicyTest, RelaxationsCombine) {
  VerifyPolicy p = sha1();
  p.bind_sender = false;
  p.allow_unsigned = true;
  auto r = check("legacy-rsa-sha1.edxml", p);
  ASSERT_ACCEPTED(r);
  EXPECT_THAT(r->verdict.relaxations, UnorderedElementsAre("legacy-sha1", "no-sender-binding"));
}

}  // namespace
}  // namespace docaxis::dsig::test

namespace docaxis::dsig::test {
namespace {

std::string serialise(const edxml::XmlDoc& doc) {
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemory(doc.get(), &out, &size);
  std::string s(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return s;
}

// The native engine unlinks the Signature (and, for #id, what stands beside the root) while it
// canonicalises; the tree must come back exactly as it was, so the hub can read and store it.
TEST(NativeEngineTree, VerificationLeavesTheTreeAsItWasAndCanBeRepeated) {
  Verifier verifier(trust(true));
  for (const char* name : {"good-rsa.edxml", "good-root-id-pi.edxml", "tampered-subject.edxml"}) {
    SCOPED_TRACE(name);
    auto doc = edxml::parse_untrusted(fixture(name));
    ASSERT_TRUE(doc.ok());
    const std::string before = serialise(*doc);
    auto first = verifier.verify(*doc, Placement::kEdxmlHeader, kSender, {});
    EXPECT_EQ(serialise(*doc), before);
    auto second = verifier.verify(*doc, Placement::kEdxmlHeader, kSender, {});
    EXPECT_EQ(code_of(first), code_of(second));
    EXPECT_EQ(serialise(*doc), before);
  }
}

}  // namespace
}  // namespace docaxis::dsig::test
