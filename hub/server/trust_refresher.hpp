// TrustRefresher: re-reads the trust files (anchors, intermediates, CRLs) every
// `trust.crl_refresh_seconds` and on demand (SIGHUP), and installs the new TrustStore in the
// Verifier. A new CRL therefore takes effect without a restart: every cached signer
// validation is dropped with the old TrustStore generation (hub/dsig/trust_store.hpp).
// A reload that fails (a missing or corrupt file) keeps the current TrustStore and is reported;
// the hub never runs without trust. Logger "trust": trust-reloaded, trust-reload-failed
// (hub/log/README.md).
//
// Threads: one internal thread for the periodic reload; reload_now() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"

namespace docaxis::server {

class TrustRefresher {
 public:
  TrustRefresher(dsig::Verifier& verifier, dsig::TrustConfig config,
                 std::chrono::seconds interval);
  ~TrustRefresher();  // stop()
  TrustRefresher(const TrustRefresher&) = delete;
  TrustRefresher& operator=(const TrustRefresher&) = delete;

  void start();
  void stop();
  // Loads the files now; on success the verifier uses them for every later package. `why` is
  // the trigger as logged (`trigger=`): "sighup", "periodic", "crl-fetch" (hub/crl).
  Status reload_now(const std::string& why);
  // Also runs `fn` at every reload (the TLS layer's trust: hub/amqp reload_tls). Before start().
  void also_reload(std::function<Status()> fn) { also_ = std::move(fn); }
  // Why the last reload failed (the TLS or the signature trust), while no reload has
  // succeeded since; nullopt otherwise (the readiness check "trust", hub/ops). Thread-safe.
  std::optional<std::string> last_failure() const;

 private:
  Status reload(const std::string& why);  // reload_now without the exception guard
  dsig::Verifier& verifier_;
  const dsig::TrustConfig config_;
  const std::chrono::seconds interval_;
  std::function<Status()> also_;
  std::mutex reload_mu_;  // serialises reload_now()
  mutable std::mutex failure_mu_;
  std::optional<std::string> failure_;  // under failure_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace docaxis::server
