// Authentication of an axis HTTP API request (the SDK's "XroadVnpt-" headers), as the official
// client SDK signs it: HMAC-SHA256, keyed with the UTF-8 bytes of the system's shared secret,
// over the exact bytes of the `XroadVnpt-sign-header` header value, sent as lowercase hex in
// `XroadVnpt-hash-header`. The sign-header is a compact JSON object of every parameter of the
// request ({"XroadVnpt-<key>":"<value>",...}); after the HMAC holds, the parameters are taken
// from it and from nowhere else. See README.md ("Authentication").
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace docaxis::vxp {

// One request header as received: the name as spelled, the value's raw bytes (never
// re-encoded: the HMAC is over these bytes).
struct Header {
  std::string name;
  std::string value;
};

inline constexpr std::string_view kParamPrefix = "XroadVnpt-";

// The parameters of an authenticated request: the signed JSON's members, prefix removed, in
// the order signed.
class SignedParams {
 public:
  SignedParams() = default;
  SignedParams(std::string system_id, std::vector<std::pair<std::string, std::string>> items)
      : system_id_(std::move(system_id)), items_(std::move(items)) {}

  const std::string& system_id() const { return system_id_; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

  // The value signed for `key` (without the prefix): the member spelled exactly so, else the
  // one member equal to it ignoring ASCII case (the SDK's samples spell `docId` and `docid`);
  // nullptr when there is none, or when several differ only in case and none is exact.
  const std::string* find(std::string_view key) const;

 private:
  std::string system_id_;
  std::vector<std::pair<std::string, std::string>> items_;
};

// The secret of a configured system, or nullptr when the id is not configured.
using SecretLookup = std::function<const std::string*(std::string_view system_id)>;

// Checks the request's signature and returns its signed parameters. Refusal codes (public,
// README.md "Error codes"):
//   auth-header-missing   no XroadVnpt-systemid, -sign-header or -hash-header
//   auth-header-repeated  one of them twice
//   unknown-system        the systemid is not configured
//   bad-hmac              hash-header is not the HMAC of the sign-header bytes under the secret
//   bad-sign-header       the signed bytes are not a flat JSON object of "XroadVnpt-" strings,
//                         name a member twice, or sign another systemid than the header's
//   param-mismatch        a XroadVnpt-<key> header differs from the value signed for <key>
// Headers the signature does not cover are ignored, never used.
Result<SignedParams> authenticate(std::span<const Header> headers, const SecretLookup& secrets);

// The hash-header a client computes: lowercase hex HMAC-SHA256 of `sign_header` under `secret`.
std::string sign_header_mac(std::string_view secret, std::string_view sign_header);

}  // namespace docaxis::vxp
