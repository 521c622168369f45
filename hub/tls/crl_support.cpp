#include "tls/crl_support.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>
#include <filesystem>
#include <system_error>

namespace docaxis::tls {
namespace {

// Per thread: the grace and the callback the context had, for the one verification running on
// this thread (X509_verify_cert does not nest on a thread except through callbacks, which we
// save and restore around the call).
thread_local std::int64_t t_grace = 0;
thread_local X509_STORE_CTX_verify_cb t_previous = nullptr;

bool within_grace(X509_STORE_CTX* ctx, std::int64_t grace) {
  X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
  if (crl == nullptr) return false;
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  if (next == nullptr) return false;
  const X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  std::time_t now = std::time(nullptr);
  if (X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_USE_CHECK_TIME) {
    now = X509_VERIFY_PARAM_get_time(param);
  }
  struct tm t {};
  if (ASN1_TIME_to_tm(next, &t) != 1) return false;
  const std::time_t next_update = timegm(&t);
  return static_cast<std::int64_t>(now) <= static_cast<std::int64_t>(next_update) + grace;
}

int grace_callback(int ok, X509_STORE_CTX* ctx) {
  if (ok == 0 && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_CRL_HAS_EXPIRED &&
      within_grace(ctx, t_grace)) {
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    ok = 1;
  }
  return t_previous != nullptr ? t_previous(ok, ctx) : ok;
}

}  // namespace

std::vector<X509CrlPtr> load_crl_cache(const std::string& dir) {
  std::vector<X509CrlPtr> out;
  if (dir.empty()) return out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= 8 || name.compare(name.size() - 8, 8, ".crl.pem") != 0) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    auto crls = load_pem_crls(it->path().string());
    if (!crls) continue;
    for (auto& c : *crls) out.push_back(std::move(c));
  }
  ERR_clear_error();
  return out;
}

int verify_cert_with_crl_grace(X509_STORE_CTX* ctx, std::int64_t grace_seconds) {
  if (grace_seconds <= 0) return X509_verify_cert(ctx);
  const std::int64_t saved_grace = t_grace;
  const X509_STORE_CTX_verify_cb saved_previous = t_previous;
  X509_STORE_CTX_verify_cb own = X509_STORE_CTX_get_verify_cb(ctx);
  t_grace = grace_seconds;
  t_previous = own;
  X509_STORE_CTX_set_verify_cb(ctx, grace_callback);
  const int ok = X509_verify_cert(ctx);
  X509_STORE_CTX_set_verify_cb(ctx, own);
  t_grace = saved_grace;
  t_previous = saved_previous;
  return ok;
}

}  // namespace docaxis::tls
