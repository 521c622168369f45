#include "crl/crl_check.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

#include "common/time_text.hpp"

namespace docaxis::crl {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct IntFree {
  void operator()(ASN1_INTEGER* i) const { ASN1_INTEGER_free(i); }
};

bool to_seconds(const ASN1_TIME* t, std::int64_t& out) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  out = static_cast<std::int64_t>(timegm(&tm));
  return true;
}

std::string der_of(X509_CRL* crl) {
  unsigned char* der = nullptr;
  const int n = i2d_X509_CRL(crl, &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::unique_ptr<ASN1_INTEGER, IntFree> crl_number(X509_CRL* crl) {
  return std::unique_ptr<ASN1_INTEGER, IntFree>(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
}

}  // namespace

Result<ParsedCrl> parse_crl(std::string_view bytes, std::size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return Status{"crl-too-large", std::to_string(bytes.size()) + " bytes; at most " +
                                       std::to_string(max_bytes) + " accepted"};
  }
  ParsedCrl out;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
  if (crl != nullptr && p != reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()) {
    X509_CRL_free(crl);  // trailing bytes after the DER structure
    crl = nullptr;
  }
  if (crl == nullptr && bytes.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    if (bio) crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  }
  ERR_clear_error();
  if (crl == nullptr) return Status{"crl-garbage", "the response is neither a DER nor a PEM CRL"};
  out.crl.reset(crl);
  if (!to_seconds(X509_CRL_get0_lastUpdate(crl), out.this_update)) {
    return Status{"crl-garbage", "the CRL's thisUpdate cannot be read"};
  }
  if (X509_CRL_get0_nextUpdate(crl) != nullptr &&
      !to_seconds(X509_CRL_get0_nextUpdate(crl), out.next_update)) {
    return Status{"crl-garbage", "the CRL's nextUpdate cannot be read"};
  }
  std::unique_ptr<BIO, BioFree> pem(BIO_new(BIO_s_mem()));
  if (!pem || PEM_write_bio_X509_CRL(pem.get(), crl) != 1) {
    ERR_clear_error();
    return Status{"internal", "cannot encode the CRL as PEM"};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(pem.get(), &data);
  out.pem.assign(data, static_cast<std::size_t>(n));
  return out;
}

Status check_crl(const ParsedCrl& c, X509* issuer, std::int64_t now, const ParsedCrl* cached,
                 bool fresh) {
  X509_CRL* crl = c.crl.get();
  if (crl == nullptr || issuer == nullptr) return {"internal", "no CRL or no issuer"};
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
    return {"crl-wrong-issuer", "the CRL's issuer is not \"" + tls::subject_of(issuer) + "\""};
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const int verified = key != nullptr ? X509_CRL_verify(crl, key) : -1;
  ERR_clear_error();
  if (verified != 1) {
    return {"crl-bad-signature",
            "the CRL is not signed by the key of \"" + tls::subject_of(issuer) + "\""};
  }
  if (X509_CRL_get0_nextUpdate(crl) == nullptr || c.next_update == 0) {
    return {"crl-no-next-update", "the CRL has no nextUpdate"};
  }
  if (c.this_update > now + kClockSkewSeconds) {
    return {"crl-from-future", "thisUpdate " + iso_utc_s(c.this_update) + " is in the future"};
  }
  if (fresh && c.next_update <= now) {
    return {"crl-expired", "nextUpdate " + iso_utc_s(c.next_update) + " has passed"};
  }
  if (cached != nullptr && cached->crl) {
    if (c.this_update < cached->this_update) {
      return {"crl-rollback", "thisUpdate " + iso_utc_s(c.this_update) +
                                  " is older than the cached CRL's " + iso_utc_s(cached->this_update)};
    }
    auto mine = crl_number(crl);
    auto theirs = crl_number(cached->crl.get());
    ERR_clear_error();
    if (mine && theirs && ASN1_INTEGER_cmp(mine.get(), theirs.get()) < 0) {
      return {"crl-rollback", "its cRLNumber is lower than the cached CRL's"};
    }
  }
  return {};
}

bool same_crl(const ParsedCrl& a, const ParsedCrl& b) {
  if (!a.crl || !b.crl) return false;
  return der_of(a.crl.get()) == der_of(b.crl.get());
}

}  // namespace docaxis::crl
