// Hostile and broken input: the parse limits, hard failures, and a deterministic mutation
// loop over every generated package that must never crash (ASan/UBSan builds make it
// meaningful; the same loop over the real samples is in interop_samples_test.cpp).
#include <gtest/gtest.h>

#include "edxml/reader.hpp"
#include "edxml/receipt.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

std::string code_of(const std::string& xml, const ParseLimits& limits = {}) {
  Result<Package> p = read_package_bytes(xml, limits);
  return p.ok() ? "ok" : p.status().code();
}

TEST(Malformed, BillionLaughsIsRefusedAsDtd) {
  const std::string xml =
      "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
      "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
      "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>"
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">&g;</edXML>";
  EXPECT_EQ(code_of(xml), "dtd-forbidden");
}

TEST(Malformed, UndeclaredPrefixIsRefusedWithTheFirstPlaceNamed) {
  const std::string xml =
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">\n"
      "  <edXML:edXMLEnvelope><edXML:edXMLHeader/></edXML:edXMLEnvelope>\n</edXML>";
  auto doc = parse_untrusted(xml);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), "malformed-xml");
  EXPECT_NE(doc.status().message().find("line 2"), std::string::npos) << doc.status().message();
  EXPECT_NE(doc.status().message().find("edXMLEnvelope"), std::string::npos)
      << doc.status().message();
}

TEST(Malformed, ExternalEntityIsRefusedAsDtd) {
  const std::string xml =
      "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">&x;</edXML>";
  EXPECT_EQ(code_of(xml), "dtd-forbidden");
}

TEST(Malformed, DeepNestingIsRefused) {
  std::string xml = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">";
  for (int i = 0; i < 100; ++i) xml += "<a>";
  for (int i = 0; i < 100; ++i) xml += "</a>";
  xml += "</edXML>";
  EXPECT_EQ(code_of(xml), "too-deep");
}

TEST(Malformed, TruncatedPackageIsMalformedXml) {
  const std::string bytes = test::read_generated("edoc_new.edxml");
  EXPECT_EQ(code_of(bytes.substr(0, bytes.size() / 2)), "malformed-xml");
  EXPECT_EQ(code_of(""), "malformed-xml");
}

TEST(Malformed, OversizeInputIsRefusedBeforeParsing) {
  ParseLimits limits;
  limits.max_bytes = 100;
  EXPECT_EQ(code_of(test::read_generated("status_finish_06.edxml"), limits), "too-large");
}

TEST(Malformed, WrongRootOrNamespaceIsNotEdxml) {
  EXPECT_EQ(code_of("<html/>"), "not-edxml");
  EXPECT_EQ(code_of("<edXML/>"), "not-edxml");
  EXPECT_EQ(code_of("<edXML xmlns=\"urn:other\"/>"), "not-edxml");
  EXPECT_EQ(code_of("<DeliveryReceipt xmlns=\"urn:docaxis:receipt:1\"/>"), "not-edxml");
}

TEST(Malformed, MissingEnvelopeHeaderOrMessageHeaderIsAHardFailure) {
  const std::string root = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">";
  Result<Package> p = read_package_bytes(root + "</edXML>");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "missing-element");
  EXPECT_NE(p.status().message().find("/edXML/edXMLEnvelope"), std::string::npos);
  p = read_package_bytes(root + "<edXMLEnvelope/></edXML>");
  EXPECT_NE(p.status().message().find("/edXMLHeader is missing"), std::string::npos);
  p = read_package_bytes(root + "<edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>");
  EXPECT_NE(p.status().message().find("/MessageHeader is missing"), std::string::npos);
}

TEST(Malformed, EmptyXmlDocIsNotEdxmlRatherThanACrash) {
  EXPECT_EQ(read_package(XmlDoc{}).status().code(), "not-edxml");
  EXPECT_EQ(read_receipt(XmlDoc{}).status().code(), "not-receipt");
}

TEST(Malformed, RandomMutationsOfEveryGeneratedPackageNeverCrash) {
  std::mt19937 rng(20240601);
  int parsed = 0;
  for (const std::string& name : test::generated_names()) {
    parsed += test::read_mutations(test::read_generated(name), rng, 150);
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace docaxis::edxml
