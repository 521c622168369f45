#include "edxml/writer.hpp"

#include <gtest/gtest.h>

#include "edxml/reader.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

Package read_ok(std::string_view bytes) {
  Result<Package> p = read_package_bytes(bytes);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return p.ok() ? std::move(p).value() : Package{};
}

// The same two guarantees on the real samples: interop_samples_test.cpp.
TEST(Writer, EveryGeneratedPackageRoundTripsFieldByField) {
  for (const std::string& name : test::generated_names()) {
    const Package original = read_ok(test::read_generated(name));
    const std::string written = write_package(original);
    const Package again = read_ok(written);
    EXPECT_TRUE(again.same_content(original)) << name << "\n" << written;
    EXPECT_EQ(again.header, original.header) << name;
    EXPECT_EQ(again.trace, original.trace) << name;
    EXPECT_EQ(again.attachments, original.attachments) << name;
  }
}

TEST(Writer, WriteReadWriteIsByteStable) {
  for (const std::string& name : test::generated_names()) {
    const std::string once = write_package(read_ok(test::read_generated(name)));
    EXPECT_EQ(write_package(read_ok(once)), once) << name;
  }
}

TEST(Writer, OutputHasNoFindingsOtherThanThoseOfInvalidValues) {
  // Canonical order, namespaces, no foreign signature: a clean package writes clean.
  const Package p = read_ok(write_package(read_ok(test::read_generated("edoc_update.edxml"))));
  EXPECT_TRUE(p.findings.empty()) << test::dump(p.findings);
  EXPECT_FALSE(p.signature.present());
}

TEST(Writer, UsesTheSdkNamespaceLayout) {
  const std::string out = write_package(read_ok(test::read_generated("edoc_new.edxml")));
  EXPECT_EQ(
      out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">\n"
                "  <edXML:edXMLEnvelope xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">\n"
                "    <edXML:edXMLHeader>\n",
                0),
      0u);
  EXPECT_NE(
      out.find("  <AttachmentEncoded>\n    <Attachment>\n      <ContentId>cid:1</ContentId>"),
      std::string::npos);
  EXPECT_NE(out.find("<edXML:ContentTransferEncoded xmlns:edXML="), std::string::npos);
  EXPECT_EQ(out.find("Signature"), std::string::npos);
  // TraceHeaderList is the last child of edXMLHeader, where hub/dsig appends the Signature.
  EXPECT_NE(out.find("</edXML:TraceHeaderList>\n    </edXML:edXMLHeader>"), std::string::npos);
}

TEST(Writer, EscapesMarkupAndKeepsCarriageReturns) {
  Package p = read_ok(test::wrap_package(test::kDocumentHeader));
  p.header.subject = "a < b && c > \"d\" ]]> e\r\nf";
  const std::string out = write_package(p);
  EXPECT_NE(out.find("a &lt; b &amp;&amp; c &gt; \"d\" ]]&gt; e&#13;\nf"), std::string::npos);
  EXPECT_EQ(read_ok(out).header.subject, p.header.subject);
}

TEST(Writer, CharactersXmlCannotCarryBecomeReplacementCharacters) {
  Package p = read_ok(test::wrap_package(test::kDocumentHeader));
  p.header.subject = std::string("x\x01y\xff", 4) + "z";
  const std::string out = write_package(p);
  const Package again = read_ok(out);
  EXPECT_EQ(again.header.subject, "x\xEF\xBF\xBDy\xEF\xBF\xBDz");
  EXPECT_EQ(write_package(again), out);
}

TEST(Writer, OmitsEmptyOptionalElementsButKeepsRepeatedEntries) {
  Package p = read_ok(test::wrap_package(test::kDocumentHeader));
  p.header.to_places = {"", "Các bộ"};
  p.header.response_for.emplace_back();
  const std::string out = write_package(p);
  EXPECT_EQ(out.find("OtherInfo"), std::string::npos);
  EXPECT_EQ(out.find("<edXML:Content>"), std::string::npos);
  EXPECT_EQ(out.find("edXMLBody"), std::string::npos);
  EXPECT_NE(out.find("<edXML:Place/>\n"), std::string::npos);
  EXPECT_NE(out.find("<edXML:ResponseFor/>\n"), std::string::npos);
  EXPECT_TRUE(read_ok(out).same_content(p));
}

TEST(Writer, StatusPackagesHaveNoBodyOrAttachments) {
  Package p = read_ok(test::read_generated("status_finish_06.edxml"));
  p.attachments.push_back({"cid:1", "a", "", "x", "QQ=="});
  p.manifest.version = "1.0";
  const std::string out = write_package(p);
  EXPECT_EQ(out.find("edXMLBody"), std::string::npos);
  EXPECT_EQ(out.find("AttachmentEncoded"), std::string::npos);
  EXPECT_NE(out.find("<edXML:StatusCode>06</edXML:StatusCode>"), std::string::npos);
}

}  // namespace
}  // namespace docaxis::edxml
