// The edXML ingest check in one call: safe parse, read the package model, verify its
// signature bound to From/OrganId, all on one tree (the model is read from the very tree
// whose signature was verified: hardening class 1).
#pragma once

#include <string_view>

#include "common/status.hpp"
#include "dsig/verifier.hpp"
#include "edxml/model.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::dsig {

struct VerifiedPackage {
  edxml::XmlDoc doc;
  edxml::Package package;
  Verdict verdict;
};

// Error codes: those of edxml::parse_untrusted and edxml::read_package, then those of
// Verifier::verify.
Result<VerifiedPackage> verify_package(const Verifier& verifier, std::string_view bytes,
                                       const VerifyPolicy& policy,
                                       const edxml::ParseLimits& limits = {});

}  // namespace docaxis::dsig
