#include "edxml/receipt.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

DeliveryReceipt sample_receipt() {
  DeliveryReceipt r;
  r.receipt_id = "rcpt-0001";
  r.document_id = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT";
  r.sender = "000.00.00.G22";
  r.recipient = "000.00.00.H53";
  r.outcome = "delivered";
  r.delivered_sha256_hex = sha256_hex("package bytes");
  r.hops = {{"hub-g22", "2025-10-23T09:28:42Z", "2025-10-23T09:28:43.125Z"},
            {"hub-h53", "2025-10-23T09:28:44Z", ""}};
  r.issued_at = "2025-10-23T09:28:45Z";
  r.issuer_hub = "hub-h53";
  r.policy_relaxations = {"legacy-sha1"};
  return r;
}

Result<DeliveryReceipt> read(const std::string& xml) {
  Result<XmlDoc> doc = parse_untrusted(xml);
  if (!doc.ok()) return doc.status();
  return read_receipt(*doc);
}

std::string with_before_close(std::string xml, const std::string& insert) {
  xml.insert(xml.rfind("</DeliveryReceipt>"), insert);
  return xml;
}

constexpr const char* kDsSig =
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/></ds:Signature>";

// Issue 12: only the hub a receipt names may sign it (SAN URI urn:docaxis:hub:<IssuerHub>).
TEST(Receipt, IssuerBindingAcceptsOnlyTheExactHubUriOfIssuerHub) {
  const DeliveryReceipt r = sample_receipt();  // IssuerHub hub-h53
  EXPECT_EQ(hub_uri("hub-h53"), "urn:docaxis:hub:hub-h53");
  EXPECT_TRUE(check_receipt_issuer(r, {"urn:docaxis:hub:hub-h53"}, "CN=docaxis hub hub-h53").ok());
  EXPECT_TRUE(check_receipt_issuer(r, {"https://example.test", "urn:docaxis:hub:hub-h53"}, "CN=x")
                  .ok());

  // An organ's certificate: no hub URI at all.
  Status s = check_receipt_issuer(r, {}, "UID=000.00.00.G22,CN=Organ 000.00.00.G22");
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch");
  EXPECT_NE(s.message().find("names IssuerHub \"hub-h53\""), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("\"UID=000.00.00.G22,CN=Organ 000.00.00.G22\" carries no hub name"),
            std::string::npos)
      << s.message();
  // Another hub's certificate.
  s = check_receipt_issuer(r, {"urn:docaxis:hub:hub-g22"}, "CN=docaxis hub hub-g22");
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch");
  EXPECT_NE(s.message().find("the hub name(s) urn:docaxis:hub:hub-g22, not urn:docaxis:hub:hub-h53"),
            std::string::npos)
      << s.message();
  // Near misses are misses: prefix, suffix, case.
  for (const char* uri : {"urn:docaxis:hub:hub-h5", "urn:docaxis:hub:hub-h53x",
                          "URN:DOCAXIS:HUB:hub-h53", "urn:docaxis:hub:HUB-H53", "hub-h53"}) {
    EXPECT_EQ(check_receipt_issuer(r, {uri}, "CN=x").code(), "receipt-issuer-mismatch") << uri;
  }
}

TEST(Receipt, Sha256HexIsLowercaseHex) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Receipt, WriteThenReadGivesTheSameReceipt) {
  const DeliveryReceipt r = sample_receipt();
  ASSERT_TRUE(validate_receipt(r).ok()) << validate_receipt(r).to_string();
  const std::string xml = write_receipt(r);
  EXPECT_NE(xml.find("<DeliveryReceipt xmlns=\"urn:docaxis:receipt:1\">"), std::string::npos);
  Result<DeliveryReceipt> back = read(xml);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(write_receipt(*back), xml);
}

TEST(Receipt, SignatureIsAcceptedOnlyAsTheLastChild) {
  const std::string xml = write_receipt(sample_receipt());
  EXPECT_TRUE(read(with_before_close(xml, kDsSig)).ok());
  std::string misplaced = xml;
  misplaced.insert(misplaced.find("<ReceiptId>"), kDsSig);
  EXPECT_EQ(read(misplaced).status().code(), "signature-misplaced");
}

TEST(Receipt, StrictReadingRefusesUnknownDuplicateAndReorderedElements) {
  const std::string xml = write_receipt(sample_receipt());
  EXPECT_EQ(read(with_before_close(xml, "<Extra/>")).status().code(), "unknown-element");
  EXPECT_EQ(read(with_before_close(xml, "<x:A xmlns:x=\"urn:x\"/>")).status().code(),
            "unknown-element");
  std::string dup = xml;
  dup.insert(dup.find("<DocumentId>"), "<ReceiptId>again</ReceiptId>");
  EXPECT_EQ(read(dup).status().code(), "duplicate-element");
  std::string reordered = xml;
  reordered.insert(reordered.find("<IssuedAt>"), "<Sender>000.00.00.G22</Sender>");
  EXPECT_EQ(read(reordered).status().code(), "unknown-element");
  EXPECT_NE(read(reordered).status().message().find("line"), std::string::npos);
}

TEST(Receipt, ValidationNamesTheBadField) {
  auto code = [](auto mutate) {
    DeliveryReceipt r = sample_receipt();
    mutate(r);
    return validate_receipt(r).code();
  };
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.outcome = "lost"; }), "invalid-value");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.delivered_sha256_hex[0] = 'A'; }), "invalid-value");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.hops[0].arrived = "2025/10/23 09:28:42"; }),
            "invalid-value");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.recipient = "28.22.H17"; }), "invalid-organ-id");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.receipt_id.clear(); }), "missing-element");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.outcome = "rejected"; }), "missing-element");
  EXPECT_EQ(code([](DeliveryReceipt& r) {
              r.outcome = "rejected";
              r.reason = "signature invalid";
            }),
            "");
  EXPECT_EQ(code([](DeliveryReceipt& r) { r.policy_relaxations = {"Legacy SHA1"}; }),
            "invalid-value");
}

TEST(Receipt, ReaderValidatesWhatItRead) {
  DeliveryReceipt r = sample_receipt();
  r.sender = "vxp.saas.03";
  EXPECT_EQ(read(write_receipt(r)).status().code(), "invalid-organ-id");
  EXPECT_EQ(read("<DeliveryReceipt/>").status().code(), "not-receipt");
  EXPECT_EQ(read("<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>").status().code(),
            "not-receipt");
}

TEST(Receipt, CommentInsideAValueDoesNotTruncateIt) {
  std::string xml = write_receipt(sample_receipt());
  xml.replace(xml.find("rcpt-0001"), 9, "rcpt<!-- x -->-0001");
  Result<DeliveryReceipt> back = read(xml);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->receipt_id, "rcpt-0001");
}

}  // namespace
}  // namespace docaxis::edxml
