#include "dsig/profile.hpp"

#include <libxml/tree.h>
#include <libxml/valid.h>

#include <array>
#include <cstring>
#include <string_view>

#include "dsig/x509_util.hpp"
#include "edxml/tree_walk.hpp"

namespace docaxis::dsig {
namespace {

constexpr const char* kEdxmlNs = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
constexpr std::size_t kMaxCertificates = 10;

constexpr std::string_view kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr std::array<std::string_view, 6> kC14n = {
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
};
constexpr std::array<std::string_view, 6> kSignatureMethods = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
};
constexpr std::array<std::string_view, 2> kLegacySignatureMethods = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
};
constexpr std::array<std::string_view, 3> kDigests = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
};
constexpr std::string_view kLegacyDigest = "http://www.w3.org/2000/09/xmldsig#sha1";

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view v) {
  for (auto s : list) {
    if (s == v) return true;
  }
  return false;
}

const char* cstr(const xmlChar* s) { return reinterpret_cast<const char*>(s); }
const xmlChar* xstr(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

using edxml::is_element;
bool is_ds(const xmlNode* n, const char* name) { return is_element(n, kDsigNs, name); }

std::string where(const xmlNode* n) {
  return "<" + std::string(cstr(n->name)) + "> at line " + std::to_string(xmlGetLineNo(n));
}

xmlNode* first_element(xmlNode* n) {
  for (; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) return n;
  }
  return nullptr;
}
xmlNode* next_element(xmlNode* n) { return first_element(n->next); }

bool attribute(const xmlNode* n, const char* name, std::string* out) {
  xmlAttr* a = xmlHasProp(n, xstr(name));
  if (a == nullptr) return false;
  xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
  *out = v != nullptr ? cstr(v) : "";
  xmlFree(v);
  return true;
}

std::string algorithm_of(const xmlNode* n) {
  std::string alg;
  attribute(n, "Algorithm", &alg);
  return alg;
}

std::string content_of(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string s = v != nullptr ? cstr(v) : "";
  xmlFree(v);
  return s;
}

Status check_placement(xmlNode* sig, xmlNode* root, Placement placement) {
  xmlNode* parent = sig->parent;
  const bool last = next_element(sig) == nullptr;
  switch (placement) {
    case Placement::kEdxmlHeader: {
      const bool ok = is_element(parent, kEdxmlNs, "edXMLHeader") &&
                      is_element(parent->parent, kEdxmlNs, "edXMLEnvelope") &&
                      parent->parent->parent == root && is_element(root, kEdxmlNs, "edXML");
      if (!ok) {
        return {"signature-misplaced", "the Signature " + where(sig) +
                                           " must be the last child of "
                                           "edXML/edXMLEnvelope/edXMLHeader"};
      }
      if (!last) {
        return {"signature-misplaced",
                "the Signature " + where(sig) + " is not the last child of edXMLHeader"};
      }
      return {};
    }
    case Placement::kRootLastChild:
      if (parent != root || !last) {
        return {"signature-misplaced",
                "the Signature " + where(sig) + " must be the last child of the root element"};
      }
      return {};
    case Placement::kRootChild:
      if (parent != root) {
        return {"signature-misplaced",
                "the Signature " + where(sig) + " must be a child of the root element (enveloped)"};
      }
      return {};
  }
  return {};
}

Status check_algorithm(const std::string& alg, const xmlNode* at, bool allow_sha1,
                       bool* uses_sha1) {
  const std::string ctx = " in " + where(at);
  if (alg.find("hmac") != std::string::npos) {
    return {"algorithm-forbidden", "HMAC (" + alg + ")" + ctx +
                                       " is not accepted: documents must be signed with an "
                                       "X.509 certificate key"};
  }
  if (in(kLegacySignatureMethods, alg) || alg == kLegacyDigest) {
    *uses_sha1 = true;
    if (!allow_sha1) {
      return {"legacy-algorithm", "SHA-1 (" + alg + ")" + ctx +
                                      " is refused unless the legacy SHA-1 policy is enabled"};
    }
    return {};
  }
  if (in(kSignatureMethods, alg) || in(kDigests, alg)) return {};
  return {"algorithm-forbidden", "algorithm \"" + alg + "\"" + ctx + " is not on the allow-list"};
}

// The only parameter accepted anywhere: exc-c14n's InclusiveNamespaces PrefixList.
Status inclusive_prefixes(xmlNode* method, const std::string& alg, std::string* out) {
  for (xmlNode* p = first_element(method->children); p != nullptr; p = next_element(p)) {
    if (alg.find("exc-c14n") == std::string::npos ||
        !is_element(p, kExcC14nNs, "InclusiveNamespaces") || !out->empty()) {
      return {"transform-forbidden",
              "parameter " + where(p) + " of \"" + alg + "\" is not accepted"};
    }
    attribute(p, "PrefixList", out);
    if (out->empty()) *out = " ";  // present but empty: still only one allowed
  }
  return {};
}

Status check_reference(xmlNode* ref, SignatureShape* shape, bool allow_sha1) {
  if (!attribute(ref, "URI", &shape->reference_uri)) {
    return {"reference-invalid", "the Reference " + where(ref) +
                                     " has no URI; it must be URI=\"\" (the whole document)"};
  }
  const std::string& uri = shape->reference_uri;
  if (!uri.empty() && (uri[0] != '#' || uri.size() == 1 || uri.find('(') != std::string::npos)) {
    return {"reference-invalid", "Reference URI=\"" + uri + "\" " + where(ref) +
                                     " does not cover the whole document; only URI=\"\" or "
                                     "the root's #id is accepted"};
  }
  bool enveloped = false;
  bool have_digest = false;
  for (xmlNode* c = first_element(ref->children); c != nullptr; c = next_element(c)) {
    if (is_ds(c, "Transforms")) {
      int count = 0;
      for (xmlNode* t = first_element(c->children); t != nullptr; t = next_element(t)) {
        if (!is_ds(t, "Transform") || ++count > 2) {
          return {"transform-forbidden",
                  "unexpected " + where(t) +
                      " in Transforms; only enveloped-signature then one canonicalisation"};
        }
        const std::string alg = algorithm_of(t);
        if (alg == kEnveloped) {
          if (enveloped || !shape->reference_c14n.empty()) {
            return {"transform-forbidden",
                    "enveloped-signature " + where(t) + " must come first and only once"};
          }
          enveloped = true;
        } else if (in(kC14n, alg)) {
          if (!shape->reference_c14n.empty()) {
            return {"transform-forbidden",
                    "a second canonicalisation transform " + where(t) + " is not accepted"};
          }
          shape->reference_c14n = alg;
        } else {
          return {"transform-forbidden",
                  "transform \"" + alg + "\" " + where(t) +
                      " is not allowed; only enveloped-signature and canonicalisation are"};
        }
        if (Status s = inclusive_prefixes(t, alg, &shape->reference_c14n_prefixes); !s.ok()) {
          return s;
        }
      }
    } else if (is_ds(c, "DigestMethod")) {
      have_digest = true;
      shape->digest_method = algorithm_of(c);
      if (Status s = check_algorithm(shape->digest_method, c, allow_sha1, &shape->uses_sha1);
          !s.ok()) {
        return s;
      }
    } else if (is_ds(c, "DigestValue")) {
      shape->digest_value = content_of(c);
    } else {
      return {"signature-malformed", "unexpected " + where(c) + " in Reference"};
    }
  }
  if (!have_digest)
    return {"signature-malformed", "the Reference " + where(ref) + " has no DigestMethod"};
  if (!enveloped) {
    return {"reference-invalid", "the Reference " + where(ref) +
                                     " lacks the enveloped-signature transform; only enveloped "
                                     "signatures are accepted"};
  }
  return {};
}

Status check_signed_info(xmlNode* si, SignatureShape* shape, bool allow_sha1) {
  int references = 0;
  bool have_c14n = false;
  bool have_method = false;
  for (xmlNode* c = first_element(si->children); c != nullptr; c = next_element(c)) {
    if (is_ds(c, "CanonicalizationMethod")) {
      have_c14n = true;
      const std::string alg = algorithm_of(c);
      if (!in(kC14n, alg)) {
        return {"algorithm-forbidden",
                "canonicalisation \"" + alg + "\" " + where(c) + " is not on the allow-list"};
      }
      shape->c14n_method = alg;
      if (Status s = inclusive_prefixes(c, alg, &shape->c14n_prefixes); !s.ok()) return s;
    } else if (is_ds(c, "SignatureMethod")) {
      have_method = true;
      shape->signature_method = algorithm_of(c);
      if (first_element(c->children) != nullptr) {
        return {"algorithm-forbidden", "SignatureMethod " + where(c) +
                                           " has parameters (e.g. HMACOutputLength); none are "
                                           "accepted"};
      }
      if (Status s = check_algorithm(shape->signature_method, c, allow_sha1, &shape->uses_sha1);
          !s.ok()) {
        return s;
      }
    } else if (is_ds(c, "Reference")) {
      if (++references > 1) {
        return {"reference-invalid", "SignedInfo has more than one Reference (second " + where(c) +
                                         "); exactly one covering the whole "
                                         "document is accepted"};
      }
      if (Status s = check_reference(c, shape, allow_sha1); !s.ok()) return s;
    } else {
      return {"signature-malformed", "unexpected " + where(c) + " in SignedInfo"};
    }
  }
  if (!have_c14n || !have_method) {
    return {"signature-malformed",
            "SignedInfo " + where(si) + " lacks CanonicalizationMethod or SignatureMethod"};
  }
  if (references == 0) {
    return {"reference-invalid", "SignedInfo " + where(si) + " has no Reference"};
  }
  return {};
}

Status check_key_info(xmlNode* ki, SignatureShape* shape) {
  int x509_data = 0;
  for (xmlNode* c = first_element(ki->children); c != nullptr; c = next_element(c)) {
    if (is_ds(c, "KeyName")) continue;  // never used to look a key up, so harmless
    if (!is_ds(c, "X509Data")) {
      return {"keyinfo-invalid", where(c) +
                                     " in KeyInfo is not accepted: the key must come from an "
                                     "X.509 certificate in X509Data (never KeyValue or "
                                     "RetrievalMethod)"};
    }
    if (++x509_data > 1) return {"keyinfo-invalid", "KeyInfo has more than one X509Data"};
    for (xmlNode* d = first_element(c->children); d != nullptr; d = next_element(d)) {
      if (is_ds(d, "X509Certificate")) {
        if (shape->certificates_der.size() >= kMaxCertificates) {
          return {"keyinfo-invalid",
                  "X509Data holds more than " + std::to_string(kMaxCertificates) + " certificates"};
        }
        auto der = decode_base64(content_of(d));
        if (!der) {
          return {"keyinfo-invalid", "X509Certificate " + where(d) + ": " + der.status().message()};
        }
        shape->certificates_der.push_back(std::move(der).value());
      } else if (!is_ds(d, "X509IssuerSerial") && !is_ds(d, "X509SubjectName") &&
                 !is_ds(d, "X509SKI") && !is_ds(d, "X509CRL")) {
        return {"keyinfo-invalid", "unexpected " + where(d) + " in X509Data"};
      }
    }
  }
  if (shape->certificates_der.empty()) {
    return {"keyinfo-invalid", "KeyInfo " + where(ki) +
                                   " carries no X509Certificate; the signer certificate must "
                                   "travel with the document"};
  }
  return {};
}

}  // namespace

Result<SignatureShape> check_profile(xmlDoc* doc, const ProfileOptions& options) {
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return Status{"signature-malformed", "document has no root element"};

  // Iterative walk over every element: count XML-DSig Signatures (class 11).
  std::vector<xmlNode*> signatures;
  xmlNode* foreign = nullptr;
  edxml::for_each_element(root, [&](xmlNode* n) {
    if (is_ds(n, "Signature")) {
      signatures.push_back(n);
    } else if (foreign == nullptr && std::strcmp(cstr(n->name), "Signature") == 0) {
      foreign = n;
    }
    return true;
  });

  if (signatures.empty()) {
    std::string msg =
        "the document carries no XML-DSig Signature (namespace " + std::string(kDsigNs) + ")";
    if (foreign != nullptr) {
      msg += "; the <Signature> at line " + std::to_string(xmlGetLineNo(foreign)) +
             " is in namespace \"" +
             (foreign->ns != nullptr ? std::string(cstr(foreign->ns->href)) : std::string()) +
             "\", not XML-DSig (as the official SDK writes it), so it cannot be verified";
    }
    return Status{"unsigned", msg};
  }
  if (signatures.size() > 1) {
    std::string lines;
    for (xmlNode* s : signatures) {
      lines += (lines.empty() ? "" : ", ") + std::to_string(xmlGetLineNo(s));
    }
    return Status{"multiple-signatures", std::to_string(signatures.size()) +
                                             " XML-DSig Signature elements (lines " + lines +
                                             "); exactly one is accepted"};
  }

  SignatureShape shape;
  shape.signature = signatures.front();
  shape.line = static_cast<int>(xmlGetLineNo(shape.signature));
  if (Status s = check_placement(shape.signature, root, options.placement); !s.ok()) return s;

  xmlNode* si = first_element(shape.signature->children);
  if (!is_ds(si, "SignedInfo")) {
    return Status{"signature-malformed", "the first child of Signature must be SignedInfo"};
  }
  xmlNode* sv = next_element(si);
  if (!is_ds(sv, "SignatureValue")) {
    return Status{"signature-malformed", "SignedInfo must be followed by SignatureValue"};
  }
  xmlNode* ki = next_element(sv);
  if (ki != nullptr && !is_ds(ki, "KeyInfo")) {
    if (is_ds(ki, "Object")) {
      return Status{"keyinfo-invalid", "the Signature has no KeyInfo with the signer certificate"};
    }
    return Status{"signature-malformed", "unexpected " + where(ki) + " after SignatureValue"};
  }
  if (ki == nullptr) {
    return Status{"keyinfo-invalid", "the Signature has no KeyInfo with the signer certificate"};
  }
  if (xmlNode* extra = next_element(ki); extra != nullptr) {
    if (is_ds(extra, "Object")) {
      return Status{"object-forbidden",
                    "ds:Object " + where(extra) +
                        " is not accepted: an enveloped document signature carries no Object "
                        "(nor Manifest)"};
    }
    return Status{"signature-malformed", "unexpected " + where(extra) + " in Signature"};
  }
  shape.signed_info = si;
  shape.signature_value = content_of(sv);
  if (Status s = check_signed_info(si, &shape, options.allow_sha1); !s.ok()) return s;
  if (Status s = check_key_info(ki, &shape); !s.ok()) return s;
  return shape;
}

Status register_root_id(xmlDoc* doc, const std::string& reference_uri) {
  if (reference_uri.empty()) return {};
  const std::string id = reference_uri.substr(1);
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlAttr* root_attr = nullptr;
  int holders = 0;
  // Every attribute that could act as an ID (Id, ID, id, xml:id) anywhere in the tree.
  edxml::for_each_element(root, [&](xmlNode* n) {
    for (xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const char* name = cstr(a->name);
      if (std::strcmp(name, "Id") != 0 && std::strcmp(name, "ID") != 0 &&
          std::strcmp(name, "id") != 0) {
        continue;
      }
      xmlChar* v = xmlNodeListGetString(doc, a->children, 1);
      const bool same = v != nullptr && id == cstr(v);
      xmlFree(v);
      if (same) {
        ++holders;
        if (n == root) root_attr = a;
      }
    }
    return true;
  });
  if (root_attr == nullptr) {
    return {"reference-invalid", "Reference URI=\"" + reference_uri +
                                     "\" does not name the root element; only the whole "
                                     "document may be signed"};
  }
  if (holders > 1) {
    return {"id-conflict", "ID \"" + id + "\" is carried by " + std::to_string(holders) +
                               " elements; IDs must be unique"};
  }
  xmlChar* v = xmlNodeListGetString(doc, root_attr->children, 1);
  xmlAddID(nullptr, doc, v, root_attr);
  xmlFree(v);
  return {};
}

}  // namespace docaxis::dsig
