#include "vxp/send_body.hpp"

#include <cctype>

#include "tls/crypto.hpp"

namespace docaxis::vxp {

std::string sdk_hash_file(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const tls::Sha256 d = tls::sha256(bytes);
  std::string out;
  out.reserve(2 * d.size());
  for (unsigned char b : d) {
    if (b >= 0x10) out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Result<std::string_view> package_of_send_body(std::string_view body, std::string_view hash_file) {
  std::string claimed(hash_file);
  for (char& c : claimed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex = !claimed.empty() && claimed.size() <= 64 &&
                   claimed.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (hex) {
    if (body.size() >= 2 && body.substr(body.size() - 2) == "\r\n") {
      const std::string_view stripped = body.substr(0, body.size() - 2);
      if (sdk_hash_file(stripped) == claimed) return stripped;
    }
    if (sdk_hash_file(body) == claimed) return body;
  }
  return Status("hash-file-mismatch",
                "the body's SHA-256 (with or without its final CRLF) is not the signed hash-file");
}

}  // namespace docaxis::vxp
