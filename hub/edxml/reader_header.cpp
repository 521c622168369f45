// MessageHeader of document and status packages. Canonical child order and limits follow
// ../../../shared/notes/edxml.md; each spec list below IS that order.
#include <set>

#include "edxml/reader_internal.hpp"
#include "edxml/text.hpp"

namespace docaxis::edxml::detail {
namespace {

using Sev = Finding::Severity;

constexpr std::string_view kStatusOnly = "belongs to status packages, not documents";
constexpr std::string_view kDocumentOnly = "belongs to document packages, not statuses";

// Integer leaf checked against [lo, hi] (hi < 0: any non-negative integer).
ChildSpec int_leaf(ReadContext& ctx, std::string_view name, std::string* out, int lo, int hi,
                   std::optional<int>* parsed = nullptr) {
  return {name, Occurs::one, [&ctx, out, lo, hi, parsed](xmlNodePtr n, const std::string& path) {
            *out = read_text(ctx, n, path);
            if (out->empty()) return;
            const std::optional<int> v = text::parse_small_int(*out);
            if (!v || *v < lo || (hi >= 0 && *v > hi)) {
              const std::string range =
                  hi >= 0 ? std::to_string(lo) + ".." + std::to_string(hi) : "an integer";
              ctx.error("invalid-value", path, line_of(n),
                        "\"" + out->substr(0, 40) + "\" must be " + range);
              return;
            }
            if (parsed != nullptr) *parsed = v;
          }};
}

void read_other_info(ReadContext& ctx, xmlNodePtr node, const std::string& path, OtherInfo* o) {
  const ChildSpec specs[] = {
      int_leaf(ctx, "Priority", &o->priority, 0, 4, &o->parsed_priority),
      leaf(ctx, "SphereOfPromulgation", &o->sphere_of_promulgation),
      leaf(ctx, "TyperNotation", &o->typer_notation),
      leaf(ctx, "PromulgationAmount", &o->promulgation_amount),
      leaf(ctx, "PageAmount", &o->page_amount),
      leaf(ctx, "Direction", &o->direction),
      {"Appendixes", Occurs::one,
       [&ctx, o](xmlNodePtr n, const std::string& p) {
         const ChildSpec inner[] = {list_leaf(ctx, "Appendix", &o->appendixes)};
         visit_children(ctx, n, p, inner);
       }},
  };
  visit_children(ctx, node, path, specs);
}

}  // namespace

void read_organ_info(ReadContext& ctx, xmlNodePtr node, const std::string& path, OrganInfo* out,
                     Finding::Severity id_severity) {
  const ChildSpec specs[] = {
      organ_id_leaf(ctx, "OrganId", &out->organ_id, &out->parsed_organ_id, id_severity),
      leaf(ctx, "OrganizationInCharge", &out->organization_in_charge),
      leaf(ctx, "OrganName", &out->organ_name),
      leaf(ctx, "OrganAdd", &out->organ_add),
      leaf(ctx, "Email", &out->email),
      leaf(ctx, "Telephone", &out->telephone),
      leaf(ctx, "Fax", &out->fax),
      leaf(ctx, "Website", &out->website),
  };
  const auto counts = visit_children(ctx, node, path, specs);
  require(ctx, counts[0], path, node, "OrganId");
  require(ctx, counts[2], path, node, "OrganName", Sev::note);
}

void read_response_for(ReadContext& ctx, xmlNodePtr node, const std::string& path, ResponseFor* out,
                       Finding::Severity id_severity) {
  const ChildSpec specs[] = {
      organ_id_leaf(ctx, "OrganId", &out->organ_id, &out->parsed_organ_id, id_severity),
      leaf(ctx, "Code", &out->code),
      date_leaf(ctx, "PromulgationDate", &out->promulgation_date),
      leaf(ctx, "DocumentId", &out->document_id),
  };
  visit_children(ctx, node, path, specs);
}

void read_staff_info(ReadContext& ctx, xmlNodePtr node, const std::string& path, StaffInfo* out) {
  const ChildSpec specs[] = {
      leaf(ctx, "Department", &out->department),
      leaf(ctx, "Staff", &out->staff),
      leaf(ctx, "Email", &out->email),
      leaf(ctx, "Mobile", &out->mobile),
  };
  visit_children(ctx, node, path, specs);
}

void read_document_header(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                          MessageHeader* h) {
  std::vector<long> to_lines;
  const ChildSpec specs[] = {
      {"From", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         read_organ_info(ctx, n, p, &h->from, Sev::error);
       }},
      {"To", Occurs::many,
       [&](xmlNodePtr n, const std::string& p) {
         read_organ_info(ctx, n, p, &h->to.emplace_back(), Sev::error);
         to_lines.push_back(line_of(n));
       }},
      leaf(ctx, "DocumentId", &h->document_id),
      {"Code", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         const ChildSpec c[] = {limited_leaf(ctx, "CodeNumber", &h->code.code_number, 11),
                                limited_leaf(ctx, "CodeNotation", &h->code.code_notation, 30)};
         visit_children(ctx, n, p, c);
       }},
      {"PromulgationInfo", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         PromulgationInfo& pi = h->promulgation_info;
         const ChildSpec c[] = {limited_leaf(ctx, "Place", &pi.place, 50),
                                date_leaf(ctx, "PromulgationDate", &pi.promulgation_date, true)};
         visit_children(ctx, n, p, c);
       }},
      {"DocumentType", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         DocumentType& dt = h->document_type;
         const ChildSpec c[] = {int_leaf(ctx, "Type", &dt.type, 1, 2),
                                leaf(ctx, "TypeDetail", &dt.type_detail),
                                limited_leaf(ctx, "TypeName", &dt.type_name, 100)};
         visit_children(ctx, n, p, c);
       }},
      limited_leaf(ctx, "Subject", &h->subject, 500),
      limited_leaf(ctx, "Content", &h->content, 500),
      {"SignerInfo", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         SignerInfo& s = h->signer_info;
         const ChildSpec c[] = {leaf(ctx, "Competence", &s.competence),
                                leaf(ctx, "Position", &s.position),
                                leaf(ctx, "FullName", &s.full_name)};
         visit_children(ctx, n, p, c);
       }},
      date_leaf(ctx, "DueDate", &h->due_date),
      {"OtherInfo", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) { read_other_info(ctx, n, p, &h->other_info); }},
      {"ResponseFor", Occurs::many,
       [&](xmlNodePtr n, const std::string& p) {
         // In a document, ResponseFor is informational (nothing routes on it): a bad id is a
         // note. The SDK writes an empty <ResponseFor/> when there is nothing to answer.
         read_response_for(ctx, n, p, &h->response_for.emplace_back(), Sev::note);
         if (h->response_for.back() == ResponseFor{}) {
           ctx.note("empty-element", p, line_of(n), "<ResponseFor> has no content");
         }
       }},
      int_leaf(ctx, "SteeringType", &h->steering_type, 0, -1),
      {"ToPlaces", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         const ChildSpec c[] = {list_leaf(ctx, "Place", &h->to_places, 150)};
         visit_children(ctx, n, p, c);
       }},
      unexpected(ctx, "StaffInfo", kStatusOnly),
      unexpected(ctx, "StatusCode", kStatusOnly),
      unexpected(ctx, "Description", kStatusOnly),
      unexpected(ctx, "Timestamp", kStatusOnly),
  };
  const auto counts = visit_children(ctx, node, path, specs);
  require(ctx, counts[0], path, node, "From");
  require(ctx, counts[1], path, node, "To");
  require_text(ctx, h->document_id, path, node, "DocumentId");
  require_text(ctx, h->subject, path, node, "Subject");
  // Two To with the same OrganId would deliver twice (or look like it): an error.
  std::set<std::string> seen;
  for (std::size_t i = 0; i < h->to.size(); ++i) {
    const std::string& id = h->to[i].organ_id;
    if (id.empty()) continue;
    if (!seen.insert(id).second) {
      ctx.error("duplicate-recipient", path + "/To[" + std::to_string(i + 1) + "]/OrganId",
                to_lines[i], "recipient \"" + id.substr(0, 40) + "\" is listed twice");
    }
  }
}

void read_status_header(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                        MessageHeader* h) {
  const ChildSpec specs[] = {
      {"From", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         read_organ_info(ctx, n, p, &h->from, Sev::error);
       }},
      {"ResponseFor", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         // A status travels to ResponseFor/OrganId: its id must be valid and present.
         ResponseFor& rf = h->response_for.emplace_back();
         read_response_for(ctx, n, p, &rf, Sev::error);
         require_text(ctx, rf.organ_id, p, n, "OrganId");
       }},
      {"StaffInfo", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) { read_staff_info(ctx, n, p, &h->staff_info); }},
      {"StatusCode", Occurs::one,
       [&](xmlNodePtr n, const std::string& p) {
         h->status_code = read_text(ctx, n, p);
         const std::string& c = h->status_code;
         const bool two_digits =
             c.size() == 2 && c[0] >= '0' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9';
         if (!two_digits) {
           ctx.error("invalid-value", p, line_of(n),
                     "\"" + c.substr(0, 40) + "\" is not a two-digit status code");
           return;
         }
         h->status = parse_status_code(c);
         if (!h->status) {
           ctx.note("unknown-status-code", p, line_of(n),
                    "status code " + c + " is not one of 01-06, 13, 15, 16");
         }
       }},
      leaf(ctx, "Description", &h->description),
      timestamp_leaf(ctx, "Timestamp", &h->timestamp),
      unexpected(ctx, "To", kDocumentOnly),
      unexpected(ctx, "DocumentId", kDocumentOnly),
      unexpected(ctx, "Code", kDocumentOnly),
      unexpected(ctx, "PromulgationInfo", kDocumentOnly),
      unexpected(ctx, "DocumentType", kDocumentOnly),
      unexpected(ctx, "Subject", kDocumentOnly),
      unexpected(ctx, "Content", kDocumentOnly),
      unexpected(ctx, "SignerInfo", kDocumentOnly),
      unexpected(ctx, "DueDate", kDocumentOnly),
      unexpected(ctx, "OtherInfo", kDocumentOnly),
      unexpected(ctx, "SteeringType", kDocumentOnly),
      unexpected(ctx, "ToPlaces", kDocumentOnly),
  };
  const auto counts = visit_children(ctx, node, path, specs);
  require(ctx, counts[0], path, node, "From");
  require(ctx, counts[1], path, node, "ResponseFor");
  require_text(ctx, h->status_code, path, node, "StatusCode");
}

}  // namespace docaxis::edxml::detail
