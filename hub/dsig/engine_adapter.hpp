// dsig's implementation of the engine's verification and signing ports
// (engine/verification.hpp), as amqp implements engine::IngestPort. server::Application
// constructs these over the hub's Verifier and Signer and hands them to the engine.
#pragma once

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

// engine::ReceiptSigner over a dsig::Signer (which must outlive it): Placement::kRootLastChild.
class DsigReceiptSigner final : public engine::ReceiptSigner {
 public:
  explicit DsigReceiptSigner(const Signer& signer) : signer_(signer) {}
  Result<std::string> sign_receipt(std::string_view receipt_xml) const override;

 private:
  const Signer& signer_;
};

// The engine's view of a dsig::Verdict.
engine::Verdict to_engine_verdict(Verdict v);

}  // namespace docaxis::dsig
