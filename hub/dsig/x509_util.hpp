// Small OpenSSL helpers for the dsig module: RAII handles, PEM loading, names, digests (most
// of them shared with other modules through hub/tls).
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
#include "tls/crypto.hpp"

namespace docaxis::dsig {

// Certificates and CRLs: one set of helpers with the TLS layer (tls/certificate.hpp).
using tls::load_pem_certs;
using tls::load_pem_crls;
using tls::subject_of;
using tls::certificate_sha256;
using tls::X509CrlFree;
using tls::X509CrlPtr;
using tls::X509Free;
using tls::X509Ptr;

// Keys, digests, files and base64: one implementation with the audit log (tls/crypto.hpp).
using tls::load_pem_private_key;
using tls::MdCtxFree;
using tls::MdCtxPtr;
using tls::PkeyFree;
using tls::PkeyPtr;
using tls::read_file;
using tls::sha256;
using tls::Sha256;
using tls::to_hex;
using tls::encode_base64;

// Base64 as found in XML (any whitespace ignored); "keyinfo-invalid" on bad input.
Result<std::string> decode_base64(std::string_view text);

// The subject's UID attribute (OID 0.9.2342.19200300.100.1.1), or "" when absent
// (tls::organ_uid).
std::string uid_of(const X509* cert);
// The certificate's subjectAltName URIs, in order (e.g. "urn:docaxis:hub:h30", the
// machine-readable hub name of certs/README.md); empty when it has none.
std::vector<std::string> san_uris_of(const X509* cert);
// Seconds since the epoch of an ASN1_TIME.
std::time_t to_time_t(const ASN1_TIME* t);

}  // namespace docaxis::dsig
