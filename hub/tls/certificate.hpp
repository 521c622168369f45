// What docaxis reads from certificates, one implementation for the TLS layer (who is this
// connection) and the signature layer (hub/dsig: who signed this package).
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::tls {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;

// Every certificate / CRL in a PEM file; an empty file or a file with none is an error.
// Codes: file-unreadable, bad-certificate, bad-crl.
Result<std::vector<X509Ptr>> load_pem_certs(const std::string& path);
Result<std::vector<X509CrlPtr>> load_pem_crls(const std::string& path);

// The subject as RFC 2253 text (UTF-8 kept as is).
std::string subject_of(const X509* cert);
// The organ id: the subject's UID attribute (OID 0.9.2342.19200300.100.1.1, certs/README.md)
// as UTF-8; "" when it has none (hub certificates) or it cannot be read.
std::string organ_uid(const X509* cert);

// SHA-256 of the DER certificate, 64 lower-case hex digits ("" if it cannot be encoded): the
// fingerprint a connection identity, the inventory and the key rollover events use.
std::string certificate_sha256(const X509* cert);

// An OpenSSL path-validation error as a docaxis Status naming the certificate concerned:
// cert-expired, cert-not-yet-valid, cert-revoked, cert-revocation-unknown (no current or no
// valid CRL), cert-untrusted (anything else: no path to a configured anchor).
Status path_status(int x509_error, X509* cert);

}  // namespace docaxis::tls
