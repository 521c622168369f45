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
#include "tls/certificate.hpp"

namespace docaxis::dsig {

// Certificates and CRLs: one set of helpers with the TLS layer (tls/certificate.hpp).
using tls::load_pem_certs;
using tls::load_pem_crls;
using tls::subject_of;
using tls::X509CrlFree;
using tls::X509CrlPtr;
using tls::X509Free;
using tls::X509Ptr;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

using Sha256 = std::array<unsigned char, 32>;
Sha256 sha256(std::string_view bytes);
std::string to_hex(const unsigned char* p, std::size_t n);

Result<std::string> read_file(const std::string& path);
Result<PkeyPtr> load_pem_private_key(const std::string& path);

// Base64 as found in XML (any whitespace ignored); "keyinfo-invalid" on bad input.
Result<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

// The subject's UID attribute (OID 0.9.2342.19200300.100.1.1), or "" when absent
// (tls::organ_uid).
std::string uid_of(const X509* cert);
// The certificate's subjectAltName URIs, in order (e.g. "urn:docaxis:hub:h30", the
// machine-readable hub name of certs/README.md); empty when it has none.
std::vector<std::string> san_uris_of(const X509* cert);
// Seconds since the epoch of an ASN1_TIME.
std::time_t to_time_t(const ASN1_TIME* t);

}  // namespace docaxis::dsig
