// Hardening of one SSL_CTX (one Proton SSL domain): exact trust, TLS policy, chain completion.
//
// ContextTrust, installed on an SSL_CTX after Proton configured it:
//  - replaces the context's certificate store by the configured one (Proton's OpenSSL layer
//    loads the operating system's CA store into every domain; that store is dropped), with the
//    configured CRLs and the CRL flags;
//  - completes the chain a peer presents with the configured intermediates (many TLS clients
//    send only their leaf), still trusting only the anchors;
//  - tells `recorder` the verified chain of every handshake (the hub keeps it per connection to
//    re-check it when the trust changes), and `refusal` why a presented chain was refused
//    (path_status: cert-revoked, cert-expired, ...) with the leaf's subject and SHA-256, so the
//    hub can log the reason of a refused handshake (the TLS alert only says "verify failed");
//  - applies the TLS policy: TLS 1.2 with ECDHE key exchange and AEAD suites only, or TLS 1.3;
//    no session resumption (every handshake verifies the certificate).
// The ContextTrust must outlive every handshake on the SSL_CTX. replace() and handshakes may run
// on different threads.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.hpp"
#include "tls/trust.hpp"

namespace docaxis::tls {

// The TLS 1.2 cipher list of the policy (TLS 1.3 suites are OpenSSL's defaults, all AEAD).
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

// TLS >= 1.2, kTls12Ciphers, no session resumption. Error code: internal.
Status apply_policy(SSL_CTX* ctx);

// Session resumption for a server that never asks for a client certificate (the axis HTTP
// API authenticates each request itself), so a resumed session skips no verification: after
// apply_policy, an in-process cache of at most `max_sessions` sessions (the oldest evicted
// first), each resumable for `lifetime`. Stateful only: TLS 1.2 session ids, TLS 1.3 tickets
// that name a cache entry (one per handshake); no ticket key exists to steal, and a TLS 1.3
// resumption still runs an ECDHE exchange (forward secrecy kept). max_sessions 0: nothing
// changes (no resumption). Never for a context that verifies peer certificates.
// Error code: internal.
Status allow_server_resumption(SSL_CTX* ctx, std::size_t max_sessions,
                               std::chrono::seconds lifetime);

class ContextTrust {
 public:
  // `generation`: which trust verified the chain (see generation()).
  using Recorder =
      std::function<void(const std::string& sha256, Chain chain, std::uint64_t generation)>;
  // Called on the handshaking thread, inside OpenSSL: must not throw (exceptions are dropped).
  // `subject`, `sha256`: the presented leaf certificate's (hostile text: escape before use).
  using Refusal = std::function<void(const Status& why, const std::string& subject,
                                     const std::string& sha256)>;
  // Errors: internal (the policy could not be set).
  static Result<std::unique_ptr<ContextTrust>> install(SSL_CTX* ctx,
                                                       std::shared_ptr<const TlsTrust> trust,
                                                       Recorder recorder = {},
                                                       Refusal refusal = {});
  ContextTrust(const ContextTrust&) = delete;
  ContextTrust& operator=(const ContextTrust&) = delete;

  void replace(std::shared_ptr<const TlsTrust> trust);
  std::shared_ptr<const TlsTrust> trust() const;
  // Counts replace() calls: a chain recorded under an older generation was verified with a
  // trust that has been replaced since.
  std::uint64_t generation() const;
  SSL_CTX* ctx() const { return ctx_; }

 private:
  ContextTrust(SSL_CTX* ctx, std::shared_ptr<const TlsTrust> trust, Recorder recorder,
               Refusal refusal)
      : ctx_(ctx),
        trust_(std::move(trust)),
        recorder_(std::move(recorder)),
        refusal_(std::move(refusal)) {}
  static int verify(X509_STORE_CTX* xctx, void* arg);

  SSL_CTX* ctx_;
  mutable std::mutex mu_;
  std::shared_ptr<const TlsTrust> trust_;
  std::uint64_t generation_ = 0;
  Recorder recorder_;
  Refusal refusal_;
};

}  // namespace docaxis::tls
