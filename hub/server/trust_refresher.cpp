#include "server/trust_refresher.hpp"

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("trust");
  return l;
}

void log_failure(const std::string& why, std::string_view scope, const Status& s) {
  L().error("trust-reload-failed", {{"trigger", why},
                                    {"scope", scope},
                                    {"code", s.code()},
                                    {"reason", s.message()},
                                    {"kept", "current"}});
}

}  // namespace

TrustRefresher::TrustRefresher(dsig::Verifier& verifier, dsig::TrustConfig config,
                               std::chrono::seconds interval)
    : verifier_(verifier), config_(std::move(config)), interval_(interval) {}

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
        (void)reload_now("periodic");
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
  // One reload at a time (SIGHUP on the main thread, the periodic one on dx-trust): otherwise
  // an older TrustStore could be installed after a newer one.
  std::lock_guard reload_lock(reload_mu_);
  // A reload that throws keeps the current trust, like one that fails.
  try {
    return reload(why);
  } catch (const std::exception& e) {
    const Status s("internal", std::string("unexpected exception: ") + e.what());
    log_failure(why, "signature", s);
    return s;
  }
}

std::optional<std::string> TrustRefresher::last_failure() const {
  std::lock_guard lk(failure_mu_);
  return failure_;
}

Status TrustRefresher::reload(const std::string& why) {
  std::string_view tls = "none";
  std::optional<std::string> failure;
  if (also_) {
    if (Status s = also_(); !s.ok()) {
      log_failure(why, "tls", s);
      tls = "failed";
      failure = "the " + why + " reload of the TLS trust failed (" + s.to_string() + "); the previous trust is in use";
    } else {
      tls = "reloaded";
    }
  }
  auto trust = dsig::TrustStore::load(config_);
  if (!trust.ok()) {
    log_failure(why, "signature", trust.status());
    std::lock_guard lk(failure_mu_);
    failure_ = "the " + why + " reload of the signature trust failed (" + trust.status().to_string() +
               "); the previous trust is in use";
    return trust.status();
  }
  {
    std::lock_guard lk(failure_mu_);
    failure_ = failure;
  }
  verifier_.set_trust_store(*trust);
  L().info("trust-reloaded", {{"trigger", why},
                              {"generation", (*trust)->generation()},
                              {"anchor_files", config_.anchor_files.size()},
                              {"intermediate_files", config_.intermediate_files.size()},
                              {"crl_files", config_.crl_files.size()},
                              {"tls", tls}});
  return Status();
}

}  // namespace docaxis::server
