#include "server/tls_identity.hpp"

#include "common/time_text.hpp"
#include "log/log.hpp"
#include "tls/cert_inventory.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("tls");
  return l;
}

}  // namespace

tls::IdentityFiles hub_identity_files(const config::HubConfig& c) {
  return {{c.listener.tls.cert_file, c.listener.tls.chain_file}, c.listener.tls.key_file};
}

Status reload_hub_identity(tls::IdentitySlot& slot, const std::string& why, std::int64_t now) {
  auto changed = slot.reload(now);
  const auto current = slot.current();
  if (!changed) {
    L().error("tls-identity-reload-failed", {{"trigger", why},
                                             {"code", changed.status().code()},
                                             {"reason", changed.status().message()},
                                             {"kept", "current"},
                                             {"sha256", log::prefix(current->sha256(), 16)}});
    return changed.status();
  }
  const model::CertInfo leaf = tls::describe_certificate(current->leaf(), "hub-tls");
  L().info("tls-identity-reloaded", {{"trigger", why},
                                     {"changed", *changed},
                                     {"subject", leaf.subject},
                                     {"serial", leaf.serial},
                                     {"sha256", log::prefix(leaf.sha256, 16)},
                                     {"not_after", iso_utc_ms(leaf.not_after * 1000)}});
  return {};
}

std::vector<model::CertInfo> describe_identity(const tls::Identity& id) {
  std::vector<model::CertInfo> out;
  for (const auto& c : id.certificates())
    out.push_back(tls::describe_certificate(c.get(), "intermediate"));
  return out;
}

}  // namespace docaxis::server
