// The Signer: what it writes (the pinned signing contract of README.md) and that the
// Verifier accepts it; what it refuses.
#include <openssl/x509.h>

#include "edxml/reader.hpp"
#include "support.hpp"

#include "dsig/signer.hpp"

namespace docaxis::dsig::test {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Signer> load_signer(const std::string& organ_base) {
  auto s = Signer::load(pki(organ_base + ".key"), pki(organ_base + ".crt"),
                        {pki(organ_base + ".chain.pem")});
  if (!s) {
    ADD_FAILURE() << s.status().to_string();
    return nullptr;
  }
  return std::move(s).value();
}

std::string der_of(const std::string& cert) {
  X509Ptr c = load_cert(cert);
  unsigned char* out = nullptr;
  const int n = i2d_X509(c.get(), &out);
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return der;
}

// The unsigned fixture with another sender.
std::string unsigned_from(const std::string& organ) {
  std::string bytes = fixture("unsigned.edxml");
  const std::string from = std::string("<edXML:OrganId>") + kSender + "</edXML:OrganId>";
  const auto at = bytes.find(from);  // From comes first in document order
  if (at == std::string::npos) {
    ADD_FAILURE() << "no From/OrganId in unsigned.edxml";
  } else {
    bytes.replace(at, from.size(), "<edXML:OrganId>" + organ + "</edXML:OrganId>");
  }
  return bytes;
}

class SignerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { verifier_ = new Verifier(trust(/*with_crls=*/true)); }
  static void TearDownTestSuite() { delete verifier_; }
  static Verifier* verifier_;
};
Verifier* SignerTest::verifier_ = nullptr;

TEST_F(SignerTest, RsaSignatureRoundTrips) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->organ(), kSender);
  EXPECT_THAT(signer->subject(), HasSubstr("CN=Organ 000.00.13.H30"));
  auto signed_doc = signer->sign(fixture("unsigned.edxml"));
  ASSERT_ACCEPTED(signed_doc);
  auto r = verify_package(*verifier_, *signed_doc, {});
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
  EXPECT_EQ(r->verdict.signature_method, kSha256Rsa);
  EXPECT_EQ(r->verdict.digest_method, kSha256Digest);
}

TEST_F(SignerTest, EcdsaSignatureRoundTrips) {
  auto signer = load_signer("organs/000.00.04.G14");
  ASSERT_NE(signer, nullptr);
  auto signed_doc = signer->sign(unsigned_from("000.00.04.G14"));
  ASSERT_ACCEPTED(signed_doc);
  for (Engine engine : {Engine::kNative, Engine::kXmlsec}) {
    Verifier v(trust(true), {}, 16, engine);
    auto r = verify_package(v, *signed_doc, {});
    ASSERT_ACCEPTED(r);
    EXPECT_EQ(r->verdict.signer_organ, "000.00.04.G14");
    EXPECT_EQ(r->verdict.signature_method, kSha256Ecdsa);
  }
}

TEST_F(SignerTest, StatusPackageRoundTrips) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  auto signed_doc = signer->sign(fixture("unsigned-status.edxml"));
  ASSERT_ACCEPTED(signed_doc);
  auto r = verify_package(*verifier_, *signed_doc, {});
  ASSERT_ACCEPTED(r);
  EXPECT_EQ(r->verdict.signer_organ, kSender);
  EXPECT_EQ(r->package.header.status_code, "03");
}

TEST_F(SignerTest, SigningKeepsTheContentAndAppendsTheSignatureLastInTheHeader) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  const std::string original = fixture("unsigned.edxml");
  auto signed_doc = signer->sign(original);
  ASSERT_ACCEPTED(signed_doc);
  auto doc = edxml::parse_untrusted(*signed_doc);
  ASSERT_ACCEPTED(doc);

  auto before = edxml::read_package_bytes(original);
  auto after = edxml::read_package(*doc);
  ASSERT_ACCEPTED(before);
  ASSERT_ACCEPTED(after);
  EXPECT_TRUE(before->same_content(*after));
  EXPECT_TRUE(after->signature.xmldsig);
  EXPECT_TRUE(after->signature.last_child);

  auto header = element_children(find_element(*doc, "edXMLHeader"));
  ASSERT_FALSE(header.empty());
  _xmlNode* sig = header.back();
  EXPECT_EQ(local_name(sig), "Signature");
  EXPECT_EQ(sig, find_element(*doc, "Signature"));
  auto parts = element_children(sig);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(local_name(parts[0]), "SignedInfo");
  EXPECT_EQ(local_name(parts[1]), "SignatureValue");
  EXPECT_EQ(local_name(parts[2]), "KeyInfo");
}

TEST_F(SignerTest, SignatureIsEnvelopedExclusiveC14nOverTheWholeDocument) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  auto signed_doc = signer->sign(fixture("unsigned.edxml"));
  ASSERT_ACCEPTED(signed_doc);
  auto doc = edxml::parse_untrusted(*signed_doc);
  ASSERT_ACCEPTED(doc);
  const std::string exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
  EXPECT_EQ(attribute(find_element(*doc, "CanonicalizationMethod"), "Algorithm"), exc);
  EXPECT_EQ(attribute(find_element(*doc, "SignatureMethod"), "Algorithm"), kSha256Rsa);
  EXPECT_EQ(attribute(find_element(*doc, "DigestMethod"), "Algorithm"), kSha256Digest);
  auto refs = element_children(find_element(*doc, "SignedInfo"));
  ASSERT_EQ(refs.size(), 3u);
  _xmlNode* ref = refs[2];
  ASSERT_EQ(local_name(ref), "Reference");
  EXPECT_EQ(attribute(ref, "URI"), "");
  auto transforms = element_children(find_element(*doc, "Transforms"));
  ASSERT_EQ(transforms.size(), 2u);
  EXPECT_EQ(attribute(transforms[0], "Algorithm"),
            "http://www.w3.org/2000/09/xmldsig#enveloped-signature");
  EXPECT_EQ(attribute(transforms[1], "Algorithm"), exc);
}

TEST_F(SignerTest, X509DataHoldsTheLeafFirstThenTheChain) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  auto signed_doc = signer->sign(fixture("unsigned.edxml"));
  ASSERT_ACCEPTED(signed_doc);
  auto doc = edxml::parse_untrusted(*signed_doc);
  ASSERT_ACCEPTED(doc);
  auto certs = element_children(find_element(*doc, "X509Data"));
  ASSERT_EQ(certs.size(), 2u);
  for (auto* c : certs) EXPECT_EQ(local_name(c), "X509Certificate");
  auto leaf = decode_base64(text_content(certs[0]));
  auto issuer = decode_base64(text_content(certs[1]));
  ASSERT_ACCEPTED(leaf);
  ASSERT_ACCEPTED(issuer);
  EXPECT_EQ(*leaf, der_of("organs/000.00.13.H30.crt"));
  EXPECT_EQ(*issuer, der_of("intermediate-ca.crt"));
}

TEST_F(SignerTest, RsaSigningIsDeterministic) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  auto a = signer->sign(fixture("unsigned.edxml"));
  auto b = signer->sign(fixture("unsigned.edxml"));
  ASSERT_ACCEPTED(a);
  ASSERT_ACCEPTED(b);
  EXPECT_EQ(*a, *b);
}

// The native engine (native_signer.hpp) must write exactly what xmlsec writes: RSA PKCS#1
// v1.5 is deterministic, so the two signed documents are equal byte for byte, for a package
// (Signature in edXMLHeader) and for a receipt (last child of the root).
TEST_F(SignerTest, NativeRsaSigningWritesExactlyWhatXmlsecWrites) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  auto native = signer->sign(fixture("unsigned.edxml"), Placement::kEdxmlHeader, Engine::kNative);
  auto xmlsec = signer->sign(fixture("unsigned.edxml"), Placement::kEdxmlHeader, Engine::kXmlsec);
  ASSERT_ACCEPTED(native);
  ASSERT_ACCEPTED(xmlsec);
  EXPECT_EQ(*native, *xmlsec);

  const std::string receipt =
      "<?xml version=\"1.0\"?>\n<Receipt xmlns=\"urn:docaxis:test\"><Id>42</Id>"
      "<Note xml:lang=\"vi\">Đã nhận &amp; lưu</Note></Receipt>\n";
  auto native_r = signer->sign(receipt, Placement::kRootLastChild, Engine::kNative);
  auto xmlsec_r = signer->sign(receipt, Placement::kRootLastChild, Engine::kXmlsec);
  ASSERT_ACCEPTED(native_r);
  ASSERT_ACCEPTED(xmlsec_r);
  EXPECT_EQ(*native_r, *xmlsec_r);
}

// ECDSA signatures are randomised, so: each engine's signature verifies under both verifying
// engines, and the parts that are not random (digest, certificates) are equal.
TEST_F(SignerTest, NativeEcdsaSignatureVerifiesUnderBothEngines) {
  auto signer = load_signer("organs/000.00.04.G14");
  ASSERT_NE(signer, nullptr);
  const std::string doc = unsigned_from("000.00.04.G14");
  auto native = signer->sign(doc, Placement::kEdxmlHeader, Engine::kNative);
  auto xmlsec = signer->sign(doc, Placement::kEdxmlHeader, Engine::kXmlsec);
  ASSERT_ACCEPTED(native);
  ASSERT_ACCEPTED(xmlsec);
  for (Engine engine : {Engine::kNative, Engine::kXmlsec}) {
    Verifier v(trust(true), {}, 16, engine);
    ASSERT_ACCEPTED(verify_package(v, *native, {}));
  }
  auto before_value = [](const std::string& s) { return s.substr(0, s.find("<SignatureValue")); };
  auto after_value = [](const std::string& s) { return s.substr(s.find("</SignatureValue>")); };
  EXPECT_EQ(before_value(*native), before_value(*xmlsec));
  EXPECT_EQ(after_value(*native), after_value(*xmlsec));
  EXPECT_NE(native->find("<DigestValue>"), std::string::npos);
}

TEST_F(SignerTest, ReceiptIsSignedAsTheLastChildOfTheRoot) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  const std::string receipt =
      "<?xml version=\"1.0\"?>\n<Receipt xmlns=\"urn:docaxis:test\"><Id>42</Id></Receipt>\n";
  auto signed_doc = signer->sign(receipt, Placement::kRootLastChild);
  ASSERT_ACCEPTED(signed_doc);
  auto doc = edxml::parse_untrusted(*signed_doc);
  ASSERT_ACCEPTED(doc);
  EXPECT_EQ(local_name(element_children(doc->root()).back()), "Signature");
  auto v = verifier_->verify(*doc, Placement::kRootLastChild, kSender, {});
  ASSERT_ACCEPTED(v);
  EXPECT_EQ(v->signer_organ, kSender);
}

TEST_F(SignerTest, AlreadySignedDocumentIsRefused) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  EXPECT_REFUSED(signer->sign(fixture("good-rsa.edxml")), "already-signed", "Signature");
  EXPECT_REFUSED(signer->sign(fixture("good-ecdsa.edxml")), "already-signed", "Signature");
  // A header that already holds another software's (non-XML-DSig) Signature: adding ours would
  // make a second one, which the hub refuses as duplicate-element.
  std::string foreign = fixture("unsigned.edxml");
  const std::string header_end = "</edXML:edXMLHeader>";
  ASSERT_NE(foreign.find(header_end), std::string::npos);
  foreign.insert(foreign.find(header_end), "<edXML:Signature>legacy SDK value</edXML:Signature>");
  EXPECT_REFUSED(signer->sign(foreign), "already-signed", "remove it before signing");
}

TEST_F(SignerTest, CertificateOfAnotherOrganIsSenderMismatch) {
  auto signer = load_signer("organs/000.00.31.H30");
  ASSERT_NE(signer, nullptr);
  auto r = signer->sign(fixture("unsigned.edxml"));
  EXPECT_REFUSED(r, "sender-mismatch", "000.00.31.H30");
  if (!r.ok()) {
    EXPECT_THAT(r.status().message(), HasSubstr(kSender));
  }
}

TEST_F(SignerTest, KeyOfAnotherCertificateIsKeyMismatch) {
  auto s = Signer::load(pki("organs/000.00.31.H30.key"), pki("organs/000.00.13.H30.crt"),
                        {pki("organs/000.00.13.H30.chain.pem")});
  EXPECT_REFUSED(s, "key-mismatch", "000.00.31.H30.key");
}

TEST_F(SignerTest, UnreadableOrWrongFilesHaveStableCodes) {
  EXPECT_EQ(code_of(Signer::load(pki("nope.key"), pki("organs/000.00.13.H30.crt"), {})),
            "file-unreadable");
  EXPECT_EQ(code_of(Signer::load(pki("organs/000.00.13.H30.crt"), pki("organs/000.00.13.H30.crt"),
                                 {})),
            "bad-key");
  EXPECT_EQ(code_of(Signer::load(pki("organs/000.00.13.H30.key"), pki("organs/000.00.13.H30.key"),
                                 {})),
            "bad-certificate");
}

TEST_F(SignerTest, DocumentWithoutEdxmlHeaderIsSignatureMisplaced) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  EXPECT_REFUSED(signer->sign("<a xmlns=\"urn:x\"><b/></a>"), "signature-misplaced", "edXMLHeader");
}

TEST_F(SignerTest, SignerParsesItsInputSafely) {
  auto signer = load_signer("organs/000.00.13.H30");
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(code_of(signer->sign(fixture("xxe.edxml"))), "dtd-forbidden");
  EXPECT_EQ(code_of(signer->sign("<edXML")), "malformed-xml");
}

}  // namespace
}  // namespace docaxis::dsig::test
