// The identity of an AMQP connection: its verified TLS client certificate.
#pragma once

#include <string>
#include <string_view>

namespace docaxis::amqp {

struct PeerIdentity {
  std::string subject;  // RFC 2253, as Proton reports the verified client certificate's subject
  std::string uid;      // the subject's UID attribute (the organ id by the binding convention)
  bool authenticated = false;  // false only on an explicitly configured plaintext listener
  std::string sha256;          // SHA-256 of the certificate (DER), lowercase hex
};

// Extracts the UID attribute value from an RFC 2253 subject ("" when absent). Handles escaped
// commas in other attribute values.
std::string uid_from_subject(std::string_view subject);

}  // namespace docaxis::amqp
