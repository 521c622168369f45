#include "tls/certificate.hpp"

#include "tls/crypto.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

namespace docaxis::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Reads a whole PEM file through a file BIO; file-unreadable when it cannot be opened.
Result<BioPtr> open_pem(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "rb"));
  if (!bio) {
    ERR_clear_error();
    return Status{"file-unreadable", "cannot open " + path};
  }
  return bio;
}

}  // namespace

Result<std::vector<X509Ptr>> load_pem_certs(const std::string& path) {
  auto bio = open_pem(path);
  if (!bio) return bio.status();
  std::vector<X509Ptr> certs;
  while (X509* c = PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr)) certs.emplace_back(c);
  ERR_clear_error();  // the loop ends on a "no start line" error by design
  if (certs.empty()) return Status{"bad-certificate", path + " holds no PEM certificate"};
  return certs;
}

Result<std::vector<X509CrlPtr>> load_pem_crls(const std::string& path) {
  auto bio = open_pem(path);
  if (!bio) return bio.status();
  std::vector<X509CrlPtr> crls;
  while (X509_CRL* c = PEM_read_bio_X509_CRL(bio->get(), nullptr, nullptr, nullptr)) {
    crls.emplace_back(c);
  }
  ERR_clear_error();
  if (crls.empty()) return Status{"bad-crl", path + " holds no PEM CRL"};
  return crls;
}

std::string subject_of(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return n > 0 ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::string organ_uid(const X509* cert) {
  if (cert == nullptr) return {};
  const X509_NAME* name = X509_get_subject_name(cert);
  const int idx = X509_NAME_get_index_by_NID(name, NID_userId, -1);
  if (idx < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string certificate_sha256(const X509* cert) {
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) {
    ERR_clear_error();
    return {};
  }
  const auto d = sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return to_hex(d.data(), d.size());
}

Status path_status(int err, X509* at) {
  const std::string who = at != nullptr ? "\"" + subject_of(at) + "\"" : "the signer certificate";
  const std::string what = X509_verify_cert_error_string(err);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return {"cert-expired", "certificate " + who + " has expired"};
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return {"cert-not-yet-valid", "certificate " + who + " is not yet valid"};
    case X509_V_ERR_CERT_REVOKED:
      return {"cert-revoked", "certificate " + who + " is revoked by its issuer's CRL"};
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
      return {"cert-revocation-unknown", "cannot decide whether " + who + " is revoked: " + what};
    default:
      return {"cert-untrusted",
              "certificate " + who + " does not chain to a configured trust anchor: " + what};
  }
}

}  // namespace docaxis::tls
