// The TLS trust of a connection, exactly as configured: trust anchors, untrusted intermediates
// for completing the chains peers present, and CRLs. Never the operating system's CA store.
//
// A TlsTrust is immutable once loaded and shared between threads; a reload (SIGHUP, CRL refresh)
// loads a new one. Error codes of load(): file-unreadable, bad-certificate, bad-crl,
// no-trust-anchor. Error codes of verify(): cert-untrusted, cert-revoked, cert-expired,
// cert-not-yet-valid, cert-revocation-unknown (CRLs configured, none current for an issuer).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "tls/certificate.hpp"

namespace docaxis::tls {

using Chain = std::vector<X509Ptr>;  // leaf first

struct TrustFiles {
  std::vector<std::string> anchors;        // PEM; at least one certificate in all
  std::vector<std::string> intermediates;  // PEM; untrusted, only for path building
  std::vector<std::string> crls;           // PEM; any given turns revocation checking on
  // The hub's CRL cache (hub/crl, `trust.crl_fetch`): its `*.crl.pem` files are loaded too, and
  // a non-empty directory name turns revocation checking on even before any CRL is cached.
  std::string crl_cache_dir = {};
  std::int64_t crl_grace_seconds = 0;  // a CRL is still used this long after its nextUpdate
};

class TlsTrust {
 public:
  static Result<std::shared_ptr<const TlsTrust>> load(const TrustFiles& files);
  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;

  // The store to install on an SSL_CTX (anchors and CRLs, with the CRL flags); a new reference
  // each call, for SSL_CTX_set_cert_store.
  X509_STORE* new_store_reference() const;
  const std::vector<X509Ptr>& intermediates() const { return intermediates_; }
  bool checks_crls() const { return has_crls_; }
  std::int64_t crl_grace_seconds() const { return crl_grace_seconds_; }

  // Re-checks a chain a peer presented earlier (leaf first), at `now`: used to close live
  // connections whose certificate was revoked or expired since their handshake.
  // `client`: the chain is a TLS client's (purpose sslclient), else a server's (sslserver).
  Status verify(const Chain& chain, std::time_t now, bool client = true) const;

 private:
  TlsTrust() = default;
  X509_STORE* store_ = nullptr;
  std::vector<X509Ptr> intermediates_;
  bool has_crls_ = false;
  std::int64_t crl_grace_seconds_ = 0;
};

// SHA-256 of a certificate's DER, lowercase hex (the form Proton's fingerprint has).
std::string sha256_hex(X509* cert);
// The earliest notAfter over a chain (seconds since the epoch; 0 when unknown).
std::time_t chain_not_after(const Chain& chain);

}  // namespace docaxis::tls
