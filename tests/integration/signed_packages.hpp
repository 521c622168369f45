// Distinct signed packages for the integration tests: the unsigned fixture with a DocumentId of
// its own each ("000.00.13.H30,2026/11/22,<i>/<tag>"), signed by the organ 000.00.13.H30 of the
// test PKI. Header-only; needs hub_fixture.hpp's kFixtures, kPki and organ().
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsig/signer.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {

struct SignedPackages {
  std::vector<std::string> ids;
  std::vector<std::string> bytes;
};

// `count` packages; a test failure is recorded (and fewer returned) when signing fails.
inline SignedPackages signed_packages(int count, const std::string& tag) {
  SignedPackages out;
  const std::string base = read(kFixtures + "/unsigned.edxml");
  const std::string first_id =
      "<edXML:DocumentId>000.00.13.H30,2019/01/16,74/VPCP-TTĐT</edXML:DocumentId>";
  const auto at = base.find(first_id);
  if (at == std::string::npos) {
    ADD_FAILURE() << "the unsigned fixture has no DocumentId " << first_id;
    return out;
  }
  auto signer = dsig::Signer::load(organ("000.00.13.H30") + ".key",
                                   organ("000.00.13.H30") + ".crt", {kPki + "/intermediates.pem"});
  if (!signer.ok()) {
    ADD_FAILURE() << signer.status().to_string();
    return out;
  }
  for (int i = 0; i < count; ++i) {
    std::string id = "000.00.13.H30,2026/11/22," + std::to_string(i) + "/" + tag;
    std::string doc = base;
    doc.replace(at, first_id.size(), "<edXML:DocumentId>" + id + "</edXML:DocumentId>");
    auto s = (*signer)->sign(doc);
    if (!s.ok()) {
      ADD_FAILURE() << s.status().to_string();
      return out;
    }
    out.ids.push_back(std::move(id));
    out.bytes.push_back(std::move(s).value());
  }
  return out;
}

}  // namespace docaxis::test
