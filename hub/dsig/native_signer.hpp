// The signing half of the native engine (engine.hpp): what Signer::sign does with our own
// exclusive C14N and EVP_DigestSign instead of xmlSecDSigCtxSign, which canonicalises
// through libxml2 and xmlsec's node sets and cost the hub's dispatcher about 60 % of its
// time when it signed a receipt per delivery (BENCHMARKS.md, issue 7).
//
// The Signature element is still xmlsec's template (same elements, namespaces and order);
// only its values are computed here. For RSA (PKCS#1 v1.5, deterministic) the output is byte
// for byte the xmlsec engine's, which the signer's tests check.
//
// Thread-safe: works on the caller's tree only.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "dsig/x509_util.hpp"

struct _xmlDoc;
struct _xmlNode;

namespace docaxis::dsig {

// SHA-256 of the exclusive canonical form (no comments) of the whole document. Called before
// the Signature is attached, it is the digest the enveloped-signature transform gives once it
// is. False when our serializer does not handle this tree (entity references, DTD nodes): the
// caller then signs with xmlsec.
bool native_document_digest(_xmlDoc* doc, std::string* digest);

// Base64 as xmlsec writes element content: lines of 64 characters joined by '\n'.
std::string base64_lines(std::string_view bytes);

// The contents of the X509Certificate elements for `cert` then `chain`, as xmlsec writes them.
// They never change for a signer: Signer::load computes them once. Error code: internal.
Result<std::vector<std::string>> x509_certificate_texts(X509* cert,
                                                        const std::vector<X509Ptr>& chain);

// Fills the attached template `signature` (from xmlSecTmplSignatureCreate with one Reference
// and an empty X509Data): DigestValue, one X509Certificate element per entry of
// `certificates` (from x509_certificate_texts), and SignatureValue over SignedInfo's
// exclusive canonical form, RSA-SHA256 or ECDSA-SHA256 (r||s) by key type. Error code:
// internal.
Status native_complete_signature(_xmlDoc* doc, _xmlNode* signature, const std::string& digest,
                                 EVP_PKEY* key, const std::vector<std::string>& certificates);

}  // namespace docaxis::dsig
