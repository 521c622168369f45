// The cryptographic half of verification, run after check_profile() accepted the signature's
// shape and the signer certificate was validated. Two interchangeable engines:
//
//  - native: libxml2's C14N driven with a visibility callback (the document minus the one
//    Signature subtree) streamed straight into the digest, then SignedInfo canonicalised
//    into EVP_DigestVerify. It implements exactly the allow-listed profile and nothing
//    else, so there is no transform, URI or key lookup left to abuse. This is the hub's
//    engine: it avoids xmlsec's node-set bookkeeping (a linear search per node).
//  - xmlsec: xmlSecDSigCtxVerify with the validated public key preset as the only key,
//    transforms and URIs restricted to the same allow-list. Kept as an independent
//    cross-check (tests run every fixture through both) and as the benchmark's reference.
//
// Both return ok, or "digest-mismatch" (the signed content changed) or "signature-invalid"
// (SignatureValue does not verify with the key: another key, or SignedInfo altered).
// Thread-safe: no shared mutable state.
#pragma once

#include <openssl/evp.h>

#include <string>

#include "common/status.hpp"
#include "dsig/profile.hpp"

namespace docaxis::dsig {

enum class Engine { kNative, kXmlsec };

Status verify_native(_xmlDoc* doc, const SignatureShape& shape, EVP_PKEY* key,
                     const std::string& signer_subject);
Status verify_xmlsec(_xmlDoc* doc, const SignatureShape& shape, EVP_PKEY* key,
                     const std::string& signer_subject, bool allow_sha1);

}  // namespace docaxis::dsig
