// The hub's own TLS certificate and key (tls::IdentitySlot, shared by the AMQP listener, the
// peer links and the HTTPS front doors): loaded at start from [listener.tls] cert_file,
// chain_file and key_file, re-read on SIGHUP. A reload whose files are refused (missing,
// unparsable, key not the certificate's, expired, not yet valid) keeps the current certificate;
// the hub keeps serving. Logger "tls" (hub/log/README.md):
//   tls-identity-reloaded       info   trigger, changed (true/false), subject, serial, sha256
//                                      (prefix), not_after (RFC 3339 UTC)
//   tls-identity-reload-failed  error  trigger, code (tls/identity.hpp), reason, kept=current,
//                                      sha256 (prefix, the certificate still presented)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "model/cert_info.hpp"
#include "tls/identity.hpp"

namespace docaxis::server {

// [listener.tls] as identity files.
tls::IdentityFiles hub_identity_files(const config::HubConfig& c);
// Re-reads the files into `slot` and logs the outcome (above). Status: why it was kept.
Status reload_hub_identity(tls::IdentitySlot& slot, const std::string& why, std::int64_t now);
// The identity's certificates for the inventory (the leaf, then its chain; roles and sources
// are set by configured_certificates).
std::vector<model::CertInfo> describe_identity(const tls::Identity& id);

}  // namespace docaxis::server
