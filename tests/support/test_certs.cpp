#include "test_certs.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace docaxis::test {
namespace {

struct Del {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};

Status fail(const std::string& what) {
  ERR_clear_error();
  return Status("internal", "issue_ec_certificate: " + what);
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

Status issue_ec_certificate(const std::string& issuer_cert, const std::string& issuer_key,
                            const std::string& base, const CertSpec& spec) {
  std::unique_ptr<FILE, Del> fc(std::fopen(issuer_cert.c_str(), "r"));
  std::unique_ptr<FILE, Del> fk(std::fopen(issuer_key.c_str(), "r"));
  if (!fc || !fk) return Status("file-unreadable", "cannot open " + issuer_cert + " or " + issuer_key);
  std::unique_ptr<X509, Del> ca(PEM_read_X509(fc.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_PKEY, Del> ca_key(PEM_read_PrivateKey(fk.get(), nullptr, nullptr, nullptr));
  if (!ca || !ca_key) return fail("cannot read the issuer");

  std::unique_ptr<EVP_PKEY, Del> key(EVP_EC_gen("P-256"));
  if (!key) return fail("cannot generate a key");
  std::unique_ptr<X509, Del> cert(X509_new());
  X509_set_version(cert.get(), 2);
  long serial = spec.serial;
  if (serial == 0) {
    unsigned char r[4];
    RAND_bytes(r, sizeof r);
    serial = 1 + ((static_cast<long>(r[0]) << 16) | (r[1] << 8) | r[2]);
  }
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before_offset);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after_offset);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("VN"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("docaxis test PKI"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  std::string san = "DNS:localhost,IP:127.0.0.1";
  for (const auto& u : spec.san_uris) san += ",URI:" + u;
  if (!add_ext(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !add_ext(cert.get(), ca.get(), NID_subject_alt_name, san) ||
      !add_ext(cert.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      !add_ext(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always")) {
    return fail("cannot add an extension");
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0) return fail("cannot sign");

  std::unique_ptr<FILE, Del> ok(std::fopen((base + ".key").c_str(), "w"));
  std::unique_ptr<FILE, Del> oc(std::fopen((base + ".crt").c_str(), "w"));
  if (!ok || !oc) return Status("file-unreadable", "cannot write " + base + ".{key,crt}");
  if (PEM_write_PrivateKey(ok.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_X509(oc.get(), cert.get()) != 1) {
    return fail("cannot write PEM");
  }
  return Status();
}

}  // namespace docaxis::test
