// The reader's findings and hard failures on small synthetic packages.
#include <gtest/gtest.h>

#include <set>

#include "edxml/reader.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

using test::dump;
using test::findings_with;
using test::kDocumentHeader;
using test::kStatusHeader;
using test::wrap_package;

constexpr const char* kMsg = "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader";

Package read_ok(const std::string& xml, const ReadOptions& options = {}) {
  Result<Package> p = read_package_bytes(xml, {}, options);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return p.ok() ? std::move(p).value() : Package{};
}

Finding only(const Package& p, const std::string& code) {
  const auto f = findings_with(p, code);
  EXPECT_EQ(f.size(), 1u) << dump(p.findings);
  return f.empty() ? Finding{} : f[0];
}

TEST(ReaderFindings, MinimalDocumentHasNoFindings) {
  const Package p = read_ok(wrap_package(kDocumentHeader));
  EXPECT_TRUE(p.findings.empty()) << dump(p.findings);
  EXPECT_EQ(p.header.subject, "V/v thử");
}

TEST(ReaderFindings, TwoRecipientsWithTheSameOrganIdAreAnError) {
  const std::string to =
      "<e:To><e:OrganId>000.00.00.H53</e:OrganId><e:OrganName>x</e:OrganName></e:To>";
  const Package p = read_ok(wrap_package(std::string(kDocumentHeader) + to));
  const Finding f = only(p, "duplicate-recipient");
  EXPECT_EQ(f.severity, Finding::Severity::error);
  EXPECT_EQ(f.path, std::string(kMsg) + "/To[2]/OrganId");
  EXPECT_EQ(p.header.to.size(), 2u);
}

TEST(ReaderFindings, SecondSubjectIsADuplicateAndIgnored) {
  const Package p =
      read_ok(wrap_package(std::string(kDocumentHeader) + "<e:Subject>other</e:Subject>"));
  const Finding f = only(p, "duplicate-element");
  EXPECT_EQ(f.path, std::string(kMsg) + "/Subject[2]");
  EXPECT_EQ(f.severity, Finding::Severity::error);
  EXPECT_EQ(p.header.subject, "V/v thử");
}

TEST(ReaderFindings, MissingRequiredDocumentElementsAreErrors) {
  const Package p = read_ok(wrap_package(
      "<e:To><e:OrganId>000.00.00.H53</e:OrganId><e:OrganName>x</e:OrganName></e:To>"));
  std::set<std::string> paths;
  for (const Finding& f : findings_with(p, "missing-element")) {
    if (f.severity == Finding::Severity::error) paths.insert(f.path);
  }
  EXPECT_EQ(paths,
            (std::set<std::string>{std::string(kMsg) + "/From", std::string(kMsg) + "/DocumentId",
                                   std::string(kMsg) + "/Subject"}));
}

TEST(ReaderFindings, MissingRequiredStatusElementsAreErrors) {
  const Package p =
      read_ok(wrap_package("<e:StaffInfo><e:Staff>a</e:Staff></e:StaffInfo>"
                           "<e:Timestamp>2015/09/20 11:08:36</e:Timestamp>"));
  EXPECT_EQ(p.kind, PackageKind::status);
  std::set<std::string> paths;
  for (const Finding& f : findings_with(p, "missing-element")) paths.insert(f.path);
  EXPECT_EQ(paths,
            (std::set<std::string>{std::string(kMsg) + "/From", std::string(kMsg) + "/ResponseFor",
                                   std::string(kMsg) + "/StatusCode"}));
}

TEST(ReaderFindings, OutOfRangeValuesAreInvalidValueErrors) {
  const Package p = read_ok(wrap_package(
      std::string(kDocumentHeader) +
          "<e:DocumentType><e:Type>3</e:Type><e:TypeName>x</e:TypeName></e:DocumentType>"
          "<e:DueDate>2019/02/30</e:DueDate>"
          "<e:OtherInfo><e:Priority>5</e:Priority></e:OtherInfo>"
          "<e:SteeringType>-1</e:SteeringType>",
      "<e:TraceHeaderList><e:TraceHeader><e:OrganId>000.00.00.G22</e:OrganId>"
      "<e:Timestamp>2018/09/28 24:00:00</e:Timestamp></e:TraceHeader>"
      "<e:Bussiness><e:BussinessDocType>7</e:BussinessDocType></e:Bussiness>"
      "</e:TraceHeaderList>"));
  std::set<std::string> paths;
  for (const Finding& f : findings_with(p, "invalid-value")) {
    EXPECT_EQ(f.severity, Finding::Severity::error);
    paths.insert(f.path.substr(f.path.rfind('/') + 1));
  }
  EXPECT_EQ(paths, (std::set<std::string>{"Type", "DueDate", "Priority", "SteeringType",
                                          "Timestamp", "BussinessDocType"}))
      << dump(p.findings);
  EXPECT_FALSE(p.header.other_info.parsed_priority);
  EXPECT_FALSE(p.trace.bussiness.parsed_doc_type);
  EXPECT_EQ(p.trace.bussiness.doc_type, "7");
}

TEST(ReaderFindings, LengthLimitsCountCharactersNotBytes) {
  std::string at_limit, over;
  for (int i = 0; i < 500; ++i) at_limit += "ấ";  // 3 bytes each
  over = at_limit + "a";
  Package p = read_ok(
      wrap_package(std::string(kDocumentHeader) + "<e:Content>" + at_limit + "</e:Content>"));
  EXPECT_TRUE(findings_with(p, "invalid-value").empty()) << dump(p.findings);
  p = read_ok(wrap_package(std::string(kDocumentHeader) + "<e:Content>" + over + "</e:Content>" +
                           "<e:Code><e:CodeNumber>123456789012</e:CodeNumber></e:Code>"));
  const auto f = findings_with(p, "invalid-value");
  ASSERT_EQ(f.size(), 2u) << dump(p.findings);
  EXPECT_NE(f[0].message.find("501 characters, the limit is 500"), std::string::npos);
}

TEST(ReaderFindings, FuturePromulgationDateIsAnErrorOnlyWhenTodayIsGiven) {
  const std::string xml =
      wrap_package(std::string(kDocumentHeader) +
                   "<e:PromulgationInfo><e:Place>HN</e:Place><e:PromulgationDate>2030/01/02"
                   "</e:PromulgationDate></e:PromulgationInfo>");
  EXPECT_TRUE(findings_with(read_ok(xml), "invalid-value").empty());
  ReadOptions options;
  options.today = std::chrono::sys_days(std::chrono::year{2030} / 1 / 1);
  EXPECT_NE(only(read_ok(xml, options), "invalid-value").message.find("in the future"),
            std::string::npos);
  options.today = std::chrono::sys_days(std::chrono::year{2030} / 1 / 2);
  EXPECT_TRUE(findings_with(read_ok(xml, options), "invalid-value").empty());
}

TEST(ReaderFindings, StatusCodeMustBeTwoDigitsAndUnknownCodesAreNotes) {
  std::string xml = wrap_package(
      std::string(kStatusHeader).replace(std::string(kStatusHeader).find("03"), 2, "3"));
  Package p = read_ok(xml);
  EXPECT_EQ(only(p, "invalid-value").severity, Finding::Severity::error);
  xml = wrap_package(
      std::string(kStatusHeader).replace(std::string(kStatusHeader).find("03"), 2, "99"));
  p = read_ok(xml);
  EXPECT_EQ(only(p, "unknown-status-code").severity, Finding::Severity::note);
  EXPECT_EQ(p.header.status_code, "99");
  EXPECT_FALSE(p.header.status);
  EXPECT_FALSE(p.has_errors());
}

TEST(ReaderFindings, StatusResponseForWithBadOrganIdIsAnError) {
  Package p = read_ok(wrap_package(
      "<e:From><e:OrganId>000.00.00.H53</e:OrganId><e:OrganName>x</e:OrganName></e:From>"
      "<e:ResponseFor><e:OrganId>G22</e:OrganId></e:ResponseFor><e:StatusCode>01</e:StatusCode>"));
  const Finding f = only(p, "invalid-organ-id");
  EXPECT_EQ(f.severity, Finding::Severity::error);
  EXPECT_EQ(f.path, std::string(kMsg) + "/ResponseFor/OrganId");
}

TEST(ReaderFindings, CommentsCannotTruncateAValue) {
  const Package p = read_ok(wrap_package(
      "<e:From><e:OrganId>000.00.00.G<!-- injected -->22</e:OrganId><e:OrganName>x</e:OrganName>"
      "</e:From><e:To><e:OrganId><![CDATA[000.00.00.H53]]></e:OrganId><e:OrganName>y"
      "</e:OrganName></e:To><e:DocumentId>d</e:DocumentId><e:Subject> s <?pi x?></e:Subject>"));
  EXPECT_EQ(p.header.from.organ_id, "000.00.00.G22");
  EXPECT_TRUE(p.header.from.parsed_organ_id);
  EXPECT_EQ(p.header.to[0].organ_id, "000.00.00.H53");
  EXPECT_EQ(p.header.subject, "s");
  EXPECT_TRUE(p.findings.empty()) << dump(p.findings);
}

TEST(ReaderFindings, UnknownAndForeignElementsAreNotesAndIgnored) {
  const Package p =
      read_ok(wrap_package(std::string(kDocumentHeader) +
                           "<e:Extra>1</e:Extra><x:Subject xmlns:x=\"urn:x\">no</x:Subject>"));
  const auto unknown = findings_with(p, "unknown-element");
  ASSERT_EQ(unknown.size(), 2u) << dump(p.findings);
  EXPECT_EQ(unknown[0].path, std::string(kMsg) + "/Extra");
  EXPECT_EQ(unknown[0].severity, Finding::Severity::note);
  EXPECT_EQ(p.header.subject, "V/v thử");
}

TEST(ReaderFindings, ChildWithoutNamespaceIsReadWithANote) {
  const Package p =
      read_ok(wrap_package(std::string(kDocumentHeader) + "<Content xmlns=\"\">plain</Content>"));
  EXPECT_EQ(p.header.content, "plain");
  EXPECT_EQ(only(p, "no-namespace").path, std::string(kMsg) + "/Content");
}

TEST(ReaderFindings, XmlDsigSignatureIsSummarisedWithoutNotes) {
  const Package p = read_ok(wrap_package(
      kDocumentHeader, "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>"));
  EXPECT_TRUE(p.signature.xmldsig);
  EXPECT_TRUE(p.signature.last_child);
  EXPECT_TRUE(p.findings.empty()) << dump(p.findings);
}

TEST(ReaderFindings, SignatureNotLastAndTwoSignaturesAreReported) {
  const std::string sig = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>";
  const Package p = read_ok(wrap_package(kDocumentHeader, sig + sig + "<e:TraceHeaderList/>"));
  EXPECT_EQ(p.signature.count, 2u);
  EXPECT_FALSE(p.signature.last_child);
  EXPECT_EQ(only(p, "duplicate-element").path, "/edXML/edXMLEnvelope/edXMLHeader/Signature[2]");
  EXPECT_FALSE(findings_with(p, "element-order").empty());
}

TEST(ReaderFindings, ManifestWithoutMatchingAttachmentIsANote) {
  const Package p = read_ok(
      wrap_package(kDocumentHeader, "",
                   "<e:AttachmentEncoded><e:Attachment><e:ContentId>cid:1</e:ContentId>"
                   "<e:ContentTransferEncoded>QQ==</e:ContentTransferEncoded></e:Attachment>"
                   "</e:AttachmentEncoded>"));
  const Finding f = only(p, "manifest-mismatch");
  EXPECT_EQ(f.path, "/edXML/AttachmentEncoded/Attachment[1]/ContentId");
  EXPECT_EQ(p.attachments.at(0).content_transfer_encoded, "QQ==");
}

TEST(ReaderFindings, StatusCodeTogetherWithDocumentContentIsRefused) {
  Result<Package> p = read_package_bytes(
      wrap_package(std::string(kDocumentHeader) + "<e:StatusCode>01</e:StatusCode>"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "unknown-package-kind");
}

TEST(ReaderFindings, EmptyMessageHeaderIsRefused) {
  Result<Package> p = read_package_bytes(wrap_package(""));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "unknown-package-kind");
}

}  // namespace
}  // namespace docaxis::edxml
