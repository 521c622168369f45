// The configured trust: anchors, known intermediates and CRLs, and the signer-certificate
// policy that xmlsec does not apply (basicConstraints, keyUsage, key size, organ binding).
//
// A TrustStore is immutable once loaded and safe to share between threads. Changing the
// trust (a new CRL, a removed anchor) means loading a new TrustStore: each one has a unique
// generation, so cached validations made under an older one are never reused.
#pragma once

#include <openssl/x509_vfy.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::dsig {

struct TrustConfig {
  std::vector<std::string> anchor_files;        // PEM, one or more certificates each
  std::vector<std::string> intermediate_files;  // PEM, untrusted helpers for path building
  std::vector<std::string> crl_files;           // PEM CRLs; when any is given, every signer
                                                // certificate's issuer must have a current CRL
  int min_rsa_bits = 2048;
  // The hub's CRL cache (hub/crl, `trust.crl_fetch`): its `*.crl.pem` files are loaded too, and
  // a non-empty directory name turns revocation checking on even before any CRL is cached (an
  // issuer without a CRL is then cert-revocation-unknown: fail closed).
  std::string crl_cache_dir = {};
  std::int64_t crl_grace_seconds = 0;  // a CRL is still used this long after its nextUpdate
};

// A signer certificate that passed every check at `validated_at`. Valid for reuse while
// `not_before <= now < not_after` (the whole chain's validity, narrowed by the CRLs'
// nextUpdate) and while the TrustStore generation is unchanged.
struct ValidatedSigner {
  X509Ptr cert;
  PkeyPtr public_key;
  std::string subject;  // RFC 2253
  std::string organ;    // subject UID, "" when the certificate has none
  std::vector<std::string> uris;  // subjectAltName URIs (a hub's urn:docaxis:hub:<name>)
  std::string sha256;             // SHA-256 of the DER certificate, lower-case hex
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::uint64_t generation = 0;
};

class TrustStore {
 public:
  // Error codes: file-unreadable, bad-certificate, bad-crl, no-trust-anchor.
  static Result<std::shared_ptr<const TrustStore>> load(const TrustConfig& config);
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  // Builds and checks the path from `leaf` (with `presented` as extra untrusted certs) to an
  // anchor at time `now`, honouring CRLs, then applies the signer policy. Error codes:
  //   cert-untrusted          no path to a configured anchor (unknown or look-alike CA, bad
  //                           certificate signature); the message names the certificate
  //   cert-expired / cert-not-yet-valid   a certificate of the path is outside its validity
  //   cert-revoked            a certificate of the path is listed in its issuer's CRL
  //   cert-revocation-unknown CRLs are configured but none is current for an issuer
  //   cert-usage              the signer is a CA, or its keyUsage lacks digitalSignature and
  //                           nonRepudiation, or its key is too weak
  Result<std::shared_ptr<const ValidatedSigner>> validate(X509* leaf,
                                                          const std::vector<X509*>& presented,
                                                          std::time_t now) const;

  std::uint64_t generation() const { return generation_; }
  bool checks_crls() const { return has_crls_; }

 private:
  TrustStore() = default;
  X509_STORE* store_ = nullptr;
  std::vector<X509Ptr> intermediates_;
  bool has_crls_ = false;
  std::time_t crl_next_update_ = 0;  // earliest nextUpdate (+ grace) over all CRLs
  int min_rsa_bits_ = 2048;
  std::int64_t crl_grace_seconds_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace docaxis::dsig
