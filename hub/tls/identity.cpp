#include "tls/identity.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>

namespace docaxis::tls {

Result<std::shared_ptr<const Identity>> Identity::load(const IdentityFiles& files,
                                                       std::int64_t now) {
  std::shared_ptr<Identity> id(new Identity());
  std::string leaf_file;
  for (const std::string& f : files.cert_files) {
    if (f.empty()) continue;
    auto certs = load_pem_certs(f);
    if (!certs) return certs.status();
    if (leaf_file.empty()) leaf_file = f;
    for (auto& c : *certs) id->certs_.push_back(std::move(c));
  }
  if (id->certs_.empty()) return Status{"bad-certificate", "no certificate file is configured"};
  auto key = load_pem_private_key(files.key_file);
  if (!key) return key.status();
  id->key_ = std::move(*key);
  X509* leaf = id->leaf();
  if (X509_check_private_key(leaf, id->key_.get()) != 1) {
    ERR_clear_error();
    return Status{"key-mismatch", files.key_file + " is not the private key of the certificate " +
                                      subject_of(leaf) + " in " + leaf_file};
  }
  std::time_t t = static_cast<std::time_t>(now);
  const int after = X509_cmp_time(X509_get0_notAfter(leaf), &t);
  const int before = X509_cmp_time(X509_get0_notBefore(leaf), &t);
  if (after == 0 || before == 0) {
    ERR_clear_error();
    return Status{"bad-certificate", leaf_file + ": unreadable validity dates"};
  }
  if (after < 0) {
    return Status{"cert-expired",
                  "the certificate " + subject_of(leaf) + " in " + leaf_file + " has expired"};
  }
  if (before > 0) {
    return Status{"cert-not-yet-valid",
                  "the certificate " + subject_of(leaf) + " in " + leaf_file + " is not valid yet"};
  }
  id->chain_ = sk_X509_new_null();
  if (id->chain_ == nullptr) return Status{"internal", "out of memory"};
  for (std::size_t i = 1; i < id->certs_.size(); ++i) {
    if (sk_X509_push(id->chain_, id->certs_[i].get()) <= 0) {
      return Status{"internal", "out of memory"};
    }
    X509_up_ref(id->certs_[i].get());
  }
  id->sha256_ = certificate_sha256(leaf);
  return std::shared_ptr<const Identity>(std::move(id));
}

Identity::~Identity() {
  if (chain_ != nullptr) sk_X509_pop_free(chain_, X509_free);
}

bool Identity::use_on(SSL* ssl) const {
  // override=1: replaces what the SSL object copied from its context. The chain is copied.
  if (SSL_use_cert_and_key(ssl, leaf(), key_.get(), chain_, 1) == 1) return true;
  ERR_clear_error();
  return false;
}

bool Identity::use_on(SSL_CTX* ctx) const {
  if (SSL_CTX_use_cert_and_key(ctx, leaf(), key_.get(), chain_, 1) == 1) return true;
  ERR_clear_error();
  return false;
}

Result<std::shared_ptr<IdentitySlot>> IdentitySlot::load(IdentityFiles files, std::int64_t now) {
  auto id = Identity::load(files, now);
  if (!id) return id.status();
  return std::make_shared<IdentitySlot>(std::move(files), std::move(*id));
}

std::shared_ptr<const Identity> IdentitySlot::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void IdentitySlot::replace(std::shared_ptr<const Identity> next) {
  if (!next) return;
  std::lock_guard lock(mu_);
  current_ = std::move(next);
}

Result<bool> IdentitySlot::reload(std::int64_t now) {
  std::lock_guard serial(reload_mu_);
  auto next = Identity::load(files_, now);
  if (!next) return next.status();
  const bool changed = (*next)->sha256() != current()->sha256();
  replace(std::move(*next));
  return changed;
}

Status IdentitySlot::install(SSL_CTX* ctx) {
  if (ctx == nullptr) return {"internal", "no TLS context for the hub's certificate"};
  if (!current()->use_on(ctx)) return {"internal", "cannot set the hub's certificate and key"};
  SSL_CTX_set_cert_cb(ctx, &IdentitySlot::select, this);
  return {};
}

// On the handshaking thread, before the certificate is sent (server: after the ClientHello;
// client: when the server asks for one). 0 aborts the handshake.
int IdentitySlot::select(SSL* ssl, void* arg) {
  const auto id = static_cast<IdentitySlot*>(arg)->current();
  return id && id->use_on(ssl) ? 1 : 0;
}

}  // namespace docaxis::tls
