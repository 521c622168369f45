// CrlFetcher: keeps the trusted CAs' CRLs current from their HTTP(S) distribution points, on its
// own thread `dx-crl` (hub/crl/README.md: schedule, verification, cache, the grace policy, log
// events). Every CRL it accepts is verified (crl_check.hpp) and written to the cache directory
// with an atomic replace; the trust loaders read that directory (tls/crl_support.hpp), and
// `on_change` (the hub's trust reload) makes a new CRL take effect without a restart.
//
// Threads: start()/stop() from one thread; run_once() from the fetcher's thread (or a test
// before start()); states() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/backoff.hpp"
#include "common/status.hpp"
#include "crl/crl_check.hpp"
#include "crl/http_fetch.hpp"
#include "tls/certificate.hpp"

namespace docaxis::crl {

struct FetcherOptions {
  // PEM files of the CAs whose CRLs are kept current: the signature trust's and the TLS client
  // trust's anchors and intermediates. Only CA certificates among them count.
  std::vector<std::string> ca_files;
  // PEM files of further certificates whose CRL distribution points name their issuer's CRL
  // (the hub's own TLS and signing certificates and chains, trust.crl_fetch_cert_files).
  std::vector<std::string> cdp_source_files;
  // URLs fetched besides the distribution points; each CRL is attributed to the trusted CA
  // that issued and signed it (trust.crl_fetch_urls).
  std::vector<std::string> extra_urls;
  std::string cache_dir;                 // created 0700 if missing
  std::chrono::seconds interval{3600};   // fetch at least this often
  std::chrono::seconds grace{3600};      // a CRL stays usable until nextUpdate + grace
  FetchLimits limits;
  std::chrono::milliseconds retry_initial{10'000};  // first delay after a failure (doubling,
                                                    // capped at `interval`)
  std::function<std::int64_t()> now;     // seconds since the epoch; default: the system clock
};

// What the hub knows about one CRL source (one CA's distribution points, or one configured
// URL). For /readyz and metrics.
struct CrlState {
  std::string issuer;       // the CA's subject (RFC 2253); "" for a configured URL not yet fetched
  std::string url;          // the distribution point(s), space-separated
  std::int64_t this_update = 0;   // of the CRL in use (0: none)
  std::int64_t next_update = 0;   // of the CRL in use (0: none)
  std::int64_t last_success = 0;  // last fetch that ended with a valid CRL (0: never)
  std::int64_t last_attempt = 0;  // 0: never
  std::int64_t next_attempt = 0;
  std::uint32_t failures = 0;     // consecutive failed fetches
  // A CRL is held and now <= nextUpdate + grace. False: the CA's certificates are refused
  // (cert-revocation-unknown) until a valid CRL is fetched.
  bool usable = false;
  // Empty when usable and current; otherwise why not ("stale: ...", "expired: ...",
  // "no CRL: ...") with the last fetch error.
  std::string reason;
};

class CrlFetcher {
 public:
  // Reads the certificates, builds the sources, creates the cache directory and loads the
  // cached CRLs (a cached file that does not verify against its CA is deleted: crl-cache-dropped).
  // Codes: file-unreadable, bad-certificate, crl-cache (the directory cannot be made).
  static Result<std::unique_ptr<CrlFetcher>> create(FetcherOptions options);
  ~CrlFetcher();  // stop()
  CrlFetcher(const CrlFetcher&) = delete;
  CrlFetcher& operator=(const CrlFetcher&) = delete;

  // Called on the fetcher's thread after a new CRL was written to the cache (set before start()).
  void on_change(std::function<void()> fn) { on_change_ = std::move(fn); }
  void start();  // the thread dx-crl: run_once() whenever a source is due
  void stop();
  // Fetches every source that is due (every source when `all`); returns how many new CRLs were
  // written to the cache. Calls on_change when that is more than none.
  std::size_t run_once(bool all = false);
  // A snapshot, one per source. Thread-safe.
  std::vector<CrlState> states() const;
  // How many sources there are (CAs with distribution points plus configured URLs).
  std::size_t sources() const;

 private:
  struct Ca {
    tls::X509Ptr cert;
    std::string fingerprint;  // SHA-256 of the DER, the cache file's name
    std::string subject;
    std::optional<ParsedCrl> cached;
  };
  struct Source {
    int ca = -1;  // index into cas_; -1: a configured URL whose CA is not known yet
    std::vector<std::string> urls;
    std::int64_t last_success = 0;
    std::int64_t last_attempt = 0;
    std::int64_t next_attempt = 0;
    BackoffCounter backoff;
    std::string last_error;
    int was_usable = -1;  // -1: not logged yet
  };
  explicit CrlFetcher(FetcherOptions options);
  std::int64_t now() const;
  std::string cache_path(const Ca& ca) const;
  void load_cache();
  // Fetches one source; true when a new CRL was cached. mu_ is not held during the transfer,
  // the verification or the cache writes (accept), only while reading and publishing state.
  bool fetch(std::size_t index, std::int64_t now);
  Status accept(std::size_t source, const std::string& url, std::string_view body,
                std::int64_t now, bool& changed);
  // Write a temporary file, fsync it, rename it over `path`, fsync the directory.
  Status write_file_atomic(const std::string& path, const std::string& bytes) const;
  std::string binding_path(const std::string& url) const;  // url-<sha256>.ca
  void load_bindings();
  void schedule_after_success(Source& s, std::int64_t now) const;
  void schedule_after_failure(Source& s, std::int64_t now);
  CrlState state_of(const Source& s, std::int64_t now) const;  // under mu_
  void log_transitions(std::int64_t now);                       // under mu_
  std::int64_t next_wake(std::int64_t now) const;               // under mu_

  FetcherOptions options_;
  std::function<void()> on_change_;
  // cas_[].cached, sources_: written under it only by the thread in run_once (run_mu_), which
  // may read them without it; every other thread reads them under it (states()).
  mutable std::mutex mu_;
  std::vector<Ca> cas_;
  std::vector<Source> sources_;
  std::mt19937_64 random_{std::random_device{}()};
  std::mutex run_mu_;  // one run_once at a time
  std::mutex wait_mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};  // aborts a transfer in progress (stop())
  std::thread thread_;
};

}  // namespace docaxis::crl
