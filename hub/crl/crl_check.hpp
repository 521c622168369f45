// Parsing and checking a CRL before the hub uses it (hub/crl/README.md, "Verification").
// Pure functions over OpenSSL: no network, no files, no clock (the caller passes `now`).
#pragma once

#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "tls/certificate.hpp"

namespace docaxis::crl {

struct ParsedCrl {
  tls::X509CrlPtr crl;
  std::int64_t this_update = 0;  // seconds since the epoch
  std::int64_t next_update = 0;  // 0 when the CRL has none (refused by check_crl)
  std::string pem;               // the CRL re-encoded as PEM (what the cache holds)
};

// A CRL as DER (what RFC 5280 distribution points serve) or PEM. Codes:
//   crl-too-large  more than `max_bytes`
//   crl-garbage    neither a DER nor a PEM CRL (or bytes after the DER structure)
Result<ParsedCrl> parse_crl(std::string_view bytes, std::size_t max_bytes);

// How far thisUpdate may lie ahead of our clock (the CA's clock may run slightly ahead).
inline constexpr std::int64_t kClockSkewSeconds = 300;

// Whether `crl` may be used as `issuer`'s CRL at `now`. `cached` is the CRL the hub holds for
// that issuer (nullptr: none). `fresh`: a newly fetched CRL must also be current (nextUpdate
// after `now`); a cached one read at start-up need not (the grace policy decides). Codes:
//   crl-wrong-issuer    the CRL's issuer name is not the CA's subject
//   crl-bad-signature   not signed by the CA's key
//   crl-no-next-update  no nextUpdate (RFC 5280 requires one; without it, no expiry policy)
//   crl-from-future     thisUpdate more than kClockSkewSeconds after `now`
//   crl-expired         (fresh only) nextUpdate is not after `now`
//   crl-rollback        older than the cached one: an earlier thisUpdate, or a lower cRLNumber
Status check_crl(const ParsedCrl& crl, X509* issuer, std::int64_t now, const ParsedCrl* cached,
                 bool fresh);

// Whether two CRLs are the same (same DER).
bool same_crl(const ParsedCrl& a, const ParsedCrl& b);

}  // namespace docaxis::crl
