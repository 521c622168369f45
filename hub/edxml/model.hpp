// The edXML package as values: every element of ../../../shared/notes/edxml.md (plus the
// children real packages carry that the notes do not list: OtherInfo/Direction,
// Bussiness/DocumentId, BussinessDocumentInfo and ReplacementInfoList contents).
// No I/O here; reader.hpp fills these, writer.hpp serialises them.
//
// Conventions (the writer and the reader's round-trip guarantee depend on them):
//  - Every leaf is the element's text as it travels, trimmed of ASCII whitespace. An empty
//    string means "absent": the writer omits empty leaves, and omits a single (non-repeated)
//    container when all its content is empty. Entries of repeated elements (To, ResponseFor,
//    TraceHeader, Place, Reference, Attachment...) are always written, even when empty.
//  - Typed fields (`parsed_organ_id`, `doc_type`, `status`, ...) are derived by the reader
//    from the text next to them and are never written; the text is authoritative.
//  - Element names keep the wire spelling, including "Bussiness" (sic).
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "edxml/organ_id.hpp"

namespace docaxis::edxml {

inline constexpr std::string_view kEdxmlNamespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
inline constexpr std::string_view kXmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";

// A diagnostic about the input. Errors mean the package must not be trusted for routing or
// registration; notes are deviations a tolerant hub accepts (see README.md for every code).
struct Finding {
  enum class Severity { note, error };
  Severity severity = Severity::note;
  std::string code;     // stable kebab-case code, e.g. "invalid-organ-id"
  std::string path;     // e.g. /edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[1]/OrganId
  long line = 0;        // 1-based line of the element (or of its parent when it is missing)
  std::string message;  // human explanation

  bool operator==(const Finding&) const = default;
};

enum class PackageKind { document, status };

// From / To.
struct OrganInfo {
  std::string organ_id;                    // raw text, possibly malformed
  std::optional<OrganId> parsed_organ_id;  // set when organ_id is valid
  std::string organization_in_charge, organ_name, organ_add, email, telephone, fax, website;
  bool operator==(const OrganInfo&) const = default;
};

struct Code {
  std::string code_number;    // <= 11 characters
  std::string code_notation;  // <= 30 characters
  bool operator==(const Code&) const = default;
};

struct PromulgationInfo {
  std::string place;              // <= 50 characters
  std::string promulgation_date;  // yyyy/MM/dd, not in the future
  bool operator==(const PromulgationInfo&) const = default;
};

struct DocumentType {
  std::string type;         // "1" or "2"
  std::string type_detail;  // optional
  std::string type_name;    // <= 100 characters, e.g. "Công văn"
  bool operator==(const DocumentType&) const = default;
};

struct SignerInfo {
  std::string competence, position, full_name;
  bool operator==(const SignerInfo&) const = default;
};

struct OtherInfo {
  std::string priority;  // "0".."4"; 0 normal, higher more urgent
  std::optional<int> parsed_priority;
  std::string sphere_of_promulgation, typer_notation, promulgation_amount, page_amount;
  std::string direction;                // not in the notes; every sample carries it ("false")
  std::vector<std::string> appendixes;  // Appendixes/Appendix*
  bool operator==(const OtherInfo&) const = default;
};

// ResponseFor: the document this one answers (documents: 0..n; status: exactly one).
struct ResponseFor {
  std::string organ_id;
  std::optional<OrganId> parsed_organ_id;
  std::string code;  // "7816/VPCP-TTĐT"
  std::string promulgation_date;
  std::string document_id;
  bool operator==(const ResponseFor&) const = default;
};

struct StaffInfo {
  std::string department, staff, email, mobile;
  bool operator==(const StaffInfo&) const = default;
};

// The 9 status codes of the notes. StatusCode text outside this set is kept as text.
enum class StatusCode {
  arrived = 1,
  refused = 2,
  accepted = 3,
  assigned = 4,
  processing = 5,
  finished = 6,
  recall_request = 13,  // sent by the original sender
  recall_agreed = 15,
  recall_refused = 16,
};
// "01" -> arrived ...; nullopt for anything else.
std::optional<StatusCode> parse_status_code(std::string_view two_digits);
// arrived -> "01".
std::string status_code_text(StatusCode code);

struct MessageHeader {
  OrganInfo from;
  // Document packages.
  std::vector<OrganInfo> to;
  std::string document_id;  // free format (sender,date,number or a UUID)
  Code code;
  PromulgationInfo promulgation_info;
  DocumentType document_type;
  std::string subject;  // required, <= 500 characters
  std::string content;  // <= 500 characters
  SignerInfo signer_info;
  std::string due_date;  // yyyy/MM/dd
  OtherInfo other_info;
  std::vector<ResponseFor> response_for;  // status packages: the one ResponseFor
  std::string steering_type;              // an integer
  std::vector<std::string> to_places;     // ToPlaces/Place*, <= 150 characters each
  // Status packages.
  StaffInfo staff_info;
  std::string status_code;           // two digits as sent
  std::optional<StatusCode> status;  // set when status_code is one of the 9 known codes
  std::string description;
  std::string timestamp;  // yyyy/MM/dd HH:mm:ss
  bool operator==(const MessageHeader&) const = default;
};

struct TraceHeader {
  std::string organ_id;
  std::optional<OrganId> parsed_organ_id;
  std::string timestamp;  // yyyy/MM/dd HH:mm:ss
  bool operator==(const TraceHeader&) const = default;
};

enum class BussinessDocType { new_document = 0, revoke = 1, update = 2, replace = 3 };

// BussinessDocumentInfo/ReceiverList/Receiver (update packages).
struct Receiver {
  std::string organ_id, receiver_type;
  bool operator==(const Receiver&) const = default;
};
struct BussinessDocumentInfo {
  std::string document_info, document_receiver;
  std::vector<Receiver> receivers;  // ReceiverList/Receiver*
  bool operator==(const BussinessDocumentInfo&) const = default;
};
// ReplacementInfoList/ReplacementInfo (replace packages).
struct ReplacementInfo {
  std::string document_id;
  std::vector<std::string> organ_ids;  // OrganIdList/OrganId*
  bool operator==(const ReplacementInfo&) const = default;
};

// Bussiness (sic): what kind of send this is. Empty when the element is absent.
struct Bussiness {
  std::string document_id;
  std::string doc_type;  // BussinessDocType text, "0".."3"
  std::optional<BussinessDocType> parsed_doc_type;
  std::string reason;  // BussinessDocReason
  std::string paper;
  BussinessDocumentInfo document_info;
  std::vector<ReplacementInfo> replacements;  // ReplacementInfoList/ReplacementInfo*
  std::vector<StaffInfo> staff;
  bool operator==(const Bussiness&) const = default;
};

struct TraceHeaderList {
  std::vector<TraceHeader> trace_headers;
  Bussiness bussiness;
  bool operator==(const TraceHeaderList&) const = default;
};

struct ManifestReference {
  std::string content_id;  // "cid:<id>"
  std::string content_type, description, attachment_name;
  bool operator==(const ManifestReference&) const = default;
};

// edXMLBody/edXMLManifest. Written when version or references are non-empty.
struct Manifest {
  std::string version;  // the version attribute, "1.0"
  std::vector<ManifestReference> references;
  bool operator==(const Manifest&) const = default;
};

// AttachmentEncoded/Attachment: outside the envelope.
struct Attachment {
  std::string content_id, attachment_name, description, content_type;
  std::string content_transfer_encoded;  // base64 text as it travels, never decoded here
  bool operator==(const Attachment&) const = default;
};

// What the reader saw of a Signature child of edXMLHeader. It does not verify anything:
// hub/dsig verifies on the same tree.
struct SignatureSummary {
  std::size_t count = 0;      // Signature children of edXMLHeader, any namespace
  std::string namespace_uri;  // of the first one; "" = no namespace
  bool xmldsig = false;       // the first one is in the XML-DSig namespace
  bool last_child = false;    // it is the last element child of edXMLHeader
  long line = 0;
  bool present() const { return count > 0; }
  bool operator==(const SignatureSummary&) const = default;
};

struct Package {
  PackageKind kind = PackageKind::document;
  MessageHeader header;
  TraceHeaderList trace;
  Manifest manifest;                    // documents only
  std::vector<Attachment> attachments;  // documents only
  SignatureSummary signature;           // filled by the reader, ignored by the writer
  std::vector<Finding> findings;        // filled by the reader, ignored by the writer

  bool has_errors() const;
  // The first error finding as a Status (code = finding code, message = path, line and
  // message), or ok when there is none.
  Status first_error() const;
  // Everything the writer serialises is equal (kind, header, trace, manifest, attachments).
  bool same_content(const Package& other) const {
    return kind == other.kind && header == other.header && trace == other.trace &&
           manifest == other.manifest && attachments == other.attachments;
  }
  bool operator==(const Package&) const = default;
};

}  // namespace docaxis::edxml
