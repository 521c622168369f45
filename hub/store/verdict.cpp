// PackageVerdict: its form names and the sentence derived from its fields.
#include <string>

#include "common/strings.hpp"
#include "store/records.hpp"

namespace docaxis::store {

std::string_view to_string(PackageVerdict::Form form) {
  switch (form) {
    case PackageVerdict::Form::kPackage: return "package";
    case PackageVerdict::Form::kRelayedReceipt: return "relayed-receipt";
    case PackageVerdict::Form::kIssuedReceipt: return "issued-receipt";
    case PackageVerdict::Form::kLegacy: return "legacy";
  }
  return "legacy";
}

std::optional<PackageVerdict::Form> parse_verdict_form(std::string_view name) {
  for (auto f : {PackageVerdict::Form::kPackage, PackageVerdict::Form::kRelayedReceipt,
                 PackageVerdict::Form::kIssuedReceipt, PackageVerdict::Form::kLegacy}) {
    if (to_string(f) == name) return f;
  }
  return std::nullopt;
}

std::string describe_verdict(const StoredPackage& pkg) {
  const PackageVerdict& v = pkg.verdict;
  auto number = [](const std::optional<uint64_t>& n) {
    return n ? std::to_string(*n) : std::string("?");
  };
  switch (v.form) {
    case PackageVerdict::Form::kLegacy:
      return v.legacy_text;
    case PackageVerdict::Form::kIssuedReceipt:
      return "issued by " + v.receipt_issuer + " for delivery " + number(v.about_delivery) +
             " (" + v.receipt_outcome + ", document " + v.about_document + ", sha256 " +
             v.about_sha256 + ")";
    case PackageVerdict::Form::kRelayedReceipt:
      return "receipt for " + v.about_document + " (" + v.receipt_outcome + ") issued by " +
             v.receipt_issuer + ", signed by " + v.signer_subject + "; relayed by " +
             v.relayed_by;
    case PackageVerdict::Form::kPackage:
      break;
  }
  std::string s = v.is_signed ? "signed by " + v.signer_subject + "; " + v.signature_method
                              : "unsigned" + (v.unsigned_note.empty() ? "" : ": " + v.unsigned_note);
  if (!pkg.relaxations.empty()) {
    s += "; relaxed: " + join(pkg.relaxations, ",") + " (" + v.relaxation_reason + ")";
  }
  if (!v.relayed_by.empty()) s += "; relayed by " + v.relayed_by;
  if (!v.left_to_earlier_hubs.empty()) {
    std::vector<std::string> left;
    for (const auto& l : v.left_to_earlier_hubs) left.push_back(l.recipient + " (via " + l.via + ")");
    s += "; left to earlier hubs: " + join(left, ",");
  }
  return s;
}

}  // namespace docaxis::store
