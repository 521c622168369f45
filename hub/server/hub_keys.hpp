// The hub's signing key and its rollover without downtime (README.md, "Rolling the hub key").
//
// The key signs delivery receipts (through dsig::DsigReceiptSigner, on dx-dispatch) and audit
// checkpoints (the audit trail's CheckpointSigner, on its sealer and appenders). reload()
// (SIGHUP, from Application::reload_trust) reads `[signing]` key_file / cert_file / chain_file
// again; when they hold a different certificate it checks the new pair and only then swaps
// both signers:
//   - the key is the certificate's (key-mismatch), an EC P-256 key for the checkpoints;
//   - the certificate chains to the configured signature trust and is valid now, with the
//     signer policy (dsig TrustStore::validate's codes: cert-untrusted, cert-expired, ...);
//   - it names the same hub (urn:docaxis:hub:<name>) when the current one does
//     (hub-name-mismatch): a receipt signed otherwise would be refused by every peer.
// Any problem keeps the current key (key-rollover-refused, logger "trust"). A swap seals the
// audit log with the old key, installs both new signers, records a `key-rollover` audit event
// (old and new fingerprints) and logs key-rollover. Receipts and checkpoints signed before stay
// verifiable with the old certificate (`docaxis receipt check --hub-cert`, `docaxis receipt
// verify --hub-cert A --hub-cert B`).
//
// Threads: reload() from one thread at a time (main's); the signers swap atomically for their
// users on other threads.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "audit/audit_trail.hpp"
#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "dsig/engine_adapter.hpp"
#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "model/cert_info.hpp"

namespace docaxis::server {

class HubKeys {
 public:
  using TrustFn = std::function<std::shared_ptr<const dsig::TrustStore>()>;
  // `receipts` holds the signer in use; `audit` may be null (no audit log).
  HubKeys(config::Signing files, std::string hub_name, dsig::DsigReceiptSigner& receipts,
          audit::AuditTrail* audit, TrustFn trust);

  // "rolled" (a new key is in use), "unchanged" (the files hold the certificate in use), or an
  // error (the current key stays): file-unreadable, bad-key, bad-certificate, key-mismatch,
  // the trust codes, hub-name-mismatch, invalid-argument (not EC P-256), and the audit log's.
  Result<std::string> reload(const std::string& why);
  // The signing certificate in use, as the inventory lists it.
  model::CertInfo current_certificate() const;

 private:
  Result<std::string> roll(const std::string& why);
  const config::Signing files_;
  const std::string hub_name_;
  dsig::DsigReceiptSigner& receipts_;
  audit::AuditTrail* audit_;
  TrustFn trust_;
  std::mutex mu_;  // one reload at a time
};

}  // namespace docaxis::server
