// The certificate inventory: every certificate the hub holds or has seen, for
// `docaxis cert list` (admin `cert.list`), the expiry warnings (server/cert_watch.hpp) and the
// expiry metrics.
//
// Two parts:
//   - the configured certificates (the hub's own: hub-tls, hub-signing; the trust: anchor,
//     intermediate), replaced as a whole by set_configured() at start and at each reload;
//   - the certificates seen on connections (endpoint, peer), recorded by the AMQP listener when
//     a connection authenticates, keyed by SHA-256 fingerprint, at most `max_seen` (the least
//     recently seen goes first).
// snapshot() returns both (configured first, then seen, most recent first).
//
// Threads: every method is thread-safe (one mutex; record_seen is O(log n)).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"
#include "model/cert_info.hpp"

namespace docaxis::tls {

// What the inventory keeps of `cert` (no last_seen, no source).
model::CertInfo describe_certificate(const X509* cert, std::string role);
// Every certificate of a PEM file, each with `role` and source = path. Codes: file-unreadable,
// bad-certificate (tls::load_pem_certs).
Result<std::vector<model::CertInfo>> describe_pem_file(const std::string& path,
                                                       const std::string& role);

class CertInventory {
 public:
  explicit CertInventory(std::size_t max_seen = 1000) : max_seen_(max_seen) {}
  CertInventory(const CertInventory&) = delete;
  CertInventory& operator=(const CertInventory&) = delete;

  // Replaces the configured certificates (duplicates by role and fingerprint are dropped).
  void set_configured(std::vector<model::CertInfo> certs);
  // A certificate seen on a connection at `now` (unix seconds): inserted or refreshed.
  void record_seen(model::CertInfo cert, std::int64_t now);
  void record_seen(const X509* cert, const std::string& role, std::int64_t now) {
    record_seen(describe_certificate(cert, role), now);
  }
  // Everything, configured first (in the order given), then seen (most recent first).
  std::vector<model::CertInfo> snapshot() const;
  std::size_t seen_count() const;

 private:
  const std::size_t max_seen_;
  mutable std::mutex mu_;
  std::vector<model::CertInfo> configured_;
  std::list<model::CertInfo> seen_;  // most recent first
  std::unordered_map<std::string, std::list<model::CertInfo>::iterator> by_fp_;
};

}  // namespace docaxis::tls
