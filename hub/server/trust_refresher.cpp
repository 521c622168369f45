#include "server/trust_refresher.hpp"

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"

namespace docaxis::server {

TrustRefresher::TrustRefresher(dsig::Verifier& verifier, dsig::TrustConfig config,
                               std::chrono::seconds interval, Log log)
    : verifier_(verifier), config_(std::move(config)), interval_(interval), log_(std::move(log)) {}

TrustRefresher::~TrustRefresher() { stop(); }

void TrustRefresher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    name_this_thread("dx-trust");
    run_guarded("dx-trust", [this] {
      std::unique_lock lk(mu_);
      while (!stop_) {
        if (cv_.wait_for(lk, interval_, [this] { return stop_; })) return;
        lk.unlock();
        (void)reload_now("periodic refresh");
        lk.lock();
      }
    });
  });
}

void TrustRefresher::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status TrustRefresher::reload_now(const std::string& why) {
  // A reload that throws keeps the current trust, like one that fails.
  try {
    return reload(why);
  } catch (const std::exception& e) {
    const Status s("internal", std::string("unexpected exception: ") + e.what());
    if (log_) {
      log_("trust reload (" + why + ") failed, keeping the current trust: " + s.to_string());
    }
    return s;
  }
}

Status TrustRefresher::reload(const std::string& why) {
  if (also_) {
    if (Status s = also_(); !s.ok() && log_) {
      log_("TLS trust reload (" + why + ") failed, keeping the current TLS trust: " + s.to_string());
    }
  }
  auto trust = dsig::TrustStore::load(config_);
  if (!trust.ok()) {
    if (log_) log_("trust reload (" + why + ") failed, keeping the current trust: " +
                   trust.status().to_string());
    return trust.status();
  }
  verifier_.set_trust_store(*trust);
  if (log_) log_("trust reloaded (" + why + "): generation " + std::to_string((*trust)->generation()));
  return Status();
}

}  // namespace docaxis::server
