// Interop: the reader on every real sample in shared/edxml-samples (packages written by the
// official SDK and received from VXP instances), with concrete field assertions. Skipped, by
// name, when the samples are absent; reader_test.cpp checks the same on generated packages.
#include "edxml/reader.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

using test::dump;
using test::findings_with;

class InteropReaderSamples : public test::InteropSamples {};

constexpr const char* kMsg = "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader";
constexpr const char* kTrace = "/edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList";

Package read_sample(const std::string& name) {
  Result<Package> p = read_package_bytes(test::read_sample(name));
  EXPECT_TRUE(p.ok()) << name << ": " << p.status().to_string();
  return p.ok() ? std::move(p).value() : Package{};
}

TEST_F(InteropReaderSamples, EverySampleIsReadAsTheKindItsNameSays) {
  const auto names = test::sample_names();
  ASSERT_EQ(names.size(), 16u);
  for (const std::string& name : names) {
    const Package p = read_sample(name);
    const bool status = name.rfind("status_", 0) == 0;
    EXPECT_EQ(p.kind, status ? PackageKind::status : PackageKind::document) << name;
    EXPECT_TRUE(p.header.from.parsed_organ_id.has_value() ||
                !findings_with(p, "invalid-organ-id", std::string(kMsg) + "/From/OrganId").empty())
        << name;
  }
}

TEST_F(InteropReaderSamples, EdocNewKeepsTheMalformedRecipientAndPointsAtIt) {
  const Package p = read_sample("edoc_new.edxml");
  EXPECT_EQ(p.header.from.organ_id, "002.00.20.H13");
  ASSERT_TRUE(p.header.from.parsed_organ_id);
  EXPECT_EQ(p.header.from.parsed_organ_id->level(), 2);
  ASSERT_EQ(p.header.to.size(), 1u);
  EXPECT_EQ(p.header.to[0].organ_id, "28.22.H17");
  EXPECT_FALSE(p.header.to[0].parsed_organ_id);
  // Leading space in the sample's OrganizationInCharge is trimmed.
  EXPECT_EQ(p.header.to[0].organization_in_charge,
            "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng");
  const auto bad = findings_with(p, "invalid-organ-id");
  ASSERT_EQ(bad.size(), 1u) << dump(p.findings);
  EXPECT_EQ(bad[0].severity, Finding::Severity::error);
  EXPECT_EQ(bad[0].path, std::string(kMsg) + "/To[1]/OrganId");
  EXPECT_EQ(bad[0].line, 18);
  EXPECT_NE(bad[0].message.find("has 3 groups"), std::string::npos);
  EXPECT_TRUE(p.has_errors());
  EXPECT_EQ(p.first_error().code(), "invalid-organ-id");
}

TEST_F(InteropReaderSamples, EdocNewFieldsAreAllModelled) {
  const Package p = read_sample("edoc_new.edxml");
  const MessageHeader& h = p.header;
  EXPECT_EQ(h.document_id, "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
  EXPECT_EQ(h.code.code_number, "74fass22");
  EXPECT_EQ(h.code.code_notation, "VPCP-TTĐT");
  EXPECT_EQ(h.promulgation_info.place, "Hà Nội");
  EXPECT_EQ(h.promulgation_info.promulgation_date, "2019/01/16");
  EXPECT_EQ(h.document_type.type, "1");
  EXPECT_EQ(h.document_type.type_detail, "0");
  EXPECT_EQ(h.document_type.type_name, "Công văn");
  EXPECT_EQ(h.subject, "V/v kết nối, liên thông phần mềm quản lý văn bản");
  EXPECT_EQ(h.signer_info.full_name, "Nguyen Thanh Phuc");
  EXPECT_EQ(h.due_date, "2018/09/28");
  EXPECT_EQ(h.other_info.parsed_priority, 0);
  EXPECT_EQ(h.other_info.direction, "false");
  ASSERT_EQ(h.other_info.appendixes.size(), 1u);
  EXPECT_EQ(h.steering_type, "1");
  EXPECT_EQ(h.to_places.size(), 2u);
  EXPECT_TRUE(h.response_for.empty());
  ASSERT_EQ(p.trace.trace_headers.size(), 1u);
  EXPECT_EQ(p.trace.trace_headers[0].timestamp, "2018/09/28 00:00:00");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::new_document);
  EXPECT_EQ(p.trace.bussiness.document_id, "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT");
  ASSERT_EQ(p.trace.bussiness.staff.size(), 1u);
  EXPECT_EQ(p.trace.bussiness.staff[0].mobile, "84912000001");
  EXPECT_EQ(p.manifest.version, "1.0");
  ASSERT_EQ(p.manifest.references.size(), 1u);
  EXPECT_EQ(p.manifest.references[0].content_id, "cid:209");
  ASSERT_EQ(p.attachments.size(), 1u);
  EXPECT_EQ(p.attachments[0].content_type, "application/zip");
  EXPECT_EQ(p.attachments[0].content_transfer_encoded.rfind("REMOVED-BASE64-PAYLOAD:361100", 0),
            0u);
  EXPECT_TRUE(findings_with(p, "manifest-mismatch").empty());
}

TEST_F(InteropReaderSamples, SdkSignatureWithoutXmlDsigNamespaceIsAForeignSignatureNote) {
  const Package p = read_sample("edoc_new.edxml");
  EXPECT_EQ(p.signature.count, 1u);
  EXPECT_EQ(p.signature.namespace_uri, std::string(kEdxmlNamespace));
  EXPECT_FALSE(p.signature.xmldsig);
  EXPECT_TRUE(p.signature.last_child);
  const auto notes = findings_with(p, "foreign-signature");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].severity, Finding::Severity::note);
  EXPECT_EQ(notes[0].path, "/edXML/edXMLEnvelope/edXMLHeader/Signature");
  EXPECT_EQ(notes[0].line, 84);
}

TEST_F(InteropReaderSamples, UpdateCarriesThreeRecipientsAndTheReceiverList) {
  const Package p = read_sample("edoc_update.edxml");
  ASSERT_EQ(p.header.to.size(), 3u);
  EXPECT_EQ(p.header.to[2].organ_id, "000.00.00.G17");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::update);
  const BussinessDocumentInfo& info = p.trace.bussiness.document_info;
  EXPECT_EQ(info.document_info, "1");
  ASSERT_EQ(info.receivers.size(), 2u);
  EXPECT_EQ(info.receivers[1].organ_id, "000.00.00.H14");
  EXPECT_EQ(info.receivers[1].receiver_type, "1");
  EXPECT_FALSE(p.has_errors()) << dump(p.findings);
}

TEST_F(InteropReaderSamples, ReplacementCarriesTheReplacementInfoList) {
  const Package p = read_sample("edoc_replacement.edxml");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::replace);
  ASSERT_EQ(p.trace.bussiness.replacements.size(), 2u);
  EXPECT_EQ(p.trace.bussiness.replacements[0].document_id,
            "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT");
  EXPECT_EQ(p.trace.bussiness.replacements[1].organ_ids,
            (std::vector<std::string>{"000.00.00.H41", "000.00.00.H14"}));
  EXPECT_FALSE(p.has_errors()) << dump(p.findings);
}

TEST_F(InteropReaderSamples, RevocationAnswersTheRevokedDocumentAndNotesTheChildOrder) {
  const Package p = read_sample("edoc_revocation.edxml");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::revoke);
  ASSERT_EQ(p.header.response_for.size(), 1u);
  EXPECT_EQ(p.header.response_for[0].organ_id, "000.00.00.H14");
  EXPECT_EQ(p.header.response_for[0].code, "267/VPCP-TTĐT");
  EXPECT_EQ(p.header.response_for[0].promulgation_date, "2018/09/28");
  const auto order = findings_with(p, "element-order");
  ASSERT_EQ(order.size(), 1u) << dump(p.findings);
  EXPECT_EQ(order[0].path, std::string(kMsg) + "/ResponseFor[1]/PromulgationDate");
  EXPECT_FALSE(p.has_errors()) << dump(p.findings);
}

TEST_F(InteropReaderSamples, Vxp2019SampleHasTheSdkSignatureAndTolerableTraceIds) {
  const Package p = read_sample("received_from_vxp_2019_sdk_sample.edxml");
  EXPECT_EQ(p.signature.count, 1u);
  EXPECT_FALSE(p.signature.xmldsig);
  EXPECT_EQ(p.signature.line, 73);
  EXPECT_EQ(p.header.document_id, "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb");
  EXPECT_EQ(p.header.from.organ_id, p.header.to.at(0).organ_id);
  // The SDK's empty <ResponseFor/> is kept as an empty entry, with a note.
  ASSERT_EQ(p.header.response_for.size(), 1u);
  EXPECT_EQ(p.header.response_for[0], ResponseFor{});
  EXPECT_EQ(findings_with(p, "empty-element", std::string(kMsg) + "/ResponseFor[1]").size(), 1u);
  ASSERT_EQ(p.trace.trace_headers.size(), 2u);
  EXPECT_EQ(p.trace.trace_headers[0].organ_id, "01.02.G22");
  EXPECT_EQ(p.trace.trace_headers[1].organ_id, "001.00.20.TT2");
  const auto ids = findings_with(p, "invalid-organ-id");
  ASSERT_EQ(ids.size(), 2u) << dump(p.findings);
  EXPECT_EQ(ids[0].path, std::string(kTrace) + "/TraceHeader[1]/OrganId");
  EXPECT_EQ(ids[0].severity, Finding::Severity::note);
  EXPECT_EQ(p.attachments.at(0).content_transfer_encoded.substr(0, 12), "UEsDBBQACAgI");
  EXPECT_FALSE(p.has_errors()) << dump(p.findings);
}

TEST_F(InteropReaderSamples, Vxp2025UnsignedSampleHasTwoTraceHeadersAndABadSender) {
  const Package p = read_sample("received_from_vxp_2025_unsigned.edxml");
  EXPECT_FALSE(p.signature.present());
  EXPECT_TRUE(findings_with(p, "foreign-signature").empty());
  ASSERT_EQ(p.trace.trace_headers.size(), 2u);
  EXPECT_EQ(p.trace.trace_headers[0].organ_id, "null");
  EXPECT_EQ(p.trace.trace_headers[0].timestamp, "2025/10/23 16:28:42");
  EXPECT_EQ(p.trace.trace_headers[1].organ_id, "");
  EXPECT_EQ(p.trace.trace_headers[1].timestamp, "2025/10/23 16:28:43");
  EXPECT_EQ(
      findings_with(p, "missing-element", std::string(kTrace) + "/TraceHeader[2]/OrganId").size(),
      1u);
  EXPECT_EQ(p.header.from.organ_id, "vxp.saas.03");
  EXPECT_EQ(p.header.signer_info.full_name, "Gateway Auto");
  EXPECT_EQ(p.header.signer_info.position, "");
  EXPECT_EQ(findings_with(p, "missing-element", std::string(kMsg) + "/From/OrganName").size(), 1u);
  EXPECT_EQ(p.first_error().code(), "invalid-organ-id");
  EXPECT_NE(p.first_error().message().find("/From/OrganId (line 7)"), std::string::npos);
}

struct StatusCase {
  const char* file;
  const char* code;
  StatusCode status;
};

TEST_F(InteropReaderSamples, EveryStatusSampleCarriesItsCode) {
  const StatusCase cases[] = {
      {"status_01_sdk_builder_output.edxml", "01", StatusCode::arrived},
      {"status_inbox_01.edxml", "01", StatusCode::arrived},
      {"status_rejection_02.edxml", "02", StatusCode::refused},
      {"status_acceptance_03.edxml", "03", StatusCode::accepted},
      {"status_assignment_04.edxml", "04", StatusCode::assigned},
      {"status_processing_05.edxml", "05", StatusCode::processing},
      {"status_finish_06.edxml", "06", StatusCode::finished},
      {"status_cancellation_13.edxml", "13", StatusCode::recall_request},
      {"status_change-acceptance_15.edxml", "15", StatusCode::recall_agreed},
      {"status_change-rejection_16.edxml", "16", StatusCode::recall_refused},
  };
  for (const StatusCase& c : cases) {
    const Package p = read_sample(c.file);
    EXPECT_EQ(p.kind, PackageKind::status) << c.file;
    EXPECT_EQ(p.header.status_code, c.code) << c.file;
    EXPECT_EQ(p.header.status, c.status) << c.file;
    ASSERT_EQ(p.header.response_for.size(), 1u) << c.file;
    EXPECT_TRUE(p.header.response_for[0].parsed_organ_id) << c.file;
    EXPECT_FALSE(p.header.timestamp.empty()) << c.file;
    EXPECT_FALSE(p.has_errors()) << c.file << "\n" << dump(p.findings);
    EXPECT_TRUE(p.manifest.references.empty() && p.attachments.empty());
  }
}

TEST_F(InteropReaderSamples, RecallRequestGoesFromTheOriginalSenderToTheReceiver) {
  const Package p = read_sample("status_cancellation_13.edxml");
  EXPECT_EQ(p.header.from.organ_id, "000.00.00.G22");
  EXPECT_EQ(p.header.response_for[0].organ_id, "000.00.00.H41");
  EXPECT_EQ(p.header.staff_info.department, "Phong hanh chinh");
  EXPECT_EQ(p.header.description, "Văn thư yêu cầu lấy lại văn bản điện tử kèm lý do");
}

TEST_F(InteropReaderSamples, StatusSamplesWithSwappedChildrenGetOneOrderNotePerParent) {
  const Package p = read_sample("status_rejection_02.edxml");
  EXPECT_EQ(p.header.from.organ_name, "UBND Tỉnh Nghệ An");
  EXPECT_EQ(p.header.staff_info.email, "ngoctram@nghean.vn");
  const auto order = findings_with(p, "element-order");
  ASSERT_EQ(order.size(), 2u) << dump(p.findings);
  EXPECT_EQ(order[0].path, std::string(kMsg) + "/From/OrganizationInCharge");
  EXPECT_EQ(order[0].line, 9);
  EXPECT_EQ(order[1].path, std::string(kMsg) + "/StaffInfo/Email");
}

}  // namespace
}  // namespace docaxis::edxml
