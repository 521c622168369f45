// Certificates made by a test, issued by a test PKI CA (e.g. <pki>/intermediate-ca.{crt,key}),
// for what the fixed PKI does not hold: a certificate expiring in a few days, a second key for
// the same hub (a key rollover). OpenSSL only; test support, never installed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::test {

struct CertSpec {
  std::string common_name;           // subject C=VN, O=docaxis test PKI, CN=<common_name>
  std::int64_t not_before_offset = -3600;      // seconds from now
  std::int64_t not_after_offset = 365 * 86400;  // seconds from now
  std::vector<std::string> san_uris;           // e.g. urn:docaxis:hub:h30 (plus DNS:localhost)
  long serial = 0;                             // 0: random
};

// Writes a new EC P-256 key to <base>.key and its certificate (digitalSignature, CA:FALSE,
// issued by issuer_cert/issuer_key, PEM files) to <base>.crt. Codes: internal, file-unreadable.
Status issue_ec_certificate(const std::string& issuer_cert, const std::string& issuer_key,
                            const std::string& base, const CertSpec& spec);

}  // namespace docaxis::test
