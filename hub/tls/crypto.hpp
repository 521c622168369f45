// The OpenSSL primitives docaxis shares between modules that must not depend on each other:
// digests, hex, base64, private keys. The signature layer (hub/dsig) and the audit log's
// checkpoints (hub/audit) both use them; neither needs the other for them.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::tls {

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
// Lowercase hex.
std::string to_hex(const unsigned char* p, std::size_t n);
std::string sha256_hex(std::string_view bytes);
// HMAC-SHA256 of `message` under the raw bytes of `key`.
Sha256 hmac_sha256(std::string_view key, std::string_view message);
// Equal length and equal bytes, in time that depends only on the length (CRYPTO_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

// A whole file. Code: file-unreadable.
Result<std::string> read_file(const std::string& path);
// The first private key of a PEM file. Codes: file-unreadable, bad-key.
Result<PkeyPtr> load_pem_private_key(const std::string& path);

// Base64 with any whitespace ignored (as found in XML); `error_code` names the failure in the
// caller's vocabulary (dsig: keyinfo-invalid).
Result<std::string> decode_base64(std::string_view text, std::string_view error_code = "bad-base64");
std::string encode_base64(std::string_view bytes);

}  // namespace docaxis::tls
