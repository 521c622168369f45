#include "tls/trust.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "tls/crl_support.hpp"

namespace docaxis::tls {
namespace {

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

}  // namespace

std::string sha256_hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0xf]);
  }
  return out;
}

std::time_t chain_not_after(const Chain& chain) {
  std::time_t earliest = 0;
  for (const auto& c : chain) {
    struct tm t {};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(c.get()), &t) != 1) continue;
    const std::time_t v = timegm(&t);
    if (earliest == 0 || v < earliest) earliest = v;
  }
  return earliest;
}

Result<std::shared_ptr<const TlsTrust>> TlsTrust::load(const TrustFiles& files) {
  std::shared_ptr<TlsTrust> t(new TlsTrust());
  t->store_ = X509_STORE_new();
  if (t->store_ == nullptr) return Status{"internal", "cannot allocate a certificate store"};
  std::size_t anchors = 0;
  for (const auto& f : files.anchors) {
    auto certs = load_pem_certs(f);
    if (!certs) return certs.status();
    for (auto& c : *certs) {
      X509_STORE_add_cert(t->store_, c.get());  // takes its own reference
      ++anchors;
    }
  }
  ERR_clear_error();  // duplicates across files are harmless
  if (anchors == 0) return Status{"no-trust-anchor", "no trust anchor is configured"};
  for (const auto& f : files.intermediates) {
    auto certs = load_pem_certs(f);
    if (!certs) return certs.status();
    for (auto& c : *certs) t->intermediates_.push_back(std::move(c));
  }
  for (const auto& f : files.crls) {
    auto crls = load_pem_crls(f);
    if (!crls) return crls.status();
    for (auto& c : *crls) X509_STORE_add_crl(t->store_, c.get());
    t->has_crls_ = true;
  }
  if (!files.crl_cache_dir.empty()) {
    for (auto& c : load_crl_cache(files.crl_cache_dir)) X509_STORE_add_crl(t->store_, c.get());
    t->has_crls_ = true;
  }
  t->crl_grace_seconds_ = files.crl_grace_seconds;
  ERR_clear_error();
  if (t->has_crls_) {
    X509_STORE_set_flags(t->store_, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  return std::shared_ptr<const TlsTrust>(std::move(t));
}

TlsTrust::~TlsTrust() {
  if (store_ != nullptr) X509_STORE_free(store_);
}

X509_STORE* TlsTrust::new_store_reference() const {
  X509_STORE_up_ref(store_);
  return store_;
}

Status TlsTrust::verify(const Chain& chain, std::time_t now, bool client) const {
  if (chain.empty()) return {"cert-untrusted", "no certificate"};
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  for (const auto& c : intermediates_) sk_X509_push(untrusted.get(), c.get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_, chain[0].get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return {"internal", "cannot initialise certificate path validation"};
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), now);
  X509_STORE_CTX_set_purpose(ctx.get(), client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
  if (verify_cert_with_crl_grace(ctx.get(), crl_grace_seconds_) != 1) {
    Status s = path_status(X509_STORE_CTX_get_error(ctx.get()),
                           X509_STORE_CTX_get_current_cert(ctx.get()));
    ERR_clear_error();
    return s;
  }
  return {};
}

}  // namespace docaxis::tls
