#include "agent/package_info.hpp"

#include <ctime>

#include "edxml/reader.hpp"
#include "edxml/writer.hpp"

namespace docaxis::agent {

std::string PackageInfo::label() const {
  if (address == client::Address::kStatus) {
    return "status=" + status_code + " response-for=" + document_id;
  }
  return "document-id=" + document_id;
}

Result<PackageInfo> inspect_package(std::string_view bytes) {
  auto pkg = edxml::read_package_bytes(bytes);
  if (!pkg) return pkg.status();
  PackageInfo info;
  if (pkg->kind == edxml::PackageKind::status) {
    info.address = client::Address::kStatus;
    info.status_code = pkg->header.status_code;
    if (!pkg->header.response_for.empty()) {
      info.document_id = pkg->header.response_for.front().document_id;
    }
  } else {
    info.document_id = pkg->header.document_id;
  }
  info.signed_xmldsig = pkg->signature.present() && pkg->signature.xmldsig;
  return info;
}

Result<std::string> arrived_status(std::string_view document, const std::string& organ_id,
                                   const std::string& organ_name,
                                   std::chrono::system_clock::time_point now) {
  auto doc = edxml::read_package_bytes(document);
  if (!doc) return doc.status();
  if (doc->kind != edxml::PackageKind::document) {
    return Status{"invalid-argument", "a status answers a document, not a status package"};
  }
  const edxml::MessageHeader& h = doc->header;
  if (h.document_id.empty() || h.from.organ_id.empty()) {
    return Status{"invalid-argument", "the document has no DocumentId or From/OrganId"};
  }
  edxml::Package s;
  s.kind = edxml::PackageKind::status;
  s.header.from.organ_id = organ_id;
  s.header.from.organ_name = organ_name;
  edxml::ResponseFor rf;
  rf.organ_id = h.from.organ_id;
  if (!h.code.code_number.empty() || !h.code.code_notation.empty()) {
    rf.code = h.code.code_number + (h.code.code_notation.empty() ? "" : "/" + h.code.code_notation);
  }
  rf.promulgation_date = h.promulgation_info.promulgation_date;
  rf.document_id = h.document_id;
  s.header.response_for.push_back(rf);
  s.header.status_code = "01";
  s.header.description = "Đã đến: received by the document system's docaxis agent";
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &local);
  s.header.timestamp = stamp;
  return edxml::write_package(s);
}

}  // namespace docaxis::agent
