// Who is on the other end of a connection, whatever the transport: the verified client
// certificate (mutual TLS) as the front door saw it, and what the EndpointRegistry made of it.
//
// A front door (AMQP today) fills `authenticated`, `subject`, `uid` and `sha256` from the
// certificate its TLS layer verified against the configured trust anchors; nothing else.
// routing::EndpointRegistry::identify() then sets `peer` when the certificate is a configured
// peer hub's (it re-checks the pinned fingerprint before relying on it).
#pragma once

#include <string>

namespace docaxis::model {

struct ConnectionIdentity {
  bool authenticated = false;  // false only on an explicitly configured plaintext listener
  std::string subject;         // RFC 2253, as OpenSSL prints it (XN_FLAG_RFC2253); "" if anonymous
  std::string uid;     // the subject's UID attribute (tls::organ_uid), "" when there is none
  std::string sha256;  // SHA-256 of the DER certificate, 64 lower-case hex digits
  std::string peer;    // set by EndpointRegistry::identify: the peer hub's name, "" otherwise
  // The axis HTTP API (hub/vxp): the system id whose HMAC authenticated the request; the
  // certificate fields above are then empty. "" for every certificate identity.
  std::string system = {};

  bool is_peer() const { return !peer.empty(); }
  // "\"<subject>\" (sha256 <first 16 hex>...)" for error messages and logs.
  std::string describe() const {
    if (!system.empty()) return "HTTP API system \"" + system + "\"";
    return "\"" + subject + "\" (sha256 " + sha256.substr(0, 16) + "...)";
  }
};

}  // namespace docaxis::model
