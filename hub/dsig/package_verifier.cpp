#include "dsig/package_verifier.hpp"

#include "edxml/reader.hpp"

namespace docaxis::dsig {

Result<VerifiedPackage> verify_package(const Verifier& verifier, std::string_view bytes,
                                       const VerifyPolicy& policy,
                                       const edxml::ParseLimits& limits) {
  auto doc = edxml::parse_untrusted(bytes, limits);
  if (!doc) return doc.status();
  auto package = edxml::read_package(*doc);
  if (!package) return package.status();
  auto verdict =
      verifier.verify(*doc, Placement::kEdxmlHeader, package->header.from.organ_id, policy);
  if (!verdict) return verdict.status();
  return VerifiedPackage{std::move(doc).value(), std::move(package).value(),
                         std::move(verdict).value()};
}

}  // namespace docaxis::dsig
