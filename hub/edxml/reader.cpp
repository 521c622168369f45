// Entry points: root and envelope checks, package-kind detection, Signature summary and the
// manifest/attachment cross-check. The parts live in reader_header.cpp and reader_parts.cpp.
#include "edxml/reader.hpp"

#include <set>

#include "edxml/reader_internal.hpp"

namespace docaxis::edxml {
namespace {

using detail::ChildSpec;
using detail::Occurs;
using detail::ReadContext;
using Sev = Finding::Severity;

constexpr std::string_view kRoot = "/edXML";
constexpr std::string_view kEnvelope = "/edXML/edXMLEnvelope";
constexpr std::string_view kHeader = "/edXML/edXMLEnvelope/edXMLHeader";

// Same matching rule as visit_children: edXML namespace, or no namespace.
bool is_edxml(const xmlNode* n, std::string_view name) {
  if (n->type != XML_ELEMENT_NODE || detail::name_of(n) != name) return false;
  const std::string_view ns = detail::ns_of(n);
  return ns == kEdxmlNamespace || ns.empty();
}

xmlNodePtr first_child(xmlNodePtr parent, std::string_view name) {
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (is_edxml(c, name)) return c;
  }
  return nullptr;
}

std::vector<long> child_lines(xmlNodePtr parent, std::string_view name) {
  std::vector<long> lines;
  if (parent == nullptr) return lines;
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (is_edxml(c, name)) lines.push_back(detail::line_of(c));
  }
  return lines;
}

Status missing(std::string_view path) {
  return {"missing-element", "required element " + std::string(path) + " is missing"};
}

// Decides document vs status from what MessageHeader and the envelope contain. A StatusCode
// makes a status; To, DocumentId, Subject, a body or attachments make a document; both at
// once is refused, because two hubs could route such a package differently.
Result<PackageKind> detect_kind(xmlNodePtr root, xmlNodePtr envelope, xmlNodePtr message) {
  static const std::set<std::string_view> kStrongDoc = {"To", "DocumentId", "Subject"};
  static const std::set<std::string_view> kWeakDoc = {
      "Code",    "PromulgationInfo", "DocumentType", "Content", "SignerInfo",
      "DueDate", "OtherInfo",        "SteeringType", "ToPlaces"};
  static const std::set<std::string_view> kWeakStatus = {"StaffInfo", "Description", "Timestamp"};
  bool strong_status = false, strong_doc = false, weak_doc = false, weak_status = false;
  for (xmlNodePtr c = message->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string_view ns = detail::ns_of(c);
    if (ns != kEdxmlNamespace && !ns.empty()) continue;
    const std::string_view name = detail::name_of(c);
    strong_status |= name == "StatusCode";
    strong_doc |= kStrongDoc.contains(name);
    weak_doc |= kWeakDoc.contains(name);
    weak_status |= kWeakStatus.contains(name);
  }
  strong_doc |= first_child(envelope, "edXMLBody") != nullptr;
  strong_doc |= first_child(root, "AttachmentEncoded") != nullptr;
  if (strong_status && strong_doc) {
    return Status{"unknown-package-kind",
                  "MessageHeader has a StatusCode and also document content (To, DocumentId, "
                  "Subject, edXMLBody or AttachmentEncoded)"};
  }
  if (strong_status) return PackageKind::status;
  if (strong_doc) return PackageKind::document;
  if (weak_status && !weak_doc) return PackageKind::status;
  if (weak_doc && !weak_status) return PackageKind::document;
  return Status{"unknown-package-kind",
                "MessageHeader shows neither a document (To, DocumentId, Subject) nor a status "
                "(StatusCode)"};
}

void summarise_signature(ReadContext& ctx, xmlNodePtr header, xmlNodePtr sig,
                         const std::string& path, SignatureSummary* out) {
  out->namespace_uri = std::string(detail::ns_of(sig));
  out->xmldsig = out->namespace_uri == kXmlDsigNamespace;
  out->line = detail::line_of(sig);
  xmlNodePtr last = nullptr;
  for (xmlNodePtr c = header->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) last = c;
  }
  out->last_child = last == sig;
  if (!out->xmldsig) {
    const std::string where = out->namespace_uri.empty()
                                  ? "no namespace"
                                  : "namespace " + out->namespace_uri.substr(0, 80);
    ctx.note("foreign-signature", path, out->line,
             "<Signature> is in " + where + ", not " + std::string(kXmlDsigNamespace) +
                 ": it is not an XML-DSig signature (the official SDK writes it so)");
  }
  if (!out->last_child) {
    ctx.note("element-order", path, out->line,
             "<Signature> is not the last child element of edXMLHeader");
  }
}

void cross_check_manifest(ReadContext& ctx, const Package& pkg, xmlNodePtr root,
                          xmlNodePtr envelope) {
  xmlNodePtr body = first_child(envelope, "edXMLBody");
  xmlNodePtr manifest = body != nullptr ? first_child(body, "edXMLManifest") : nullptr;
  xmlNodePtr encoded = first_child(root, "AttachmentEncoded");
  const std::vector<long> ref_lines = child_lines(manifest, "Reference");
  const std::vector<long> att_lines = child_lines(encoded, "Attachment");
  std::set<std::string> refs, atts;
  for (const auto& r : pkg.manifest.references) refs.insert(r.content_id);
  for (const auto& a : pkg.attachments) atts.insert(a.content_id);
  for (std::size_t i = 0; i < pkg.manifest.references.size() && i < ref_lines.size(); ++i) {
    const std::string& id = pkg.manifest.references[i].content_id;
    if (!id.empty() && !atts.contains(id)) {
      ctx.note("manifest-mismatch",
               std::string(kEnvelope) + "/edXMLBody/edXMLManifest/Reference[" +
                   std::to_string(i + 1) + "]/ContentId",
               ref_lines[i], "no Attachment has ContentId \"" + id.substr(0, 80) + "\"");
    }
  }
  for (std::size_t i = 0; i < pkg.attachments.size() && i < att_lines.size(); ++i) {
    const std::string& id = pkg.attachments[i].content_id;
    if (!id.empty() && !refs.contains(id)) {
      ctx.note("manifest-mismatch",
               std::string(kRoot) + "/AttachmentEncoded/Attachment[" + std::to_string(i + 1) +
                   "]/ContentId",
               att_lines[i], "no manifest Reference has ContentId \"" + id.substr(0, 80) + "\"");
    }
  }
}

}  // namespace

Result<Package> read_package(const XmlDoc& doc, const ReadOptions& options) {
  xmlNodePtr root = doc ? doc.root() : nullptr;
  if (root == nullptr) return Status{"not-edxml", "the document has no root element"};
  if (detail::name_of(root) != "edXML" || detail::ns_of(root) != kEdxmlNamespace) {
    const std::string ns(detail::ns_of(root).substr(0, 80));
    return Status{"not-edxml", "root element is <" +
                                   std::string(detail::name_of(root).substr(0, 64)) + "> in " +
                                   (ns.empty() ? "no namespace" : "namespace " + ns) +
                                   ", expected <edXML> in " + std::string(kEdxmlNamespace)};
  }
  xmlNodePtr envelope = first_child(root, "edXMLEnvelope");
  if (envelope == nullptr) return missing(kEnvelope);
  xmlNodePtr header = first_child(envelope, "edXMLHeader");
  if (header == nullptr) return missing(std::string(kHeader));
  xmlNodePtr message = first_child(header, "MessageHeader");
  if (message == nullptr) return missing(std::string(kHeader) + "/MessageHeader");
  Result<PackageKind> kind = detect_kind(root, envelope, message);
  if (!kind.ok()) return kind.status();

  Package pkg;
  pkg.kind = *kind;
  ReadContext ctx(pkg.findings, options);
  const bool is_doc = pkg.kind == PackageKind::document;
  constexpr std::string_view kNoBody = "does not belong in a status package";

  const ChildSpec header_specs[] = {
      {"MessageHeader", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         if (is_doc) {
           detail::read_document_header(ctx, n, p, &pkg.header);
         } else {
           detail::read_status_header(ctx, n, p, &pkg.header);
         }
       }},
      {"TraceHeaderList", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) { detail::read_trace_list(ctx, n, p, &pkg.trace); }},
      {"Signature", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         summarise_signature(ctx, header, n, p, &pkg.signature);
       },
       /*any_namespace=*/true},
  };
  const ChildSpec envelope_specs[] = {
      {"edXMLHeader", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         const auto counts = detail::visit_children(ctx, n, p, header_specs);
         pkg.signature.count = counts[2];
       }},
      is_doc ? ChildSpec{"edXMLBody", Occurs::one,
                         [&](xmlNodePtr n, const std::string& p) {
                           detail::read_body(ctx, n, p, &pkg.manifest);
                         }}
             : detail::unexpected(ctx, "edXMLBody", kNoBody),
  };
  const ChildSpec root_specs[] = {
      {"edXMLEnvelope", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         detail::visit_children(ctx, n, p, envelope_specs);
       }},
      is_doc ? ChildSpec{"AttachmentEncoded", Occurs::one,
                         [&](xmlNodePtr n, const std::string& p) {
                           detail::read_attachments(ctx, n, p, &pkg.attachments);
                         }}
             : detail::unexpected(ctx, "AttachmentEncoded", kNoBody),
  };
  detail::visit_children(ctx, root, std::string(kRoot), root_specs);
  if (is_doc) cross_check_manifest(ctx, pkg, root, envelope);
  return pkg;
}

Result<Package> read_package_bytes(std::string_view bytes, const ParseLimits& limits,
                                   const ReadOptions& options) {
  Result<XmlDoc> doc = parse_untrusted(bytes, limits);
  if (!doc.ok()) return doc.status();
  return read_package(*doc, options);
}

}  // namespace docaxis::edxml
