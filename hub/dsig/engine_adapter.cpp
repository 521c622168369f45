#include "dsig/engine_adapter.hpp"

#include <utility>

#include "dsig/package_verifier.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::dsig {

engine::Verdict to_engine_verdict(Verdict v) {
  engine::Verdict e;
  e.is_signed = v.is_signed;
  e.signer_subject = std::move(v.signer_subject);
  e.signer_uris = std::move(v.signer_uris);
  e.signature_method = std::move(v.signature_method);
  e.relaxations = std::move(v.relaxations);
  e.note = std::move(v.note);
  return e;
}

Result<engine::VerifiedPackage> DsigPackageVerifier::verify_package(
    std::string_view bytes, const engine::VerifyPolicy& policy) const {
  VerifyPolicy p;
  p.allow_sha1 = policy.allow_sha1;
  p.allow_unsigned = policy.allow_unsigned;
  auto verified = dsig::verify_package(verifier_, bytes, p);
  if (!verified.ok()) return verified.status();
  return engine::VerifiedPackage{std::move(verified->package),
                                 to_engine_verdict(std::move(verified->verdict))};
}

Result<engine::VerifiedReceipt> DsigPackageVerifier::verify_receipt(std::string_view bytes) const {
  auto doc = edxml::parse_untrusted(bytes);
  if (!doc.ok()) return doc.status();
  auto verdict = verifier_.verify(*doc, Placement::kRootLastChild, "",
                                  {false, false, /*bind_sender=*/false});
  if (!verdict.ok()) return verdict.status();
  auto r = edxml::read_receipt(*doc);
  if (!r.ok()) return r.status();
  return engine::VerifiedReceipt{std::move(*r), to_engine_verdict(std::move(*verdict))};
}

Result<std::string> DsigReceiptSigner::sign_receipt(std::string_view receipt_xml) const {
  return current()->sign(receipt_xml, Placement::kRootLastChild);
}

std::shared_ptr<const Signer> DsigReceiptSigner::current() const {
  std::lock_guard lk(mu_);
  return signer_;
}

std::shared_ptr<const Signer> DsigReceiptSigner::replace(std::shared_ptr<const Signer> next) {
  std::lock_guard lk(mu_);
  std::swap(signer_, next);
  return next;
}

}  // namespace docaxis::dsig
