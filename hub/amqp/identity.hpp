// The identity of an AMQP connection: its verified TLS client certificate.
#pragma once

#include <string>

namespace docaxis::amqp {

struct PeerIdentity {
  std::string subject;  // RFC 2253, as Proton reports the verified client certificate's subject
  std::string uid;      // the certificate's UID (tls::organ_uid: the organ id by the binding convention)
  bool authenticated = false;  // false only on an explicitly configured plaintext listener
  std::string sha256;          // SHA-256 of the certificate (DER), lowercase hex
};

}  // namespace docaxis::amqp
