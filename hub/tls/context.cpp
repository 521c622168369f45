#include "tls/context.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "tls/certificate.hpp"
#include "tls/crl_support.hpp"

namespace docaxis::tls {

Status apply_policy(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    ERR_clear_error();
    return {"internal", "cannot apply the TLS policy (TLS >= 1.2, ECDHE)"};
  }
  // No session resumption: a resumed session skips certificate verification, and with it the
  // CRLs and the chain the hub keeps for each connection.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  (void)SSL_CTX_set_num_tickets(ctx, 0);
  return {};
}

Status allow_server_resumption(SSL_CTX* ctx, std::size_t max_sessions,
                               std::chrono::seconds lifetime) {
  if (max_sessions == 0) return {};
  if (SSL_CTX_get_verify_mode(ctx) != SSL_VERIFY_NONE) {
    return {"internal", "session resumption on a context that verifies peer certificates"};
  }
  static const unsigned char kContext[] = "docaxis-http";
  if (SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1) != 1 ||
      SSL_CTX_set_num_tickets(ctx, 1) != 1) {
    ERR_clear_error();
    return {"internal", "cannot enable the TLS session cache"};
  }
  // SSL_OP_NO_TICKET (apply_policy) stays: TLS 1.2 has no tickets, TLS 1.3 stateful ones.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(max_sessions));
  SSL_CTX_set_timeout(ctx, static_cast<long>(lifetime.count()));
  return {};
}

Result<std::unique_ptr<ContextTrust>> ContextTrust::install(SSL_CTX* ctx,
                                                           std::shared_ptr<const TlsTrust> trust,
                                                           Recorder recorder, Refusal refusal) {
  if (ctx == nullptr || !trust) return Status{"internal", "no TLS context to harden"};
  if (Status s = apply_policy(ctx); !s.ok()) return s;
  std::unique_ptr<ContextTrust> t(new ContextTrust(ctx, nullptr, std::move(recorder), std::move(refusal)));
  t->replace(std::move(trust));
  SSL_CTX_set_cert_verify_callback(ctx, &ContextTrust::verify, t.get());
  return t;
}

void ContextTrust::replace(std::shared_ptr<const TlsTrust> trust) {
  std::lock_guard lock(mu_);
  SSL_CTX_set_cert_store(ctx_, trust->new_store_reference());  // frees the previous store
  trust_ = std::move(trust);
  ++generation_;
}

std::uint64_t ContextTrust::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::shared_ptr<const TlsTrust> ContextTrust::trust() const {
  std::lock_guard lock(mu_);
  return trust_;
}

// OpenSSL's certificate verification for every handshake on the context: the presented chain
// plus the configured intermediates as untrusted certificates, then the normal verification
// (which runs Proton's verify callback, e.g. its host-name check).
int ContextTrust::verify(X509_STORE_CTX* xctx, void* arg) {
  auto* self = static_cast<ContextTrust*>(arg);
  std::shared_ptr<const TlsTrust> trust;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(self->mu_);
    trust = self->trust_;
    generation = self->generation_;
  }
  STACK_OF(X509)* presented = X509_STORE_CTX_get0_untrusted(xctx);
  STACK_OF(X509)* extended = presented != nullptr ? sk_X509_dup(presented) : sk_X509_new_null();
  if (extended == nullptr) return 0;
  for (const auto& c : trust->intermediates()) sk_X509_push(extended, c.get());
  X509_STORE_CTX_set0_untrusted(xctx, extended);
  const int ok = verify_cert_with_crl_grace(xctx, trust->crl_grace_seconds());
  if (ok == 1 && self->recorder_) {
    try {  // never let an exception cross OpenSSL's C frames
      Chain chain;
      STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(xctx);
      for (int i = 0; built != nullptr && i < sk_X509_num(built); ++i) {
        X509* c = sk_X509_value(built, i);
        X509_up_ref(c);
        chain.emplace_back(c);  // owns the reference from here, also on a throw below
      }
      if (!chain.empty()) {
        const std::string fp = sha256_hex(chain.front().get());
        self->recorder_(fp, std::move(chain), generation);
      }
    } catch (...) {
    }
  }
  if (ok != 1 && self->refusal_) {
    try {  // never let an exception cross OpenSSL's C frames
      X509* leaf = X509_STORE_CTX_get0_cert(xctx);
      const Status why = path_status(X509_STORE_CTX_get_error(xctx),
                                     X509_STORE_CTX_get_current_cert(xctx));
      self->refusal_(why, leaf != nullptr ? subject_of(leaf) : std::string(),
                     leaf != nullptr ? sha256_hex(leaf) : std::string());
    } catch (...) {
    }
  }
  X509_STORE_CTX_set0_untrusted(xctx, presented);
  sk_X509_free(extended);
  return ok;
}

}  // namespace docaxis::tls
