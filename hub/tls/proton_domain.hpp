// The SSL_CTX behind a Qpid Proton SSL domain, which Proton's API does not expose. docaxis needs
// it to trust exactly the configured anchors (Proton loads the OS CA store into every domain),
// to check CRLs and to set the TLS policy (context.hpp).
//
// This depends on Proton's private layout, pinned for Debian 12's Proton 0.37: a pn_ssl_domain_t
// starts with its SSL_CTX*, and proton::ssl_{client,server}_options hold one pointer to an
// impl whose first member is the pn_ssl_domain_t*. tests/unit/tls pins both (a Proton upgrade
// that changes them fails that test, not production).
#pragma once

#include <openssl/ssl.h>
#include <proton/ssl.h>

#include <proton/ssl.hpp>

namespace docaxis::tls {

SSL_CTX* ssl_ctx_of(pn_ssl_domain_t* domain);
SSL_CTX* ssl_ctx_of(const proton::ssl_client_options& options);
SSL_CTX* ssl_ctx_of(const proton::ssl_server_options& options);

}  // namespace docaxis::tls
