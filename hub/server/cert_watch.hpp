// Certificate expiry: fills the inventory's configured part from the configuration and the
// signing key in use, and warns about every certificate of the inventory (tls/cert_inventory)
// that expires within `[certs] warn_days`:
//   cert-expiring (warn)  role, subject, serial, sha256, not_after, days_left
//   cert-expired  (error) the same, once not_after has passed
// (logger "trust", hub/log/README.md). Checked at start, at each reload (SIGHUP, periodic
// trust refresh) and once a day by its own thread, `dx-certs`.
//
// Threads: check() and refresh() are thread-safe (the inventory is; one check at a time).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/hub_config.hpp"
#include "model/cert_info.hpp"
#include "tls/cert_inventory.hpp"

namespace docaxis::server {

// The hub's configured certificates, read from their files: hub-tls (the first certificate of
// `tls_chain_file`, the copy the listener uses; the rest: intermediate), hub-signing (given:
// the one in use), the signature and TLS client trust anchors (anchor) and intermediates.
// A file that cannot be read is skipped and logged (cert-file-unreadable, logger "trust").
std::vector<model::CertInfo> configured_certificates(const config::HubConfig& cfg,
                                                     const std::string& tls_chain_file,
                                                     const model::CertInfo& signing, std::int64_t now);
// The same with the TLS chain the hub presents now (leaf first: tls::IdentitySlot's current
// identity, described), so the inventory shows the certificate a SIGHUP installed.
std::vector<model::CertInfo> configured_certificates(const config::HubConfig& cfg,
                                                     std::vector<model::CertInfo> tls_chain,
                                                     const model::CertInfo& signing, std::int64_t now);

class CertWatch {
 public:
  using Clock = std::function<std::int64_t()>;  // unix seconds
  CertWatch(tls::CertInventory& inventory, std::int64_t warn_days, Clock clock = {},
            std::chrono::seconds interval = std::chrono::hours(24));
  ~CertWatch();  // stop()
  CertWatch(const CertWatch&) = delete;
  CertWatch& operator=(const CertWatch&) = delete;

  // Logs a warning for every certificate within the horizon; returns how many. `trigger`:
  // "start", "sighup", "periodic", "daily" (logged).
  std::size_t check(const std::string& trigger);
  void start();  // the daily check
  void stop();

 private:
  std::int64_t now() const;
  tls::CertInventory& inventory_;
  const std::int64_t warn_days_;
  Clock clock_;
  const std::chrono::seconds interval_;
  std::mutex check_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace docaxis::server
