#include "dsig/x509_util.hpp"

#include "tls/certificate.hpp"

#include <openssl/x509v3.h>

namespace docaxis::dsig {

Result<std::string> decode_base64(std::string_view text) {
  return tls::decode_base64(text, "keyinfo-invalid");
}

std::string uid_of(const X509* cert) { return tls::organ_uid(cert); }

std::vector<std::string> san_uris_of(const X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = g->d.uniformResourceIdentifier;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::time_t to_time_t(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

}  // namespace docaxis::dsig
