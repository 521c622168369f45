// Generated edXML packages: the test, demo and benchmark material the repository carries
// itself, so that nothing needs ../shared (the real samples there are the interop suite).
//
// Every package is built as an edxml::Package and serialised by the project's own writer
// (edxml/writer.hpp): realistic content in Vietnamese, organs of the demo federation, and for
// documents two attachments (a PDF-like and a .docx-like blob, base64). Output is
// deterministic: fixed dates, ids and a fixed-seed byte generator, so the same build always
// writes the same bytes and tests can assert exact field values. Nothing is signed here:
// signatures are added by `docaxis sign` (or dsig::Signer) afterwards.
//
// Test support only; never linked into the hub. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edxml/model.hpp"

namespace docaxis::fixtures {

// An organ as From/To carry it.
struct Party {
  std::string organ_id;
  std::string name;  // OrganName; empty: the federation's name for organ_id, or organ_id
};

// The demo federation (README.md, scripts/demo.sh): Hòa Bình's department, district and
// commune behind hub h30, the Government Office behind `national`, the Ministry of Finance
// behind g12. `federation_party(id)` gives their full From/To details.
inline constexpr std::string_view kDepartment = "000.00.13.H30";
inline constexpr std::string_view kDistrict = "000.00.31.H30";
inline constexpr std::string_view kCommune = "000.21.31.H30";
inline constexpr std::string_view kGovernmentOffice = "000.00.00.G22";
inline constexpr std::string_view kMinistry = "000.00.01.G12";

// A document: the fields a sender chooses. Everything else (signer, other info, trace
// header, Bussiness, manifest, attachments) is filled with fixed realistic values.
struct DocumentSpec {
  Party from;
  std::vector<Party> to;         // at least one
  std::string document_id;       // empty: "<from>,<date>,<number>/<notation>"
  std::string code_number = "74";
  std::string code_notation = "STTTT-VP";
  std::string date = "2024/03/15";                 // PromulgationDate, yyyy/MM/dd
  std::string timestamp = "2024/03/15 09:30:00";   // the sender's TraceHeader
  std::string subject;           // empty: a fixed "Công văn về việc ..." subject
  std::string content;           // empty: a fixed longer summary
  std::string bussiness_doc_type = "0";  // 0 new, 1 revoke, 2 update, 3 replace
};

// A status package answering a document (or, code 13, recalling one).
struct StatusSpec {
  Party from;
  std::string for_organ;        // ResponseFor/OrganId: where the status goes
  std::string for_code;         // ResponseFor/Code, "74/STTTT-VP"
  std::string for_date;         // ResponseFor/PromulgationDate
  std::string for_document_id;  // ResponseFor/DocumentId
  std::string code;             // StatusCode, two digits
  std::string description;      // empty: the usual Vietnamese description of `code`
  std::string timestamp = "2024/03/15 10:05:00";
};

// The organ with its federation details (name, organisation in charge, address...); an
// organ outside the federation gets its id as name. `name` non-empty overrides the name.
edxml::OrganInfo federation_party(const Party& party);

// Builds the package (the writer's model); write with edxml::write_package.
edxml::Package document(const DocumentSpec& spec);
edxml::Package status(const StatusSpec& spec);

// The standard set, by file name (names follow ../shared/edxml-samples where a generated
// package plays the same part): edoc_new, edoc_update, edoc_replacement, edoc_revocation and
// one status package for each of the nine status codes (status_inbox_01 ... 
// status_change-rejection_16). Unsigned, serialised by the writer.
struct NamedPackage {
  std::string name;
  std::string bytes;
};
std::vector<NamedPackage> standard_set();
// One package of the standard set; empty when `name` is not one of them.
std::string standard_package(std::string_view name);
std::vector<std::string> standard_names();

// The attachments of every generated document, exposed for tests that check their bytes.
std::string pdf_blob();   // "%PDF-1.4 ..." with a fixed pseudo-random stream
std::string docx_blob();  // a stored (uncompressed) ZIP with word/document.xml
std::string base64(std::string_view bytes);

}  // namespace docaxis::fixtures
