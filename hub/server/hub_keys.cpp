#include "server/hub_keys.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "audit/events.hpp"
#include "common/time_text.hpp"
#include "log/log.hpp"
#include "tls/cert_inventory.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("trust");
  return l;
}

std::vector<std::string> chain_files(const config::Signing& s) {
  return s.chain_file.empty() ? std::vector<std::string>{} : std::vector<std::string>{s.chain_file};
}

std::string hub_uri(const std::string& name) { return "urn:docaxis:hub:" + name; }

bool names(const std::vector<std::string>& uris, const std::string& uri) {
  return std::find(uris.begin(), uris.end(), uri) != uris.end();
}

}  // namespace

HubKeys::HubKeys(config::Signing files, std::string hub_name, dsig::DsigReceiptSigner& receipts,
                 audit::AuditTrail* audit, TrustFn trust)
    : files_(std::move(files)),
      hub_name_(std::move(hub_name)),
      receipts_(receipts),
      audit_(audit),
      trust_(std::move(trust)) {}

model::CertInfo HubKeys::current_certificate() const {
  auto signer = receipts_.current();
  model::CertInfo c = tls::describe_certificate(signer->certificate(), "hub-signing");
  c.source = files_.cert_file;
  return c;
}

Result<std::string> HubKeys::reload(const std::string& why) {
  std::lock_guard lk(mu_);
  Result<std::string> r = Status("internal", "no result");
  try {
    r = roll(why);
  } catch (const std::exception& e) {
    r = Status("internal", std::string("unexpected exception: ") + e.what());
  }
  if (!r.ok()) {
    L().error("key-rollover-refused", {{"trigger", why},
                                       {"cert_file", files_.cert_file},
                                       {"code", r.status().code()},
                                       {"reason", r.status().message()},
                                       {"kept", "current"}});
  }
  return r;
}

Result<std::string> HubKeys::roll(const std::string& why) {
  auto loaded = dsig::Signer::load(files_.key_file, files_.cert_file, chain_files(files_));
  if (!loaded) return loaded.status();
  std::shared_ptr<const dsig::Signer> next(std::move(*loaded));
  std::shared_ptr<const dsig::Signer> current = receipts_.current();
  if (next->certificate_sha256() == current->certificate_sha256()) return std::string("unchanged");

  auto trust = trust_ ? trust_() : nullptr;
  if (!trust) return Status("internal", "no signature trust loaded");
  if (Status s = next->check_trust(*trust, std::time(nullptr)); !s.ok()) return s;
  const std::string uri = hub_uri(hub_name_);
  if (names(current->uris(), uri) && !names(next->uris(), uri)) {
    return Status("hub-name-mismatch", "the new certificate \"" + next->subject() +
                                           "\" does not carry " + uri +
                                           " as the current one does: peers would refuse its receipts");
  }
  audit::events::KeyRollover event;
  std::unique_ptr<audit::CheckpointSigner> checkpoints;
  if (audit_ != nullptr) {
    auto cs = audit::CheckpointSigner::load(files_.key_file, files_.cert_file);
    if (!cs) return cs.status();
    checkpoints = std::move(*cs);
    event.new_key = checkpoints->fingerprint();
  }
  const model::CertInfo info = tls::describe_certificate(next->certificate(), "hub-signing");
  event.old_cert = current->certificate_sha256();
  event.new_cert = next->certificate_sha256();
  event.old_subject = current->subject();
  event.new_subject = next->subject();
  event.new_not_after = iso_utc_ms(info.not_after * 1000);

  // Checkpoints first: replace_signer seals what the old key vouches for; if the log cannot,
  // nothing changes.
  if (audit_ != nullptr) {
    auto old_key = audit_->replace_signer(std::move(checkpoints));
    if (!old_key) return old_key.status();
    event.old_key = *old_key;
  }
  receipts_.replace(next);
  if (audit_ != nullptr) {
    auto recorded = audit_->append(audit::events::key_rollover(why, event));
    if (!recorded.ok()) {
      log::get("audit").error("key-rollover-not-recorded",
                              {{"reason", recorded.status().to_string()}});
    }
  }
  L().info("key-rollover", {{"trigger", why},
                            {"old_sha256", log::prefix(event.old_cert, 16)},
                            {"new_sha256", log::prefix(event.new_cert, 16)},
                            {"old_subject", event.old_subject},
                            {"new_subject", event.new_subject},
                            {"new_not_after", event.new_not_after}});
  return std::string("rolled");
}

}  // namespace docaxis::server
