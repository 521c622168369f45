#include "dsig/trust_store.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <limits>

#include "tls/crl_support.hpp"

namespace docaxis::dsig {
namespace {

std::atomic<std::uint64_t> g_next_generation{1};

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
struct StackPopFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

Status signer_policy(X509* leaf, int min_rsa_bits) {
  const std::string who = "\"" + subject_of(leaf) + "\"";
  const uint32_t flags = X509_get_extension_flags(leaf);
  if (flags & EXFLAG_INVALID) {
    return {"cert-usage", "certificate " + who + " has malformed extensions"};
  }
  if (flags & EXFLAG_CA) {
    return {"cert-usage", "certificate " + who +
                              " is a CA certificate (basicConstraints CA:TRUE); a document "
                              "must be signed with an end-entity organ certificate"};
  }
  if (flags & EXFLAG_KUSAGE) {
    const uint32_t ku = X509_get_key_usage(leaf);
    if (ku & KU_KEY_CERT_SIGN) {
      return {"cert-usage", "certificate " + who + " has keyUsage keyCertSign (a CA key)"};
    }
    if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
      return {"cert-usage",
              "certificate " + who + " has neither digitalSignature nor nonRepudiation keyUsage"};
    }
  }
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  if (key == nullptr) return {"cert-usage", "certificate " + who + " has an unreadable key"};
  const int id = EVP_PKEY_get_base_id(key);
  const int bits = EVP_PKEY_get_bits(key);
  if (id == EVP_PKEY_RSA && bits < min_rsa_bits) {
    return {"cert-usage", "certificate " + who + " has an RSA key of " + std::to_string(bits) +
                              " bits; at least " + std::to_string(min_rsa_bits) + " required"};
  }
  if (id == EVP_PKEY_EC && bits < 256) {
    return {"cert-usage", "certificate " + who + " has an EC key of " + std::to_string(bits) +
                              " bits; at least 256 required"};
  }
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
    return {"cert-usage", "certificate " + who + " has a key type that is not RSA or EC"};
  }
  return {};
}

}  // namespace

TrustStore::~TrustStore() { X509_STORE_free(store_); }

Result<std::shared_ptr<const TrustStore>> TrustStore::load(const TrustConfig& config) {
  std::shared_ptr<TrustStore> ts(new TrustStore());
  ts->store_ = X509_STORE_new();
  ts->min_rsa_bits_ = config.min_rsa_bits;
  ts->generation_ = g_next_generation.fetch_add(1);
  if (config.anchor_files.empty()) {
    return Status{"no-trust-anchor", "no trust anchor configured (give at least one --trust PEM)"};
  }
  for (const auto& f : config.anchor_files) {
    auto certs = load_pem_certs(f);
    if (!certs) return certs.status();
    for (auto& c : *certs) X509_STORE_add_cert(ts->store_, c.get());
  }
  for (const auto& f : config.intermediate_files) {
    auto certs = load_pem_certs(f);
    if (!certs) return certs.status();
    for (auto& c : *certs) ts->intermediates_.push_back(std::move(c));
  }
  ts->crl_next_update_ = std::numeric_limits<std::time_t>::max();
  std::vector<X509CrlPtr> all_crls;
  for (const auto& f : config.crl_files) {
    auto crls = load_pem_crls(f);
    if (!crls) return crls.status();
    for (auto& c : *crls) all_crls.push_back(std::move(c));
  }
  if (!config.crl_cache_dir.empty()) {
    for (auto& c : tls::load_crl_cache(config.crl_cache_dir)) all_crls.push_back(std::move(c));
    ts->has_crls_ = true;
  }
  ts->crl_grace_seconds_ = std::max<std::int64_t>(config.crl_grace_seconds, 0);
  for (auto& c : all_crls) {
    X509_STORE_add_crl(ts->store_, c.get());
    if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(c.get())) {
      const std::time_t until = to_time_t(next) + static_cast<std::time_t>(ts->crl_grace_seconds_);
      ts->crl_next_update_ = std::min(ts->crl_next_update_, until);
    }
    ts->has_crls_ = true;
  }
  ERR_clear_error();
  return std::shared_ptr<const TrustStore>(std::move(ts));
}

Result<std::shared_ptr<const ValidatedSigner>> TrustStore::validate(
    X509* leaf, const std::vector<X509*>& presented, std::time_t now) const {
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (X509* c : presented) {
    if (c != leaf) sk_X509_push(untrusted.get(), c);
  }
  for (const auto& c : intermediates_) sk_X509_push(untrusted.get(), c.get());

  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_, leaf, untrusted.get()) != 1) {
    ERR_clear_error();
    return Status{"internal", "cannot initialise certificate path validation"};
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, now);
  // Not X509_V_FLAG_X509_STRICT: it refuses X.509 v1 self-signed anchors, which real trust
  // lists (and the W3C/signxml interop vectors) still contain. OpenSSL's default checks
  // already require CA:TRUE on every issuing certificate of a v3 path.
  unsigned long flags = 0;
  if (has_crls_) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_VERIFY_PARAM_set_flags(param, flags);

  const int ok = tls::verify_cert_with_crl_grace(ctx.get(), crl_grace_seconds_);
  if (ok != 1) {
    Status s =
        tls::path_status(X509_STORE_CTX_get_error(ctx.get()),
                         X509_STORE_CTX_get_current_cert(ctx.get()));
    ERR_clear_error();
    return s;
  }
  if (Status s = signer_policy(leaf, min_rsa_bits_); !s.ok()) return s;

  auto v = std::make_shared<ValidatedSigner>();
  X509_up_ref(leaf);
  v->cert.reset(leaf);
  v->public_key.reset(X509_get_pubkey(leaf));
  v->subject = subject_of(leaf);
  v->organ = uid_of(leaf);
  v->uris = san_uris_of(leaf);
  v->sha256 = tls::certificate_sha256(leaf);
  v->generation = generation_;
  v->not_before = std::numeric_limits<std::time_t>::min();
  v->not_after = has_crls_ ? crl_next_update_ : std::numeric_limits<std::time_t>::max();
  std::unique_ptr<STACK_OF(X509), StackPopFree> chain(X509_STORE_CTX_get1_chain(ctx.get()));
  for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i) {
    X509* c = sk_X509_value(chain.get(), i);
    v->not_before = std::max(v->not_before, to_time_t(X509_get0_notBefore(c)));
    v->not_after = std::min(v->not_after, to_time_t(X509_get0_notAfter(c)));
  }
  return std::shared_ptr<const ValidatedSigner>(std::move(v));
}

}  // namespace docaxis::dsig
