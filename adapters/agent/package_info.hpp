// What the agent needs to know about a package, read with the hub's own safe edXML reader
// (hub/edxml): which address it goes to, how to name it in output, whether it is signed
// already; and the status 01 (arrived) package answering a received document.
// Pure functions; thread-safe once dsig::init_dsig() (or edxml::init_xml_library()) has run.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "client/client.hpp"
#include "common/status.hpp"

namespace docaxis::agent {

struct PackageInfo {
  client::Address address = client::Address::kEdoc;  // documents: edoc; status packages: status
  std::string document_id;  // documents: DocumentId; status: ResponseFor/DocumentId
  std::string status_code;  // status packages: StatusCode
  bool signed_xmldsig = false;  // carries an XML-DSig Signature already
  // "document-id=<id>" or "status=<code> response-for=<id>", for output lines.
  std::string label() const;
};

// Codes: those of edxml::read_package_bytes (malformed-xml, dtd-forbidden, too-large,
// not-edxml, missing-element, unknown-package-kind, ...). Findings do not fail here: the hub
// decides what it accepts.
Result<PackageInfo> inspect_package(std::string_view bytes);

// The status package "01" (arrived) from `organ_id` answering `document` (its bytes as
// received): ResponseFor = the document's From/OrganId, Code, PromulgationDate, DocumentId;
// Timestamp = `now` in local time (yyyy/MM/dd HH:mm:ss). Unsigned. Codes: those of the
// reader; invalid-argument when `document` is a status package or has no DocumentId.
Result<std::string> arrived_status(std::string_view document, const std::string& organ_id,
                                   const std::string& organ_name,
                                   std::chrono::system_clock::time_point now);

}  // namespace docaxis::agent
