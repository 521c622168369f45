// The structural and algorithm profile a signature must meet before any cryptography runs
// (hardening classes 1, 3, 4, 5, 6, 7, 10, 11 of shared/notes/xmldsig-hardening.md).
//
// check_profile() inspects the already safely parsed tree: it counts XML-DSig Signature
// elements with an iterative walk, checks where the one signature sits, that SignedInfo has
// exactly one Reference covering the whole document, that every transform and algorithm is
// allow-listed, that there is no ds:Object or Manifest, and that KeyInfo carries only X.509
// certificates (never KeyValue or RetrievalMethod). It returns the pieces the verifier needs.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

struct _xmlNode;
struct _xmlDoc;

namespace docaxis::dsig {

inline constexpr const char* kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

// Where the one signature must be.
enum class Placement {
  kEdxmlHeader,    // last element child of edXML/edXMLEnvelope/edXMLHeader (edXML packages)
  kRootLastChild,  // last element child of the root (docaxis delivery receipts)
  kRootChild,      // any element child of the root (generic enveloped documents, interop)
};

struct ProfileOptions {
  Placement placement = Placement::kEdxmlHeader;
  bool allow_sha1 = false;  // rsa-sha1 / ecdsa-sha1 signatures and sha1 digests
};

struct SignatureShape {
  _xmlNode* signature = nullptr;
  std::string signature_method;  // URI
  std::string digest_method;     // URI
  std::string reference_uri;     // "" or "#id"
  bool uses_sha1 = false;
  std::vector<std::string> certificates_der;  // X509Data/X509Certificate, decoded, in order
  int line = 0;
  // What the cryptographic check needs, collected while checking:
  _xmlNode* signed_info = nullptr;
  std::string c14n_method;              // SignedInfo's CanonicalizationMethod URI
  std::string c14n_prefixes;            // its exc-c14n InclusiveNamespaces PrefixList
  std::string reference_c14n;           // the Reference's canonicalisation transform, or ""
  std::string reference_c14n_prefixes;  // its PrefixList
  std::string digest_value;             // DigestValue text (base64)
  std::string signature_value;          // SignatureValue text (base64)
};

inline constexpr const char* kExcC14nNs = "http://www.w3.org/2001/10/xml-exc-c14n#";

// Result when the document holds no XML-DSig signature at all: code "unsigned"; the message
// mentions a Signature element in another namespace if there is one (the official SDK's).
// Other codes: multiple-signatures, signature-misplaced, signature-malformed,
// reference-invalid, transform-forbidden, algorithm-forbidden, legacy-algorithm,
// object-forbidden, keyinfo-invalid, id-conflict.
Result<SignatureShape> check_profile(_xmlDoc* doc, const ProfileOptions& options);

// Registers the root's ID attribute when the Reference is "#id" (never any other element),
// after checking no other element carries the same value (hardening class 2).
Status register_root_id(_xmlDoc* doc, const std::string& reference_uri);

}  // namespace docaxis::dsig
