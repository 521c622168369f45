// dsig's implementation of the engine's verification and signing ports
// (engine/verification.hpp), as amqp implements engine::IngestPort. server::Application
// constructs these over the hub's Verifier and Signer and hands them to the engine.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>

#include "dsig/signer.hpp"
#include "dsig/verifier.hpp"
#include "engine/verification.hpp"

namespace docaxis::dsig {

// engine::PackageVerifier over a dsig::Verifier (which must outlive it): verify_package is
// dsig::verify_package; verify_receipt is parse_untrusted, Verifier::verify (root last child,
// no organ binding, strict) and edxml::read_receipt on the same tree.
class DsigPackageVerifier final : public engine::PackageVerifier {
 public:
  explicit DsigPackageVerifier(const Verifier& verifier) : verifier_(verifier) {}
  Result<engine::VerifiedPackage> verify_package(std::string_view bytes,
                                                 const engine::VerifyPolicy& policy) const override;
  Result<engine::VerifiedReceipt> verify_receipt(std::string_view bytes) const override;

 private:
  const Verifier& verifier_;
};

// engine::ReceiptSigner over the hub's current dsig::Signer: Placement::kRootLastChild.
// The hub key can be rolled over while receipts are being signed (SIGHUP,
// server::Application::reload_trust): replace() installs a new Signer atomically; a signature
// under way finishes with the Signer it started with (each call holds a reference to it), every
// later one uses the new key. Thread-safe.
class DsigReceiptSigner final : public engine::ReceiptSigner {
 public:
  explicit DsigReceiptSigner(std::shared_ptr<const Signer> signer) : signer_(std::move(signer)) {}
  Result<std::string> sign_receipt(std::string_view receipt_xml) const override;
  // The Signer receipts are signed with now.
  std::shared_ptr<const Signer> current() const;
  // Installs `next`; returns the one it replaces.
  std::shared_ptr<const Signer> replace(std::shared_ptr<const Signer> next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Signer> signer_;
};

// The engine's view of a dsig::Verdict.
engine::Verdict to_engine_verdict(Verdict v);

}  // namespace docaxis::dsig
