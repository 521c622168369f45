// TraceHeaderList, edXMLBody/edXMLManifest and AttachmentEncoded.
#include "edxml/reader_internal.hpp"
#include "edxml/text.hpp"

namespace docaxis::edxml::detail {
namespace {

using Sev = Finding::Severity;

void read_trace_header(ReadContext& ctx, xmlNodePtr node, const std::string& path, TraceHeader* t) {
  // Trace entries are history written by senders and axes (the real 2019 and 2025 packages
  // carry "01.02.G22", "001.00.20.TT2", "null" and an entry with no OrganId): nothing routes
  // on them, so problems with the id are notes. A bad timestamp is still an error.
  const ChildSpec specs[] = {
      organ_id_leaf(ctx, "OrganId", &t->organ_id, &t->parsed_organ_id, Sev::note),
      timestamp_leaf(ctx, "Timestamp", &t->timestamp),
  };
  const auto counts = visit_children(ctx, node, path, specs);
  require(ctx, counts[0], path, node, "OrganId", Sev::note);
  require(ctx, counts[1], path, node, "Timestamp", Sev::note);
}

void read_document_info(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                        BussinessDocumentInfo* d) {
  const ChildSpec specs[] = {
      leaf(ctx, "DocumentInfo", &d->document_info),
      leaf(ctx, "DocumentReceiver", &d->document_receiver),
      {"ReceiverList", Occurs::one,
       [&ctx, d](xmlNodePtr n, const std::string& p) {
         const ChildSpec inner[] = {
             {"Receiver", Occurs::many, [&ctx, d](xmlNodePtr r, const std::string& rp) {
                Receiver& rec = d->receivers.emplace_back();
                const ChildSpec c[] = {leaf(ctx, "OrganId", &rec.organ_id),
                                       leaf(ctx, "ReceiverType", &rec.receiver_type)};
                visit_children(ctx, r, rp, c);
              }}};
         visit_children(ctx, n, p, inner);
       }},
  };
  visit_children(ctx, node, path, specs);
}

void read_replacements(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                       std::vector<ReplacementInfo>* out) {
  const ChildSpec specs[] = {
      {"ReplacementInfo", Occurs::many, [&ctx, out](xmlNodePtr n, const std::string& p) {
         ReplacementInfo& ri = out->emplace_back();
         const ChildSpec c[] = {
             leaf(ctx, "DocumentId", &ri.document_id),
             {"OrganIdList", Occurs::one, [&ctx, &ri](xmlNodePtr l, const std::string& lp) {
                const ChildSpec ids[] = {list_leaf(ctx, "OrganId", &ri.organ_ids)};
                visit_children(ctx, l, lp, ids);
              }}};
         visit_children(ctx, n, p, c);
       }}};
  visit_children(ctx, node, path, specs);
}

void read_bussiness(ReadContext& ctx, xmlNodePtr node, const std::string& path, Bussiness* b) {
  const ChildSpec specs[] = {
      leaf(ctx, "DocumentId", &b->document_id),
      {"BussinessDocType", Occurs::one,
       [&ctx, b](xmlNodePtr n, const std::string& p) {
         b->doc_type = read_text(ctx, n, p);
         const std::optional<int> v = text::parse_small_int(b->doc_type);
         if (!v || *v > 3) {
           ctx.error("invalid-value", p, line_of(n),
                     "\"" + b->doc_type.substr(0, 40) +
                         "\" must be 0 (new), 1 (revoke), 2 (update) or 3 (replace)");
           return;
         }
         b->parsed_doc_type = static_cast<BussinessDocType>(*v);
       }},
      leaf(ctx, "BussinessDocReason", &b->reason),
      leaf(ctx, "Paper", &b->paper),
      {"BussinessDocumentInfo", Occurs::one,
       [&ctx, b](xmlNodePtr n, const std::string& p) {
         read_document_info(ctx, n, p, &b->document_info);
       }},
      {"ReplacementInfoList", Occurs::one,
       [&ctx, b](xmlNodePtr n, const std::string& p) {
         read_replacements(ctx, n, p, &b->replacements);
       }},
      {"StaffInfo", Occurs::many,
       [&ctx, b](xmlNodePtr n, const std::string& p) {
         read_staff_info(ctx, n, p, &b->staff.emplace_back());
       }},
  };
  visit_children(ctx, node, path, specs);
}

}  // namespace

void read_trace_list(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                     TraceHeaderList* out) {
  const ChildSpec specs[] = {
      {"TraceHeader", Occurs::many,
       [&ctx, out](xmlNodePtr n, const std::string& p) {
         read_trace_header(ctx, n, p, &out->trace_headers.emplace_back());
       }},
      {"Bussiness", Occurs::one,
       [&ctx, out](xmlNodePtr n, const std::string& p) {
         read_bussiness(ctx, n, p, &out->bussiness);
       }},
  };
  visit_children(ctx, node, path, specs);
}

void read_body(ReadContext& ctx, xmlNodePtr node, const std::string& path, Manifest* out) {
  const ChildSpec specs[] = {
      {"edXMLManifest", Occurs::one,
       [&ctx, out](xmlNodePtr n, const std::string& p) {
         if (xmlChar* v = xmlGetNoNsProp(n, xstr("version")); v != nullptr) {
           out->version = std::string(text::trim(cstr(v)));
           xmlFree(v);
         }
         const ChildSpec refs[] = {
             {"Reference", Occurs::many, [&ctx, out](xmlNodePtr r, const std::string& rp) {
                ManifestReference& ref = out->references.emplace_back();
                const ChildSpec c[] = {leaf(ctx, "ContentId", &ref.content_id),
                                       leaf(ctx, "ContentType", &ref.content_type),
                                       leaf(ctx, "Description", &ref.description),
                                       leaf(ctx, "AttachmentName", &ref.attachment_name)};
                visit_children(ctx, r, rp, c);
                require_text(ctx, ref.content_id, rp, r, "ContentId");
              }}};
         visit_children(ctx, n, p, refs);
       }},
  };
  visit_children(ctx, node, path, specs);
}

void read_attachments(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                      std::vector<Attachment>* out) {
  const ChildSpec specs[] = {
      {"Attachment", Occurs::many,
       [&ctx, out](xmlNodePtr n, const std::string& p) {
         Attachment& a = out->emplace_back();
         const ChildSpec c[] = {
             leaf(ctx, "ContentId", &a.content_id), leaf(ctx, "AttachmentName", &a.attachment_name),
             leaf(ctx, "Description", &a.description), leaf(ctx, "ContentType", &a.content_type),
             leaf(ctx, "ContentTransferEncoded", &a.content_transfer_encoded)};
         visit_children(ctx, n, p, c);
         require_text(ctx, a.content_id, p, n, "ContentId");
       }},
  };
  visit_children(ctx, node, path, specs);
}

}  // namespace docaxis::edxml::detail
