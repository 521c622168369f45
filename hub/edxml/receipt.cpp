#include "edxml/receipt.hpp"

#include <libxml/tree.h>
#include <openssl/evp.h>

#include <functional>
#include <memory>
#include <span>

#include "edxml/organ_id.hpp"
#include "edxml/reader_internal.hpp"
#include "edxml/text.hpp"
#include "edxml/xml_out.hpp"

namespace docaxis::edxml {
namespace {

using detail::line_of;
using detail::name_of;
using detail::ns_of;

Status invalid(const std::string& field, const std::string& why) {
  return {"invalid-value", field + ": " + why};
}

bool is_kebab(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Status check_length(const std::string& field, const std::string& v, std::size_t max) {
  if (v.empty()) return {"missing-element", field + " is missing or empty"};
  if (text::char_count(v) > max) {
    return invalid(field, "longer than " + std::to_string(max) + " characters");
  }
  return {};
}

Status check_time(const std::string& field, const std::string& v) {
  if (v.empty()) return {"missing-element", field + " is missing or empty"};
  if (!text::is_iso8601_utc(v))
    return invalid(field, "\"" + v.substr(0, 40) + "\" is not ISO-8601 UTC (YYYY-MM-DDTHH:MM:SSZ)");
  return {};
}

// ---- strict sequential reading -------------------------------------------------------------

struct Field {
  std::string_view name;
  bool repeated;
  std::function<Status(xmlNodePtr, const std::string&)> read;
};

std::string at(const std::string& path, xmlNodePtr n) {
  return path + " (line " + std::to_string(line_of(n)) + ")";
}

// Children of `parent` must be the fields in order (each optional here; emptiness is checked
// by validate_receipt), each singular one at most once; `allow_signature` admits one XML-DSig
// Signature as the last element child.
Status read_sequence(xmlNodePtr parent, const std::string& path, std::span<const Field> fields,
                     bool allow_signature) {
  std::size_t pos = 0;               // first field still allowed
  std::size_t last = fields.size();  // field matched by the previous child
  std::size_t nth = 0;               // occurrence number of a repeated field
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string_view name = name_of(c);
    const std::string_view ns = ns_of(c);
    std::string child_path = path + "/" + std::string(name.substr(0, 64));
    if (allow_signature && name == "Signature" && ns == kXmlDsigNamespace) {
      for (xmlNodePtr after = c->next; after != nullptr; after = after->next) {
        if (after->type == XML_ELEMENT_NODE) {
          return {"signature-misplaced", at(child_path, c) + " is not the last child element"};
        }
      }
      continue;
    }
    if (ns != kReceiptNamespace) {
      return {"unknown-element",
              at(child_path, c) + " is not in namespace " + std::string(kReceiptNamespace)};
    }
    std::size_t i = pos;
    while (i < fields.size() && fields[i].name != name) ++i;
    if (i == fields.size()) {
      if (last < fields.size() && fields[last].name == name) {
        return {"duplicate-element", at(child_path, c) + " may appear once"};
      }
      return {"unknown-element", at(child_path, c) + " is unknown or out of order"};
    }
    nth = (i == last) ? nth + 1 : 1;
    last = i;
    pos = fields[i].repeated ? i : i + 1;
    if (fields[i].repeated) child_path += "[" + std::to_string(nth) + "]";
    if (Status s = fields[i].read(c, child_path); !s.ok()) return s;
  }
  return {};
}

Field text_field(std::string_view name, std::string* out) {
  return {name, false, [out](xmlNodePtr n, const std::string& path) -> Status {
            for (xmlNodePtr g = n->children; g != nullptr; g = g->next) {
              if (g->type == XML_ELEMENT_NODE) {
                return {"unknown-element",
                        at(path + "/" + std::string(name_of(g).substr(0, 64)), g) +
                            ": a text element has no child elements"};
              }
            }
            *out = detail::node_text(n);
            return {};
          }};
}

}  // namespace

Status validate_receipt(const DeliveryReceipt& r) {
  if (Status s = check_length("ReceiptId", r.receipt_id, 128); !s.ok()) return s;
  if (Status s = check_length("DocumentId", r.document_id, 256); !s.ok()) return s;
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"Sender", &r.sender},
        {"Recipient", &r.recipient}}) {
    if (value->empty()) return {"missing-element", std::string(field) + " is missing or empty"};
    if (Result<OrganId> id = OrganId::parse(*value); !id.ok()) {
      return {"invalid-organ-id", std::string(field) + ": " + id.status().message()};
    }
  }
  if (r.outcome.empty()) return {"missing-element", "Outcome is missing or empty"};
  if (r.outcome != "delivered" && r.outcome != "rejected" && r.outcome != "expired") {
    return invalid("Outcome",
                   "\"" + r.outcome.substr(0, 40) + "\" is not delivered, rejected or expired");
  }
  if (r.delivered_sha256_hex.empty())
    return {"missing-element", "DeliveredSha256 is missing or empty"};
  bool hex = r.delivered_sha256_hex.size() == 64;
  for (char c : r.delivered_sha256_hex)
    hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return invalid("DeliveredSha256", "must be 64 lowercase hex digits");
  for (std::size_t i = 0; i < r.hops.size(); ++i) {
    const std::string hop = "Hops/Hop[" + std::to_string(i + 1) + "]/";
    if (Status s = check_length(hop + "Hub", r.hops[i].hub, 128); !s.ok()) return s;
    if (Status s = check_time(hop + "Arrived", r.hops[i].arrived); !s.ok()) return s;
    if (!r.hops[i].forwarded.empty()) {
      if (Status s = check_time(hop + "Forwarded", r.hops[i].forwarded); !s.ok()) return s;
    }
  }
  if (Status s = check_time("IssuedAt", r.issued_at); !s.ok()) return s;
  if (Status s = check_length("IssuerHub", r.issuer_hub, 128); !s.ok()) return s;
  if (r.outcome != "delivered" && r.reason.empty()) {
    return {"missing-element", "Reason is required when Outcome is " + r.outcome};
  }
  if (text::char_count(r.reason) > 1000) return invalid("Reason", "longer than 1000 characters");
  for (const std::string& p : r.policy_relaxations) {
    if (!is_kebab(p))
      return invalid("PolicyRelaxations/Relaxation",
                     "\"" + p.substr(0, 40) + "\" is not a kebab-case name");
  }
  return {};
}

std::string write_receipt(const DeliveryReceipt& r) {
  detail::XmlOut x;
  x.open("DeliveryReceipt", " xmlns=\"" + std::string(kReceiptNamespace) + "\"");
  x.leaf("ReceiptId", r.receipt_id);
  x.leaf("DocumentId", r.document_id);
  x.leaf("Sender", r.sender);
  x.leaf("Recipient", r.recipient);
  x.leaf("Outcome", r.outcome);
  x.leaf("DeliveredSha256", r.delivered_sha256_hex);
  x.element("Hops", [&] {
    for (const DeliveryReceipt::Hop& h : r.hops) {
      x.element(
          "Hop",
          [&] {
            x.leaf("Hub", h.hub);
            x.leaf("Arrived", h.arrived);
            x.leaf("Forwarded", h.forwarded);
          },
          true);
    }
  });
  x.leaf("IssuedAt", r.issued_at);
  x.leaf("IssuerHub", r.issuer_hub);
  x.leaf("Reason", r.reason);
  x.element("PolicyRelaxations", [&] {
    for (const std::string& p : r.policy_relaxations) x.entry("Relaxation", p);
  });
  x.close("DeliveryReceipt");
  return x.take();
}

Result<DeliveryReceipt> read_receipt(const XmlDoc& doc) {
  xmlNodePtr root = doc ? doc.root() : nullptr;
  if (root == nullptr) return Status{"not-receipt", "the document has no root element"};
  if (name_of(root) != "DeliveryReceipt" || ns_of(root) != kReceiptNamespace) {
    return Status{"not-receipt", "root element is <" + std::string(name_of(root).substr(0, 64)) +
                                     ">, expected <DeliveryReceipt> in " +
                                     std::string(kReceiptNamespace)};
  }
  DeliveryReceipt r;
  const Field fields[] = {
      text_field("ReceiptId", &r.receipt_id),
      text_field("DocumentId", &r.document_id),
      text_field("Sender", &r.sender),
      text_field("Recipient", &r.recipient),
      text_field("Outcome", &r.outcome),
      text_field("DeliveredSha256", &r.delivered_sha256_hex),
      {"Hops", false,
       [&r](xmlNodePtr n, const std::string& path) -> Status {
         const Field hop[] = {{"Hop", true, [&r](xmlNodePtr h, const std::string& hp) -> Status {
                                 DeliveryReceipt::Hop& out = r.hops.emplace_back();
                                 const Field parts[] = {text_field("Hub", &out.hub),
                                                        text_field("Arrived", &out.arrived),
                                                        text_field("Forwarded", &out.forwarded)};
                                 return read_sequence(h, hp, parts, false);
                               }}};
         return read_sequence(n, path, hop, false);
       }},
      text_field("IssuedAt", &r.issued_at),
      text_field("IssuerHub", &r.issuer_hub),
      text_field("Reason", &r.reason),
      {"PolicyRelaxations", false,
       [&r](xmlNodePtr n, const std::string& path) -> Status {
         const Field rel[] = {{"Relaxation", true, [&r](xmlNodePtr e, const std::string& ep) {
                                 std::string v;
                                 Status s = text_field("Relaxation", &v).read(e, ep);
                                 r.policy_relaxations.push_back(std::move(v));
                                 return s;
                               }}};
         return read_sequence(n, path, rel, false);
       }},
  };
  if (Status s = read_sequence(root, "/DeliveryReceipt", fields, true); !s.ok()) return s;
  if (Status s = validate_receipt(r); !s.ok()) return s;
  return r;
}

std::string hub_uri(std::string_view hub_name) {
  return std::string(kHubUriPrefix) + std::string(hub_name);
}

Status check_receipt_issuer(const DeliveryReceipt& receipt,
                            const std::vector<std::string>& signer_uris,
                            std::string_view signer_subject) {
  const std::string want = hub_uri(receipt.issuer_hub);
  std::string hubs;
  for (const auto& uri : signer_uris) {
    if (uri == want) return {};
    if (uri.rfind(kHubUriPrefix, 0) == 0) hubs += (hubs.empty() ? "" : ", ") + uri;
  }
  return {"receipt-issuer-mismatch",
          "receipt \"" + receipt.receipt_id + "\" names IssuerHub \"" + receipt.issuer_hub +
              "\" but its signer certificate \"" + std::string(signer_subject) + "\" carries " +
              (hubs.empty() ? std::string("no hub name (subjectAltName URI ") +
                                  std::string(kHubUriPrefix) + "<name>)"
                            : "the hub name(s) " + hubs) +
              ", not " + want + "; only that hub may issue its receipts"};
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace docaxis::edxml
