// One certificate the hub knows about, as the certificate inventory reports it
// (tls/cert_inventory.hpp): the hub's own certificates, the configured trust and the
// certificates seen on connections. Plain data, shared by tls (which fills it), admin
// (`cert.list`), server (expiry warnings) and metrics (expiry timestamps).
#pragma once

#include <cstdint>
#include <string>

namespace docaxis::model {

struct CertInfo {
  // hub-tls       the listener's (and peer links' client) certificate
  // hub-signing   the hub's signing certificate (receipts, audit checkpoints)
  // anchor        a signature or TLS client trust anchor
  // intermediate  a configured intermediate CA
  // endpoint      an agency's client certificate seen on an AMQP connection
  // peer          a hub's certificate (no organ UID) seen on an AMQP connection
  std::string role;
  std::string subject;  // RFC 2253
  std::string issuer;   // RFC 2253
  std::string serial;   // lower-case hex, no leading zeros ("0" for zero)
  std::string sha256;   // SHA-256 of the DER certificate, 64 lower-case hex digits
  std::int64_t not_before = 0;  // unix seconds
  std::int64_t not_after = 0;   // unix seconds
  std::int64_t last_seen = 0;   // unix seconds: when loaded, or when last seen on a connection
  std::string source;           // the file it was read from; "" for a connection's certificate
};

// Whole days from `now` to `not_after` (unix seconds), rounded down: 0 in its last day,
// negative once expired.
inline std::int64_t days_left(const CertInfo& c, std::int64_t now) {
  const std::int64_t s = c.not_after - now;
  return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

}  // namespace docaxis::model
