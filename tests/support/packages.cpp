#include "packages.hpp"

#include <cstdint>
#include <map>

#include "edxml/writer.hpp"

namespace docaxis::fixtures {
namespace {

using edxml::Attachment;
using edxml::ManifestReference;
using edxml::OrganInfo;
using edxml::Package;
using edxml::PackageKind;

struct OrganDetails {
  std::string_view name, in_charge, address, email, telephone, fax, website;
};

// The five organs of the demo federation (names as scripts/demo.sh shows them, in full).
const std::map<std::string_view, OrganDetails>& federation() {
  static const std::map<std::string_view, OrganDetails> organs{
      {kDepartment,
       {"Sở Thông tin và Truyền thông tỉnh Hòa Bình", "Ủy ban nhân dân tỉnh Hòa Bình",
        "Số 1 đường Trần Hưng Đạo, phường Phương Lâm, thành phố Hòa Bình, tỉnh Hòa Bình",
        "stttt@hoabinh.gov.vn", "0218 3852 216", "0218 3852 217", "stttt.hoabinh.gov.vn"}},
      {kDistrict,
       {"Ủy ban nhân dân huyện Lạc Sơn", "Ủy ban nhân dân tỉnh Hòa Bình",
        "Khu 1, thị trấn Vụ Bản, huyện Lạc Sơn, tỉnh Hòa Bình", "ubnd@lacson.hoabinh.gov.vn",
        "0218 3861 101", "0218 3861 102", "lacson.hoabinh.gov.vn"}},
      {kCommune,
       {"Ủy ban nhân dân xã Vũ Bình", "Ủy ban nhân dân huyện Lạc Sơn",
        "Xóm Trung Tâm, xã Vũ Bình, huyện Lạc Sơn, tỉnh Hòa Bình", "vubinh@lacson.hoabinh.gov.vn",
        "0218 3865 001", "", ""}},
      {kGovernmentOffice,
       {"Văn phòng Chính phủ", "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam",
        "Số 1 Hoàng Hoa Thám, quận Ba Đình, Hà Nội", "vpcp@chinhphu.vn", "024 3825 8241",
        "024 3823 2474", "vpcp.chinhphu.vn"}},
      {kMinistry,
       {"Bộ Tài chính", "Bộ Tài chính", "Số 28 Trần Hưng Đạo, quận Hoàn Kiếm, Hà Nội",
        "vanthu@mof.gov.vn", "024 2220 2828", "024 2220 8091", "mof.gov.vn"}},
  };
  return organs;
}

// xorshift32 with a fixed seed: the same "random" bytes on every build.
class Bytes {
 public:
  explicit Bytes(std::uint32_t seed) : s_(seed) {}
  unsigned char next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return static_cast<unsigned char>(s_ >> 24);
  }

 private:
  std::uint32_t s_;
};

std::uint32_t crc32(std::string_view data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void le16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void le32(std::string& out, std::uint32_t v) {
  le16(out, v & 0xFFFF);
  le16(out, v >> 16);
}

// A ZIP archive of stored (uncompressed) entries, dated 2024-03-15 09:30.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  constexpr std::uint32_t kTime = (9u << 11) | (30u << 5), kDate = ((2024u - 1980u) << 9) | (3u << 5) | 15u;
  std::string out, central;
  for (const auto& [name, data] : entries) {
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
    const auto name_len = static_cast<std::uint32_t>(name.size());
    le32(out, 0x04034b50u);
    for (std::uint32_t v : {20u, 0u, 0u, kTime, kDate}) le16(out, v);
    for (std::uint32_t v : {crc, size, size}) le32(out, v);
    le16(out, name_len);
    le16(out, 0);
    out += name;
    out += data;
    le32(central, 0x02014b50u);
    for (std::uint32_t v : {20u, 20u, 0u, 0u, kTime, kDate}) le16(central, v);
    for (std::uint32_t v : {crc, size, size}) le32(central, v);
    for (std::uint32_t v : {name_len, 0u, 0u, 0u, 0u}) le16(central, v);
    le32(central, 0x81A40000u);  // external attributes: a regular file, 0644
    le32(central, offset);
    central += name;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  le32(out, 0x06054b50u);
  le16(out, 0);
  le16(out, 0);
  le16(out, static_cast<std::uint32_t>(entries.size()));
  le16(out, static_cast<std::uint32_t>(entries.size()));
  le32(out, static_cast<std::uint32_t>(central.size()));
  le32(out, cd_offset);
  le16(out, 0);
  return out;
}

// The size of the PDF's pseudo-random content stream: chosen so that edoc_new signed with the
// test PKI (RSA-2048, the leaf and its CA in X509Data: +3.6 KB) stays just under 12.8 KB, the
// size of the benchmark document in BENCHMARKS.md; verify_bench and hub_bench pad it to 12,800.
constexpr std::size_t kPdfStreamBytes = 560;

const char* const kStatusDescriptions[][2] = {
    {"01", "Đã đến: văn bản điện tử đã được tiếp nhận vào hệ thống quản lý văn bản"},
    {"02", "Từ chối tiếp nhận: văn bản gửi không đúng thẩm quyền giải quyết"},
    {"03", "Văn thư cơ quan: tiếp nhận văn bản điện tử, vào sổ văn bản đến"},
    {"04", "Phân công: giao Vụ Ngân sách nhà nước chủ trì xử lý"},
    {"05", "Đang xử lý: Vụ Ngân sách nhà nước đang tổng hợp ý kiến"},
    {"06", "Hoàn thành: đã xử lý xong văn bản"},
    {"13", "Văn thư yêu cầu lấy lại văn bản điện tử do sai sót về số liệu"},
    {"15", "Đồng ý cho lấy lại văn bản điện tử"},
    {"16", "Từ chối lấy lại văn bản điện tử: văn bản đã được phân công xử lý"},
};

std::string default_description(const std::string& code) {
  for (const auto& d : kStatusDescriptions) {
    if (code == d[0]) return d[1];
  }
  return "Trạng thái " + code;
}

edxml::StaffInfo staff_of(std::string_view organ) {
  if (organ == kMinistry) {
    return {"Văn phòng Bộ", "Lê Thị Thu Hà", "halt@mof.gov.vn", "0983 456 789"};
  }
  if (organ == kGovernmentOffice) {
    return {"Phòng Hành chính", "Phạm Quốc Bảo", "baopq@chinhphu.vn", "0904 112 233"};
  }
  return {"Văn phòng", "Trần Thị Mai", "maitt@hoabinh.gov.vn", "0912 345 678"};
}

}  // namespace

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i < bytes.size()) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) v |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string pdf_blob() {
  std::string stream;
  Bytes rng(0x0D0CA715u);
  for (std::size_t i = 0; i < kPdfStreamBytes; ++i) stream.push_back(static_cast<char>(rng.next()));
  std::string pdf =
      "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"
      "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
      "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
      "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
      "4 0 obj\n<< /Length " + std::to_string(stream.size()) + " /Filter /FlateDecode >>\nstream\n";
  pdf += stream;
  pdf += "\nendstream\nendobj\n"
         "5 0 obj\n<< /Title (Cong van 74/STTTT-VP) /Producer (docaxis fixtures) >>\nendobj\n"
         "trailer\n<< /Size 6 /Root 1 0 R /Info 5 0 R >>\n%%EOF\n";
  return pdf;
}

std::string docx_blob() {
  const std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
  const std::string document =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:body>"
      "<w:p><w:r><w:t>ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>SỞ THÔNG TIN VÀ TRUYỀN THÔNG</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>Phụ lục I: Danh sách đầu mối kỹ thuật kết nối, liên thông văn bản "
      "điện tử</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>1. Ông Nguyễn Văn Hùng, Phó Giám đốc Sở, điện thoại 0218 3852 216."
      "</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>2. Bà Trần Thị Mai, Văn phòng Sở, thư điện tử maitt@hoabinh.gov.vn."
      "</w:t></w:r></w:p>"
      "</w:body></w:document>";
  return stored_zip({{"[Content_Types].xml", types}, {"word/document.xml", document}});
}

OrganInfo federation_party(const Party& party) {
  OrganInfo o;
  o.organ_id = party.organ_id;
  const auto& organs = federation();
  if (auto it = organs.find(party.organ_id); it != organs.end()) {
    const OrganDetails& d = it->second;
    o.organ_name = d.name;
    o.organization_in_charge = d.in_charge;
    o.organ_add = d.address;
    o.email = d.email;
    o.telephone = d.telephone;
    o.fax = d.fax;
    o.website = d.website;
  } else {
    o.organ_name = party.organ_id;
  }
  if (!party.name.empty()) o.organ_name = party.name;
  return o;
}

Package document(const DocumentSpec& spec) {
  Package p;
  p.kind = PackageKind::document;
  edxml::MessageHeader& h = p.header;
  h.from = federation_party(spec.from);
  for (const Party& to : spec.to) h.to.push_back(federation_party(to));
  h.code = {spec.code_number, spec.code_notation};
  h.document_id = spec.document_id.empty()
                      ? spec.from.organ_id + "," + spec.date + "," + spec.code_number + "/" +
                            spec.code_notation
                      : spec.document_id;
  h.promulgation_info = {"Hòa Bình", spec.date};
  if (spec.from.organ_id.size() > 3 && spec.from.organ_id.compare(spec.from.organ_id.size() - 3, 1, "G") == 0) {
    h.promulgation_info.place = "Hà Nội";
  }
  h.document_type = {"1", "0", "Công văn"};
  h.subject = spec.subject.empty()
                  ? "Công văn về việc kết nối, liên thông phần mềm quản lý văn bản với Trục "
                    "liên thông văn bản quốc gia"
                  : spec.subject;
  h.content = spec.content.empty()
                  ? (spec.subject.empty()
                         ? "Đề nghị phối hợp kết nối, liên thông phần mềm quản lý văn bản và "
                           "điều hành của tỉnh Hòa Bình với Trục liên thông văn bản quốc gia; "
                           "danh sách đầu mối kỹ thuật tại Phụ lục I kèm theo."
                         : spec.subject)
                  : spec.content;
  h.signer_info = {"KT. GIÁM ĐỐC", "Phó Giám đốc", "Nguyễn Văn Hùng"};
  h.due_date = "2024/03/29";
  h.other_info.priority = "0";
  h.other_info.sphere_of_promulgation = "Liên thông văn bản quốc gia";
  h.other_info.typer_notation = "TTM";
  h.other_info.promulgation_amount = "2";
  h.other_info.page_amount = "3";
  h.other_info.direction = "false";
  h.other_info.appendixes = {"Phụ lục I: Danh sách đầu mối kỹ thuật"};
  h.steering_type = "1";
  for (const Party& to : spec.to) h.to_places.push_back(federation_party(to).organ_name);
  h.to_places.push_back("Lưu: VT, CNTT");

  p.trace.trace_headers.push_back({spec.from.organ_id, std::nullopt, spec.timestamp});
  edxml::Bussiness& b = p.trace.bussiness;
  b.document_id = h.document_id;
  b.doc_type = spec.bussiness_doc_type;
  b.paper = "0";
  b.staff.push_back(staff_of(spec.from.organ_id));

  const std::string stem = spec.code_number + "-" + spec.code_notation;
  p.manifest.version = "1.0";
  p.manifest.references = {
      {"cid:1", "application/pdf", "Văn bản ký số", stem + ".pdf"},
      {"cid:2", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       "Phụ lục I", stem + "-phu-luc.docx"},
  };
  for (const ManifestReference& r : p.manifest.references) {
    Attachment a;
    a.content_id = r.content_id;
    a.attachment_name = r.attachment_name;
    a.description = r.description;
    a.content_type = r.content_type;
    a.content_transfer_encoded = base64(r.content_type == "application/pdf" ? pdf_blob() : docx_blob());
    p.attachments.push_back(std::move(a));
  }
  return p;
}

Package status(const StatusSpec& spec) {
  Package p;
  p.kind = PackageKind::status;
  edxml::MessageHeader& h = p.header;
  h.from = federation_party(spec.from);
  h.response_for.push_back(
      {spec.for_organ, std::nullopt, spec.for_code, spec.for_date, spec.for_document_id});
  h.staff_info = staff_of(spec.from.organ_id);
  h.status_code = spec.code;
  h.description = spec.description.empty() ? default_description(spec.code) : spec.description;
  h.timestamp = spec.timestamp;
  return p;
}

std::vector<NamedPackage> standard_set() {
  std::vector<NamedPackage> out;
  auto add = [&](std::string name, const Package& p) {
    out.push_back({std::move(name), edxml::write_package(p)});
  };
  const Party department{std::string(kDepartment), ""}, district{std::string(kDistrict), ""},
      office{std::string(kGovernmentOffice), ""}, ministry{std::string(kMinistry), ""};

  // The department of Hòa Bình writes to the Ministry of Finance.
  DocumentSpec new_doc;
  new_doc.from = department;
  new_doc.to = {ministry};
  const Package edoc_new = document(new_doc);
  add("edoc_new.edxml", edoc_new);

  // The Government Office widens the recipients of one of its documents (BussinessDocType 2).
  DocumentSpec update;
  update.from = office;
  update.to = {ministry, department, district};
  update.code_number = "1520";
  update.code_notation = "VPCP-KSTT";
  update.date = "2024/04/02";
  update.timestamp = "2024/04/02 14:00:00";
  update.subject = "Công văn về việc cập nhật danh sách nơi nhận văn bản số 1520/VPCP-KSTT";
  update.bussiness_doc_type = "2";
  Package p = document(update);
  p.trace.bussiness.reason = "Bổ sung nơi nhận";
  p.trace.bussiness.document_info.document_info = "1";
  p.trace.bussiness.document_info.document_receiver = "1";
  p.trace.bussiness.document_info.receivers = {{std::string(kDepartment), "1"},
                                               {std::string(kDistrict), "1"}};
  add("edoc_update.edxml", p);

  // The ministry replaces an earlier instruction (BussinessDocType 3).
  DocumentSpec replacement;
  replacement.from = ministry;
  replacement.to = {department};
  replacement.code_number = "2215";
  replacement.code_notation = "BTC-NSNN";
  replacement.date = "2024/04/10";
  replacement.timestamp = "2024/04/10 08:15:00";
  replacement.subject = "Công văn về việc hướng dẫn quyết toán ngân sách địa phương năm 2023 "
                        "(thay thế Công văn số 1980/BTC-NSNN)";
  replacement.bussiness_doc_type = "3";
  p = document(replacement);
  p.trace.bussiness.reason = "Thay thế văn bản có sai sót";
  p.trace.bussiness.replacements = {
      {"000.00.01.G12,2024/03/28,1980/BTC-NSNN", {std::string(kDepartment)}},
      {"000.00.01.G12,2024/03/29,1991/BTC-NSNN",
       {std::string(kDepartment), std::string(kGovernmentOffice)}}};
  add("edoc_replacement.edxml", p);

  // The department revokes edoc_new (BussinessDocType 1), answering it.
  DocumentSpec revocation;
  revocation.from = department;
  revocation.to = {ministry};
  revocation.code_number = "81";
  revocation.date = "2024/03/18";
  revocation.timestamp = "2024/03/18 16:45:00";
  revocation.subject = "Công văn về việc thu hồi Công văn số 74/STTTT-VP";
  revocation.bussiness_doc_type = "1";
  p = document(revocation);
  p.trace.bussiness.reason = "Thu hồi do sai sót về số liệu";
  p.header.response_for.push_back({std::string(kDepartment), std::nullopt, "74/STTTT-VP",
                                   edoc_new.header.promulgation_info.promulgation_date,
                                   edoc_new.header.document_id});
  add("edoc_revocation.edxml", p);

  // The ministry's statuses on edoc_new; the recall (13) comes from the department.
  struct S {
    const char* name;
    const char* code;
    const char* timestamp;
  };
  const S statuses[] = {
      {"status_inbox_01.edxml", "01", "2024/03/15 09:31:12"},
      {"status_rejection_02.edxml", "02", "2024/03/15 10:02:00"},
      {"status_acceptance_03.edxml", "03", "2024/03/15 10:05:00"},
      {"status_assignment_04.edxml", "04", "2024/03/15 14:20:00"},
      {"status_processing_05.edxml", "05", "2024/03/18 08:40:00"},
      {"status_finish_06.edxml", "06", "2024/03/22 16:30:00"},
      {"status_cancellation_13.edxml", "13", "2024/03/15 11:00:00"},
      {"status_change-acceptance_15.edxml", "15", "2024/03/15 11:20:00"},
      {"status_change-rejection_16.edxml", "16", "2024/03/15 11:25:00"},
  };
  for (const S& s : statuses) {
    const bool recall = std::string_view(s.code) == "13";
    StatusSpec st;
    st.from = recall ? department : ministry;
    st.for_organ = recall ? std::string(kMinistry) : std::string(kDepartment);
    st.for_code = "74/STTTT-VP";
    st.for_date = edoc_new.header.promulgation_info.promulgation_date;
    st.for_document_id = edoc_new.header.document_id;
    st.code = s.code;
    st.timestamp = s.timestamp;
    add(s.name, status(st));
  }
  return out;
}

std::string standard_package(std::string_view name) {
  for (NamedPackage& p : standard_set()) {
    if (p.name == name) return std::move(p.bytes);
  }
  return {};
}

std::vector<std::string> standard_names() {
  std::vector<std::string> out;
  for (const NamedPackage& p : standard_set()) out.push_back(p.name);
  return out;
}

}  // namespace docaxis::fixtures
