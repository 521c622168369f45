// What docaxis reads from a certificate, one implementation for the TLS layer (who is this
// connection) and the signature layer (who signed this package): the organ id is the subject's
// UID attribute (OID 0.9.2342.19200300.100.1.1, certs/README.md), as UTF-8.
#pragma once

#include <openssl/x509.h>

#include <string>

namespace docaxis::tls {

// The subject's UID as UTF-8; "" when it has none (hub certificates) or it cannot be read.
std::string organ_uid(const X509* cert);

}  // namespace docaxis::tls
