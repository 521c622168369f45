// The reader on the generated packages (tests/support/packages.hpp), with concrete field
// assertions: every value below is written out here, not taken from the generator, so a reader
// that drops, truncates or mis-decodes a field fails. The real samples: interop_reader_test.cpp.
#include "edxml/reader.hpp"

#include <gtest/gtest.h>

#include "edxml/writer.hpp"
#include "packages.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

using test::dump;
using test::findings_with;

constexpr const char* kMsg = "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader";

Package read_generated(const std::string& name) {
  Result<Package> p = read_package_bytes(test::read_generated(name));
  EXPECT_TRUE(p.ok()) << name << ": " << p.status().to_string();
  return p.ok() ? std::move(p).value() : Package{};
}

TEST(ReaderGenerated, EveryPackageIsReadAsTheKindItsNameSaysWithoutAnyFinding) {
  const auto names = test::generated_names();
  ASSERT_EQ(names.size(), 13u);
  for (const std::string& name : names) {
    const Package p = read_generated(name);
    const bool status = name.rfind("status_", 0) == 0;
    EXPECT_EQ(p.kind, status ? PackageKind::status : PackageKind::document) << name;
    EXPECT_TRUE(p.header.from.parsed_organ_id.has_value()) << name;
    EXPECT_TRUE(p.findings.empty()) << name << "\n" << dump(p.findings);
    EXPECT_FALSE(p.signature.present()) << name;
  }
}

TEST(ReaderGenerated, EdocNewFieldsAreAllModelled) {
  const Package p = read_generated("edoc_new.edxml");
  const MessageHeader& h = p.header;
  EXPECT_EQ(h.from.organ_id, "000.00.13.H30");
  ASSERT_TRUE(h.from.parsed_organ_id);
  EXPECT_EQ(h.from.parsed_organ_id->level(), 2);
  EXPECT_EQ(h.from.organ_name, "Sở Thông tin và Truyền thông tỉnh Hòa Bình");
  EXPECT_EQ(h.from.organization_in_charge, "Ủy ban nhân dân tỉnh Hòa Bình");
  EXPECT_EQ(h.from.email, "stttt@hoabinh.gov.vn");
  ASSERT_EQ(h.to.size(), 1u);
  EXPECT_EQ(h.to[0].organ_id, "000.00.01.G12");
  EXPECT_EQ(h.to[0].organ_name, "Bộ Tài chính");
  EXPECT_EQ(h.document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
  EXPECT_EQ(h.code.code_number, "74");
  EXPECT_EQ(h.code.code_notation, "STTTT-VP");
  EXPECT_EQ(h.promulgation_info.place, "Hòa Bình");
  EXPECT_EQ(h.promulgation_info.promulgation_date, "2024/03/15");
  EXPECT_EQ(h.document_type.type, "1");
  EXPECT_EQ(h.document_type.type_name, "Công văn");
  EXPECT_EQ(h.subject,
            "Công văn về việc kết nối, liên thông phần mềm quản lý văn bản với Trục liên thông "
            "văn bản quốc gia");
  EXPECT_EQ(h.signer_info.competence, "KT. GIÁM ĐỐC");
  EXPECT_EQ(h.signer_info.full_name, "Nguyễn Văn Hùng");
  EXPECT_EQ(h.due_date, "2024/03/29");
  EXPECT_EQ(h.other_info.parsed_priority, 0);
  EXPECT_EQ(h.other_info.direction, "false");
  EXPECT_EQ(h.other_info.appendixes,
            (std::vector<std::string>{"Phụ lục I: Danh sách đầu mối kỹ thuật"}));
  EXPECT_EQ(h.steering_type, "1");
  EXPECT_EQ(h.to_places, (std::vector<std::string>{"Bộ Tài chính", "Lưu: VT, CNTT"}));
  EXPECT_TRUE(h.response_for.empty());
  ASSERT_EQ(p.trace.trace_headers.size(), 1u);
  EXPECT_EQ(p.trace.trace_headers[0].organ_id, "000.00.13.H30");
  EXPECT_EQ(p.trace.trace_headers[0].timestamp, "2024/03/15 09:30:00");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::new_document);
  EXPECT_EQ(p.trace.bussiness.document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
  ASSERT_EQ(p.trace.bussiness.staff.size(), 1u);
  EXPECT_EQ(p.trace.bussiness.staff[0].staff, "Trần Thị Mai");
  EXPECT_EQ(p.trace.bussiness.staff[0].mobile, "0912 345 678");
}

TEST(ReaderGenerated, EdocNewCarriesAPdfAndADocxMatchingItsManifest) {
  const Package p = read_generated("edoc_new.edxml");
  EXPECT_EQ(p.manifest.version, "1.0");
  ASSERT_EQ(p.manifest.references.size(), 2u);
  EXPECT_EQ(p.manifest.references[0].content_id, "cid:1");
  EXPECT_EQ(p.manifest.references[0].attachment_name, "74-STTTT-VP.pdf");
  EXPECT_EQ(p.manifest.references[1].content_id, "cid:2");
  ASSERT_EQ(p.attachments.size(), 2u);
  EXPECT_EQ(p.attachments[0].content_id, "cid:1");
  EXPECT_EQ(p.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(p.attachments[1].content_type,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(p.attachments[1].attachment_name, "74-STTTT-VP-phu-luc.docx");
  // base64 of "%PDF-1.4\n" and of a ZIP local file header ("PK\3\4", version 2.0), as they travel.
  EXPECT_EQ(p.attachments[0].content_transfer_encoded.rfind("JVBERi0xLjQK", 0), 0u);
  EXPECT_EQ(p.attachments[1].content_transfer_encoded.rfind("UEsDBBQA", 0), 0u);
  EXPECT_EQ(p.attachments[0].content_transfer_encoded, fixtures::base64(fixtures::pdf_blob()));
  EXPECT_GT(p.attachments[0].content_transfer_encoded.size(), 1000u);
  EXPECT_TRUE(findings_with(p, "manifest-mismatch").empty());
}

TEST(ReaderGenerated, AMalformedRecipientIsKeptAndPointedAt) {
  Package model = read_generated("edoc_new.edxml");
  model.header.to[0].organ_id = "28.22.H17";
  const Result<Package> p = read_package_bytes(write_package(model));
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->header.to.size(), 1u);
  EXPECT_EQ(p->header.to[0].organ_id, "28.22.H17");
  EXPECT_FALSE(p->header.to[0].parsed_organ_id);
  const auto bad = findings_with(*p, "invalid-organ-id");
  ASSERT_EQ(bad.size(), 1u) << dump(p->findings);
  EXPECT_EQ(bad[0].severity, Finding::Severity::error);
  EXPECT_EQ(bad[0].path, std::string(kMsg) + "/To[1]/OrganId");
  EXPECT_NE(bad[0].message.find("has 3 groups"), std::string::npos);
  EXPECT_EQ(p->first_error().code(), "invalid-organ-id");
}

TEST(ReaderGenerated, UpdateCarriesThreeRecipientsAndTheReceiverList) {
  const Package p = read_generated("edoc_update.edxml");
  EXPECT_EQ(p.header.from.organ_id, "000.00.00.G22");
  EXPECT_EQ(p.header.from.organ_name, "Văn phòng Chính phủ");
  ASSERT_EQ(p.header.to.size(), 3u);
  EXPECT_EQ(p.header.to[2].organ_id, "000.00.31.H30");
  EXPECT_EQ(p.header.to[2].organ_name, "Ủy ban nhân dân huyện Lạc Sơn");
  EXPECT_EQ(p.header.promulgation_info.place, "Hà Nội");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::update);
  EXPECT_EQ(p.trace.bussiness.reason, "Bổ sung nơi nhận");
  const BussinessDocumentInfo& info = p.trace.bussiness.document_info;
  EXPECT_EQ(info.document_info, "1");
  ASSERT_EQ(info.receivers.size(), 2u);
  EXPECT_EQ(info.receivers[1].organ_id, "000.00.31.H30");
  EXPECT_EQ(info.receivers[1].receiver_type, "1");
}

TEST(ReaderGenerated, ReplacementCarriesTheReplacementInfoList) {
  const Package p = read_generated("edoc_replacement.edxml");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::replace);
  ASSERT_EQ(p.trace.bussiness.replacements.size(), 2u);
  EXPECT_EQ(p.trace.bussiness.replacements[0].document_id,
            "000.00.01.G12,2024/03/28,1980/BTC-NSNN");
  EXPECT_EQ(p.trace.bussiness.replacements[1].organ_ids,
            (std::vector<std::string>{"000.00.13.H30", "000.00.00.G22"}));
}

TEST(ReaderGenerated, RevocationAnswersTheRevokedDocument) {
  const Package p = read_generated("edoc_revocation.edxml");
  EXPECT_EQ(p.trace.bussiness.parsed_doc_type, BussinessDocType::revoke);
  EXPECT_EQ(p.trace.bussiness.reason, "Thu hồi do sai sót về số liệu");
  ASSERT_EQ(p.header.response_for.size(), 1u);
  EXPECT_EQ(p.header.response_for[0].organ_id, "000.00.13.H30");
  EXPECT_TRUE(p.header.response_for[0].parsed_organ_id);
  EXPECT_EQ(p.header.response_for[0].code, "74/STTTT-VP");
  EXPECT_EQ(p.header.response_for[0].promulgation_date, "2024/03/15");
  EXPECT_EQ(p.header.response_for[0].document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
}

struct StatusCase {
  const char* file;
  const char* code;
  StatusCode status;
};

TEST(ReaderGenerated, EveryStatusPackageCarriesItsCodeAndAnswersEdocNew) {
  const StatusCase cases[] = {
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
    const Package p = read_generated(c.file);
    EXPECT_EQ(p.kind, PackageKind::status) << c.file;
    EXPECT_EQ(p.header.status_code, c.code) << c.file;
    EXPECT_EQ(p.header.status, c.status) << c.file;
    ASSERT_EQ(p.header.response_for.size(), 1u) << c.file;
    EXPECT_EQ(p.header.response_for[0].document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP")
        << c.file;
    EXPECT_FALSE(p.header.timestamp.empty()) << c.file;
    EXPECT_FALSE(p.header.description.empty()) << c.file;
    EXPECT_TRUE(p.manifest.references.empty() && p.attachments.empty()) << c.file;
  }
}

TEST(ReaderGenerated, StatusesGoFromTheMinistryBackToTheSender) {
  const Package p = read_generated("status_finish_06.edxml");
  EXPECT_EQ(p.header.from.organ_id, "000.00.01.G12");
  EXPECT_EQ(p.header.response_for[0].organ_id, "000.00.13.H30");
  EXPECT_EQ(p.header.staff_info.staff, "Lê Thị Thu Hà");
  EXPECT_EQ(p.header.description, "Hoàn thành: đã xử lý xong văn bản");
  EXPECT_EQ(p.header.timestamp, "2024/03/22 16:30:00");
}

TEST(ReaderGenerated, RecallRequestGoesFromTheOriginalSenderToTheReceiver) {
  const Package p = read_generated("status_cancellation_13.edxml");
  EXPECT_EQ(p.header.from.organ_id, "000.00.13.H30");
  EXPECT_EQ(p.header.response_for[0].organ_id, "000.00.01.G12");
  EXPECT_EQ(p.header.staff_info.department, "Văn phòng");
  EXPECT_EQ(p.header.description, "Văn thư yêu cầu lấy lại văn bản điện tử do sai sót về số liệu");
}

TEST(ReaderGenerated, AnUnknownNameGivesNoPackage) {
  EXPECT_TRUE(fixtures::standard_package("received_from_vxp_2019_sdk_sample.edxml").empty());
}

}  // namespace
}  // namespace docaxis::edxml
