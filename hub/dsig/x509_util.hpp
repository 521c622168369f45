// Small OpenSSL helpers for the dsig module: RAII handles, PEM loading, names, digests.
// OpenSSL types stay inside hub/dsig; nothing here is part of another module's API.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::dsig {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

using Sha256 = std::array<unsigned char, 32>;
Sha256 sha256(std::string_view bytes);
std::string to_hex(const unsigned char* p, std::size_t n);

Result<std::string> read_file(const std::string& path);
// Every certificate / CRL in a PEM file; an empty file or a file with none is an error.
Result<std::vector<X509Ptr>> load_pem_certs(const std::string& path);
Result<std::vector<X509CrlPtr>> load_pem_crls(const std::string& path);
Result<PkeyPtr> load_pem_private_key(const std::string& path);

// Base64 as found in XML (any whitespace ignored); "keyinfo-invalid" on bad input.
Result<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

// RFC 2253 subject, e.g. "UID=000.00.13.H30,CN=Organ,O=docaxis test PKI,C=VN".
std::string subject_of(const X509* cert);
// The subject's UID attribute (OID 0.9.2342.19200300.100.1.1), or "" when absent.
std::string uid_of(const X509* cert);
// The certificate's subjectAltName URIs, in order (e.g. "urn:docaxis:hub:h30", the
// machine-readable hub name of certs/README.md); empty when it has none.
std::vector<std::string> san_uris_of(const X509* cert);
// Seconds since the epoch of an ASN1_TIME.
std::time_t to_time_t(const ASN1_TIME* t);

}  // namespace docaxis::dsig
