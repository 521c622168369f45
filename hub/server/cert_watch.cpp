#include "server/cert_watch.hpp"

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "common/time_text.hpp"
#include "log/log.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("trust");
  return l;
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_file(std::vector<model::CertInfo>& out, const std::string& path, const std::string& role,
              std::int64_t now) {
  if (path.empty()) return;
  auto certs = tls::describe_pem_file(path, role);
  if (!certs) {
    L().warn("cert-file-unreadable", {{"role", role},
                                      {"path", path},
                                      {"code", certs.status().code()},
                                      {"reason", certs.status().message()}});
    return;
  }
  for (auto& c : *certs) {
    c.last_seen = now;
    out.push_back(std::move(c));
  }
}

}  // namespace

std::vector<model::CertInfo> configured_certificates(const config::HubConfig& cfg,
                                                     const std::string& tls_chain_file,
                                                     const model::CertInfo& signing, std::int64_t now) {
  std::vector<model::CertInfo> tls_chain;
  add_file(tls_chain, tls_chain_file, "intermediate", now);
  return configured_certificates(cfg, std::move(tls_chain), signing, now);
}

std::vector<model::CertInfo> configured_certificates(const config::HubConfig& cfg,
                                                     std::vector<model::CertInfo> tls_chain,
                                                     const model::CertInfo& signing, std::int64_t now) {
  std::vector<model::CertInfo> out;
  for (std::size_t i = 0; i < tls_chain.size(); ++i) {
    tls_chain[i].last_seen = now;
    if (i == 0) {
      tls_chain[i].role = "hub-tls";
      tls_chain[i].source = cfg.listener.tls.cert_file;
    } else {
      tls_chain[i].source = cfg.listener.tls.chain_file;
    }
  }
  if (!tls_chain.empty()) out.push_back(tls_chain.front());
  if (!signing.sha256.empty()) {
    out.push_back(signing);
    out.back().last_seen = now;
  }
  add_file(out, cfg.signing.chain_file, "intermediate", now);
  for (std::size_t i = 1; i < tls_chain.size(); ++i) out.push_back(tls_chain[i]);
  for (const auto& f : cfg.trust.anchor_files) add_file(out, f, "anchor", now);
  for (const auto& f : cfg.listener.tls.client_ca_files) add_file(out, f, "anchor", now);
  for (const auto& f : cfg.trust.intermediate_files) add_file(out, f, "intermediate", now);
  return out;
}

CertWatch::CertWatch(tls::CertInventory& inventory, std::int64_t warn_days, Clock clock,
                     std::chrono::seconds interval)
    : inventory_(inventory), warn_days_(warn_days), clock_(std::move(clock)), interval_(interval) {}

CertWatch::~CertWatch() { stop(); }

std::int64_t CertWatch::now() const { return clock_ ? clock_() : system_now(); }

std::size_t CertWatch::check(const std::string& trigger) {
  std::lock_guard lk(check_mu_);
  const std::int64_t t = now();
  const std::int64_t horizon = t + warn_days_ * 86400;
  std::size_t warned = 0;
  for (const model::CertInfo& c : inventory_.snapshot()) {
    if (c.not_after > horizon) continue;
    ++warned;
    const std::string not_after = iso_utc_ms(c.not_after * 1000);
    const bool expired = c.not_after <= t;
    const log::Fields fields = {{"trigger", trigger},
                                {"role", c.role},
                                {"subject", c.subject},
                                {"serial", c.serial},
                                {"sha256", log::prefix(c.sha256, 16)},
                                {"not_after", not_after},
                                {"days_left", model::days_left(c, t)}};
    if (expired) {
      L().error("cert-expired", fields);
    } else {
      L().warn("cert-expiring", fields);
    }
  }
  return warned;
}

void CertWatch::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lk(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    name_this_thread("dx-certs");
    run_guarded("dx-certs", [this] {
      std::unique_lock lk(mu_);
      while (!stop_) {
        if (cv_.wait_for(lk, interval_, [this] { return stop_; })) return;
        lk.unlock();
        (void)check("daily");
        lk.lock();
      }
    });
  });
}

void CertWatch::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace docaxis::server
