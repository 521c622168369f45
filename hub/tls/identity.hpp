// The hub's own TLS identity (its certificate chain and private key), swappable at run time:
// an operator renews the certificate, replaces the files and sends SIGHUP; every TLS handshake
// that starts after the swap presents the new certificate, connections already open keep the
// one they were made with. One IdentitySlot serves every context the hub owns with its own
// certificate (the AMQP listener, the peer links' client certificate, the HTTPS front doors).
//
// Identity::load reads and validates before anything uses the files; a refused identity is
// never installed. Codes (hub/tls/README.md):
//   file-unreadable     a certificate or key file cannot be read
//   bad-certificate     a certificate file holds no PEM certificate (the chain does not parse)
//   bad-key             the key file holds no PEM private key
//   key-mismatch        the private key is not the leaf certificate's
//   cert-expired        the leaf certificate's notAfter is past
//   cert-not-yet-valid  the leaf certificate's notBefore is in the future
//
// IdentitySlot::install(ctx) makes the SSL_CTX present the slot's identity: the context's own
// certificate is set to it, and SSL_CTX_set_cert_cb puts the identity current at that moment on
// each new SSL object (SSL_use_cert_and_key), server and client side alike.
//
// Threads: Identity is immutable; IdentitySlot's methods are thread-safe (a mutex around a
// shared_ptr; a handshake copies the pointer and uses the identity without the lock). The slot
// must outlive every handshake on the contexts it is installed on (they hold a shared_ptr).
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "tls/certificate.hpp"
#include "tls/crypto.hpp"

namespace docaxis::tls {

struct IdentityFiles {
  // PEM files read in order: the first certificate of the first file is the leaf, every other
  // certificate is sent after it (intermediates). Empty names are skipped.
  std::vector<std::string> cert_files;
  std::string key_file;  // PEM, unencrypted
};

class Identity {
 public:
  // `now`: unix seconds, for the validity check. Codes: see the top of this file.
  static Result<std::shared_ptr<const Identity>> load(const IdentityFiles& files, std::int64_t now);
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  // Leaf first, then the chain as read.
  const std::vector<X509Ptr>& certificates() const { return certs_; }
  X509* leaf() const { return certs_.front().get(); }
  EVP_PKEY* key() const { return key_.get(); }
  // certificate_sha256 of the leaf.
  const std::string& sha256() const { return sha256_; }
  // Makes `ssl` present this identity (certificate, key, chain). False on an OpenSSL failure.
  bool use_on(SSL* ssl) const;
  bool use_on(SSL_CTX* ctx) const;

 private:
  Identity() = default;
  std::vector<X509Ptr> certs_;
  PkeyPtr key_;
  STACK_OF(X509)* chain_ = nullptr;  // certs_[1..], owned (up-referenced)
  std::string sha256_;
};

class IdentitySlot {
 public:
  // Loads `files` (Identity::load's codes).
  static Result<std::shared_ptr<IdentitySlot>> load(IdentityFiles files, std::int64_t now);
  IdentitySlot(IdentityFiles files, std::shared_ptr<const Identity> initial)
      : files_(std::move(files)), current_(std::move(initial)) {}
  IdentitySlot(const IdentitySlot&) = delete;
  IdentitySlot& operator=(const IdentitySlot&) = delete;

  std::shared_ptr<const Identity> current() const;
  // Every handshake that starts after this presents `next`.
  void replace(std::shared_ptr<const Identity> next);
  // Reads the files again; a valid identity replaces the current one (true when its leaf
  // differs), a refused one leaves it in place (the Status says why). One reload at a time.
  Result<bool> reload(std::int64_t now);
  const IdentityFiles& files() const { return files_; }

  // Sets ctx's certificate to the current identity and installs the certificate callback.
  // The slot must outlive every handshake on ctx. Error code: internal.
  Status install(SSL_CTX* ctx);

 private:
  static int select(SSL* ssl, void* arg);  // SSL_CTX_set_cert_cb's callback
  const IdentityFiles files_;
  std::mutex reload_mu_;
  mutable std::mutex mu_;
  std::shared_ptr<const Identity> current_;
};

}  // namespace docaxis::tls
