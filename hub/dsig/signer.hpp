// Signing of documents and receipts: enveloped XML-DSig, Reference URI="", exclusive C14N,
// RSA-SHA256 or ECDSA-P256-SHA256 (by key type), SHA-256 digest, and X509Data carrying the
// signer certificate followed by its chain. The Signature is appended as the last child of
// edXMLHeader (edXML packages) or of the root (receipts), per `Placement`.
//
// A Signer holds its key for its lifetime; sign() is thread-safe (one context per call).
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "dsig/engine.hpp"
#include "dsig/profile.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::dsig {

class Signer {
 public:
  // key: PEM private key (RSA or EC P-256); cert: PEM signer certificate; chain: PEM files
  // with the issuing certificates (in any order). Error codes: file-unreadable, bad-key,
  // bad-certificate, key-mismatch (the key is not the certificate's).
  static Result<std::unique_ptr<Signer>> load(const std::string& key_file,
                                              const std::string& cert_file,
                                              const std::vector<std::string>& chain_files);

  // Signs the document bytes and returns the signed document (UTF-8). The input is parsed
  // with the same safe parser as verification. Error codes: those of
  // edxml::parse_untrusted, already-signed, signature-misplaced (no edXMLHeader),
  // sender-mismatch (the certificate's UID differs from From/OrganId), internal.
  // `engine`: kNative (default) computes the values with our exclusive C14N and
  // EVP_DigestSign (native_signer.hpp), falling back to xmlsec for trees it does not handle;
  // kXmlsec always uses xmlSecDSigCtxSign. Both write the same Signature.
  Result<std::string> sign(std::string_view document,
                           Placement placement = Placement::kEdxmlHeader,
                           Engine engine = Engine::kNative) const;

  const std::string& subject() const { return subject_; }
  const std::string& organ() const { return organ_; }
  // The signer certificate (owned by the Signer) and its SHA-256 (DER, lower-case hex).
  const X509* certificate() const { return cert_.get(); }
  const std::string& certificate_sha256() const { return cert_sha256_; }
  // The certificate's subjectAltName URIs (a hub's urn:docaxis:hub:<name>).
  std::vector<std::string> uris() const;
  // Checks that the signer certificate chains (with the chain it was loaded with) to `trust`
  // at `now` and passes the signer policy: TrustStore::validate's codes (cert-untrusted,
  // cert-expired, cert-not-yet-valid, cert-revoked, cert-revocation-unknown, cert-usage).
  Status check_trust(const TrustStore& trust, std::time_t now) const;

 private:
  Signer() = default;
  static Result<std::string> serialise(_xmlDoc* doc);
  PkeyPtr key_;
  X509Ptr cert_;
  std::vector<X509Ptr> chain_;
  std::vector<std::string> certificate_texts_;  // X509Data contents, for the native engine
  std::string subject_;
  std::string organ_;
  std::string cert_sha256_;
};

}  // namespace docaxis::dsig
