// Who is on the other end of an AMQP connection, as far as routing decisions go.
//
// The amqp module fills `subject`, `uid` and `sha256` from the client certificate that mutual
// TLS verified against the trust anchors; EndpointRegistry::identify() then sets `peer` when
// the certificate is a configured peer hub's. Nothing here is trusted blindly: the registry
// re-checks `peer` against the peer's configured certificate before relying on it.
#pragma once

#include <string>

namespace docaxis::routing {

struct ConnectionIdentity {
  std::string subject;  // RFC 2253, as OpenSSL prints it (XN_FLAG_RFC2253)
  std::string uid;      // the subject's UID attribute, "" when there is none
  std::string sha256;   // SHA-256 of the DER certificate, 64 lower-case hex digits
  std::string peer;     // name of the peer hub this certificate identifies, "" for endpoints

  bool is_peer() const { return !peer.empty(); }
  // "<subject> (sha256 <first 16 hex>…)" for error messages and logs.
  std::string describe() const {
    return "\"" + subject + "\" (sha256 " + sha256.substr(0, 16) + "...)";
  }
};

}  // namespace docaxis::routing
