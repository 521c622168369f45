// One test per attack class of shared/notes/xmldsig-hardening.md, on the fixtures made by
// tests/data/make-dsig-fixtures.sh (expected.tsv). Each asserts the exact code and something
// specific in the message; the fixture script already proved that plain xmlsec1 accepts the
// forgeries whose cryptography still holds, so a refusal here is the hub's own defence.
#include <libxml/tree.h>

#include <set>

#include "edxml/reader.hpp"
#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

class AttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    verifier_ = new Verifier(trust(/*with_crls=*/true));
    xmlsec_verifier_ = new Verifier(trust(true), {}, 4096, Engine::kXmlsec);
  }
  static void TearDownTestSuite() {
    delete verifier_;
    delete xmlsec_verifier_;
  }
  static Result<VerifiedPackage> check(const std::string& name, const VerifyPolicy& p = {}) {
    return verify_fixture(*verifier_, name, p);
  }
  static Verifier* verifier_;
  static Verifier* xmlsec_verifier_;
};
Verifier* AttackTest::verifier_ = nullptr;
Verifier* AttackTest::xmlsec_verifier_ = nullptr;

const char* const kSenderSubject = "UID=000.00.13.H30,CN=Organ 000.00.13.H30,O=docaxis test PKI,C=VN";

TEST_F(AttackTest, EveryFixtureGetsItsExpectedCodeFromBothEngines) {
  const auto rows = expected_rows();
  ASSERT_GE(rows.size(), 50u);
  std::set<std::string> codes;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.file + ": " + row.description);
    EXPECT_EQ(code_of(check(row.file)), row.code) << "native engine";
    EXPECT_EQ(code_of(verify_fixture(*xmlsec_verifier_, row.file)), row.code) << "xmlsec engine";
    codes.insert(row.code);
  }
  // The fixture set covers every verification code it is meant to.
  for (const char* c : {"ok", "digest-mismatch", "signature-invalid", "sender-mismatch",
                        "cert-expired", "cert-not-yet-valid", "cert-revoked", "cert-untrusted",
                        "signer-no-organ", "cert-usage", "reference-invalid", "object-forbidden",
                        "signature-misplaced", "multiple-signatures", "id-conflict",
                        "dtd-forbidden", "transform-forbidden", "algorithm-forbidden",
                        "keyinfo-invalid", "legacy-algorithm", "unsigned", "malformed-xml"}) {
    EXPECT_TRUE(codes.count(c)) << "no fixture expects " << c;
  }
}

TEST_F(AttackTest, GoodRsaPackageIsBoundToItsSignerOrgan) {
  auto r = check("good-rsa.edxml");
  ASSERT_ACCEPTED(r);
  EXPECT_TRUE(r->verdict.is_signed);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
  EXPECT_EQ(r->verdict.signer_subject, kSenderSubject);
  EXPECT_EQ(r->verdict.signature_method, kSha256Rsa);
  EXPECT_EQ(r->verdict.digest_method, kSha256Digest);
  EXPECT_TRUE(r->verdict.relaxations.empty());
  EXPECT_EQ(r->package.header.from.organ_id, kSender);
  EXPECT_EQ(r->package.header.to.at(0).organ_id, "000.00.01.G12");
}

TEST_F(AttackTest, GoodPackagesAreCleanEdxml) {
  for (const char* name : {"good-rsa.edxml", "good-ecdsa.edxml", "good-status.edxml",
                           "good-root-id.edxml"}) {
    SCOPED_TRACE(name);
    auto r = check(name);
    ASSERT_ACCEPTED(r);
    EXPECT_FALSE(r->package.has_errors()) << r->package.first_error().to_string();
    EXPECT_TRUE(r->package.signature.xmldsig);
  }
}

TEST_F(AttackTest, GoodEcdsaPackageVerifiesWithEcdsaSha256) {
  auto r = check("good-ecdsa.edxml");
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, "000.00.04.G14");
  EXPECT_THAT(r->verdict.signer_subject, HasSubstr("UID=000.00.04.G14"));
  EXPECT_EQ(r->verdict.signature_method, kSha256Ecdsa);
}

TEST_F(AttackTest, GoodStatusPackageIsBoundToItsSender) {
  auto r = check("good-status.edxml");
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
  EXPECT_EQ(r->verdict.signer_subject, kSenderSubject);
  EXPECT_EQ(r->verdict.signature_method, kSha256Rsa);
  EXPECT_EQ(r->package.header.status_code, "03");
}

TEST_F(AttackTest, ReferenceToTheRootIdIsAccepted) {
  auto r = check("good-root-id.edxml");
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
}

TEST_F(AttackTest, ContentChangedAfterSigningIsDigestMismatch) {
  EXPECT_REFUSED(check("tampered-subject.edxml"), "digest-mismatch", "Reference");
  EXPECT_REFUSED(check("tampered-attachment.edxml"), "digest-mismatch", "Reference");
}

TEST_F(AttackTest, RecomputedDigestWithoutNewSignatureValueIsSignatureInvalid) {
  EXPECT_REFUSED(check("tampered-subject-redigested.edxml"), "signature-invalid", kSenderSubject);
}

TEST_F(AttackTest, AlteredSignedInfoIsSignatureInvalid) {
  EXPECT_REFUSED(check("tampered-signedinfo.edxml"), "signature-invalid", kSenderSubject);
  EXPECT_REFUSED(check("tampered-signedinfo-refattr.edxml"), "signature-invalid", kSenderSubject);
}

TEST_F(AttackTest, SignatureValueFromAnotherDocumentIsSignatureInvalid) {
  EXPECT_REFUSED(check("signaturevalue-swapped.edxml"), "signature-invalid", "SignatureValue");
}

TEST_F(AttackTest, AnotherOrgansCertificateInKeyInfoIsSignatureInvalid) {
  // The swapped-in certificate is trusted, so the refusal must come from the key itself.
  EXPECT_REFUSED(check("cert-swapped.edxml"), "signature-invalid", "Organ 000.00.31.H30");
}

TEST_F(AttackTest, SignatureByAnotherOrganIsSenderMismatch) {
  auto r = check("wrong-key-sender.edxml");
  EXPECT_REFUSED(r, "sender-mismatch", "000.00.31.H30");
  if (!r.ok()) {
    EXPECT_THAT(r.status().message(), HasSubstr(kSender));
  }
}

TEST_F(AttackTest, SignedHeaderMovedIntoWrapperIsDigestMismatch) {
  EXPECT_REFUSED(check("xsw-wrapper.edxml"), "digest-mismatch", "URI=\"\"");
}

TEST_F(AttackTest, SignedRootWrappedUnderForgedRootIsReferenceInvalid) {
  EXPECT_REFUSED(check("xsw-id-wrapper.edxml"), "reference-invalid", "#pkg-1");
}

TEST_F(AttackTest, SignatureWrappedInObjectIsRejected) {
  EXPECT_REFUSED(check("xsw-object.edxml"), "object-forbidden", "Object");
}

TEST_F(AttackTest, RootIdDuplicatedOnAnotherElementIsIdConflict) {
  EXPECT_REFUSED(check("id-conflict.edxml"), "id-conflict", "pkg-1");
}

TEST_F(AttackTest, DoctypeDeclaringAnIdAttributeIsRejected) {
  EXPECT_REFUSED(check("dtd-id.edxml"), "dtd-forbidden", "DOCTYPE");
}

TEST_F(AttackTest, ReferenceToAChildElementIsRejected) {
  // Only MessageHeader is signed; the attachment was swapped and plain xmlsec1 accepts it.
  EXPECT_REFUSED(check("reference-child.edxml"), "reference-invalid", "#msg");
}

TEST_F(AttackTest, TwoReferencesAreRejected) {
  EXPECT_REFUSED(check("two-references.edxml"), "reference-invalid", "Reference");
}

TEST_F(AttackTest, SignatureNotLastInHeaderIsMisplaced) {
  EXPECT_REFUSED(check("signature-not-last.edxml"), "signature-misplaced", "edXMLHeader");
}

TEST_F(AttackTest, SignatureUnderMessageHeaderIsMisplaced) {
  EXPECT_REFUSED(check("signature-in-messageheader.edxml"), "signature-misplaced", "edXMLHeader");
}

TEST_F(AttackTest, TwoSignatureElementsAreRejected) {
  EXPECT_REFUSED(check("two-signatures.edxml"), "multiple-signatures", "2 ");
}

TEST_F(AttackTest, EnvelopingSignatureAsRootIsRejected) {
  // As a package it is not edXML at all; handed to the Verifier directly, it is misplaced.
  EXPECT_REFUSED(check("enveloping-root.edxml"), "not-edxml", "Signature");
  auto doc = edxml::parse_untrusted(fixture("enveloping-root.edxml"));
  ASSERT_ACCEPTED(doc);
  for (Placement p : {Placement::kEdxmlHeader, Placement::kRootLastChild, Placement::kRootChild}) {
    EXPECT_REFUSED(verifier_->verify(*doc, p, kSender, {}), "signature-misplaced", "Signature");
  }
}

TEST_F(AttackTest, TransformsThatSelectOrRewriteContentAreForbidden) {
  // Subject was forged after signing in the first three; plain xmlsec1 accepts them.
  EXPECT_REFUSED(check("transform-xpath.edxml"), "transform-forbidden", "REC-xpath-19991116");
  EXPECT_REFUSED(check("transform-xslt.edxml"), "transform-forbidden", "REC-xslt-19991116");
  EXPECT_REFUSED(check("transform-xpath2.edxml"), "transform-forbidden", "xmldsig-filter2");
  EXPECT_REFUSED(check("transform-base64.edxml"), "transform-forbidden", "Transform");
}

TEST_F(AttackTest, MissingEnvelopedTransformIsReferenceInvalid) {
  EXPECT_REFUSED(check("no-enveloped-transform.edxml"), "reference-invalid", "enveloped");
}

TEST_F(AttackTest, HmacSignatureMethodIsForbidden) {
  EXPECT_REFUSED(check("hmac.edxml"), "algorithm-forbidden", "hmac-sha256");
  EXPECT_REFUSED(check("hmac-truncated.edxml"), "algorithm-forbidden", "SignatureMethod");
}

TEST_F(AttackTest, Md5DigestIsForbidden) {
  EXPECT_REFUSED(check("md5-digest.edxml"), "algorithm-forbidden", "md5");
}

TEST_F(AttackTest, KeyValueIsNeverTrusted) {
  EXPECT_REFUSED(check("keyvalue-only.edxml"), "keyinfo-invalid", "KeyValue");
  EXPECT_REFUSED(check("keyvalue-before-x509.edxml"), "keyinfo-invalid", "KeyValue");
}

TEST_F(AttackTest, RetrievalMethodIsKeyinfoInvalid) {
  EXPECT_REFUSED(check("retrieval-method.edxml"), "keyinfo-invalid", "RetrievalMethod");
}

TEST_F(AttackTest, MissingKeyInfoIsKeyinfoInvalid) {
  EXPECT_REFUSED(check("no-keyinfo.edxml"), "keyinfo-invalid", "KeyInfo");
}

TEST_F(AttackTest, ExternalReferenceUrisAreRejected) {
  EXPECT_REFUSED(check("ref-http.edxml"), "reference-invalid", "http://127.0.0.1:1/x");
  EXPECT_REFUSED(check("ref-file.edxml"), "reference-invalid", "file:///etc/passwd");
}

TEST_F(AttackTest, EntityAndDtdAttacksAreRefusedByTheParser) {
  for (const char* name : {"xxe.edxml", "billion-laughs.edxml", "external-dtd.edxml",
                           "parameter-entity.edxml"}) {
    SCOPED_TRACE(name);
    EXPECT_REFUSED(check(name), "dtd-forbidden", "DOCTYPE");
  }
}

TEST_F(AttackTest, DeepNestingIsRefusedByTheParser) {
  auto r = check("deep-nesting.edxml");
  EXPECT_REFUSED(r, "malformed-xml", "depth");
}

TEST_F(AttackTest, CommentInjectedIntoFromOrganIdCannotImpersonateTheSigner) {
  const std::string bytes = fixture("comment-injection.edxml");
  auto doc = edxml::parse_untrusted(bytes);
  ASSERT_ACCEPTED(doc);
  // The trap is real: a reader of the first text node sees exactly the signer's UID...
  xmlNode* organ = element_children(find_element(*doc, "From")).at(0);
  ASSERT_EQ(local_name(organ), "OrganId");
  EXPECT_EQ(first_text_node(organ), kSender);
  // ...and the signature still holds, because canonicalisation drops the comment.
  VerifyPolicy unbound;
  unbound.bind_sender = false;
  ASSERT_ACCEPTED(verifier_->verify(*doc, Placement::kEdxmlHeader, "", unbound));
  // The model reads the full text, so the binding fails.
  auto package = edxml::read_package(*doc);
  ASSERT_ACCEPTED(package);
  EXPECT_EQ(package->header.from.organ_id, "000.00.13.H30.evil.example");
  EXPECT_REFUSED(verify_package(*verifier_, bytes, {}), "sender-mismatch",
                 "000.00.13.H30.evil.example");
}

TEST_F(AttackTest, CommentSplittingFromOrganIdIsReadAsTheFullText) {
  auto r = check("comment-split-ok.edxml");
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->package.header.from.organ_id, kSender);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
}

TEST_F(AttackTest, UnsignedPackageIsRefused) {
  EXPECT_REFUSED(check("unsigned.edxml"), "unsigned", kDsigNs);
}

TEST_F(AttackTest, SdkSignatureWithoutXmlDsigNamespaceIsUnsignedAndSaysSo) {
  auto r = check("sdk-signature.edxml");
  EXPECT_REFUSED(r, "unsigned", "http://www.mic.gov.vn/TBT/QCVN_102_2016");
  if (!r.ok()) {
    EXPECT_THAT(r.status().message(), HasSubstr(kDsigNs));
  }
}

TEST_F(AttackTest, LegacyRsaSha1IsRefusedByDefault) {
  EXPECT_REFUSED(check("legacy-rsa-sha1.edxml"), "legacy-algorithm", "rsa-sha1");
}

TEST_F(AttackTest, CertificateAttacksNameTheCertificate) {
  EXPECT_REFUSED(check("cert-expired.edxml"), "cert-expired", "000.00.90.H30");
  EXPECT_REFUSED(check("cert-not-yet-valid.edxml"), "cert-not-yet-valid", "000.00.91.H30");
  EXPECT_REFUSED(check("cert-revoked.edxml"), "cert-revoked", "000.00.92.H30");
  EXPECT_REFUSED(check("cert-ca-usage.edxml"), "cert-usage", "000.00.93.H30");
  EXPECT_REFUSED(check("cert-no-sign-usage.edxml"), "cert-usage", "000.00.94.H30");
  EXPECT_REFUSED(check("cert-weak-rsa1024.edxml"), "cert-usage", "000.00.95.H30");
  EXPECT_REFUSED(check("cert-no-uid.edxml"), "signer-no-organ", "No UID organ");
  auto r = check("cert-lookalike.edxml");
  EXPECT_REFUSED(r, "cert-untrusted", "docaxis test PKI");
  if (!r.ok()) {
    EXPECT_THAT(r.status().message(),
                AnyOf(HasSubstr("Organ 000.00.13.H30"), HasSubstr("docaxis Test Issuing CA")));
  }
}

}  // namespace
}  // namespace docaxis::dsig::test
