// CRL helpers shared by the TLS trust (TlsTrust, ContextTrust) and the signature trust
// (hub/dsig TrustStore): the hub's CRL cache directory (written by hub/crl) and the grace after
// a CRL's nextUpdate during which it is still used.
#pragma once

#include <openssl/x509_vfy.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "tls/certificate.hpp"

namespace docaxis::tls {

// The CRLs of the cache directory: every regular file named `*.crl.pem` (PEM, one CRL or more).
// A missing directory is empty; a file that cannot be read or parsed is skipped (the cache's
// writer, hub/crl, only writes verified CRLs; a broken file costs that issuer its CRL, so its
// certificates are refused, never accepted).
std::vector<X509CrlPtr> load_crl_cache(const std::string& dir);

// X509_verify_cert(ctx), except that a CRL whose nextUpdate has passed by at most
// `grace_seconds` (at the context's verification time) is still accepted. Past the grace the
// usual X509_V_ERR_CRL_HAS_EXPIRED stands (cert-revocation-unknown: fail closed). Keeps and
// still calls the verify callback the context already has (Proton's host-name check).
int verify_cert_with_crl_grace(X509_STORE_CTX* ctx, std::int64_t grace_seconds);

}  // namespace docaxis::tls
