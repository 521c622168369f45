// libFuzzer target: arbitrary bytes through the whole ingest check — safe parse, edXML
// reader, signature profile, signer validation and both verification engines — which must
// never crash, leak or hit undefined behaviour, whatever the input; and two oracles: the
// native engine never accepts what xmlsec refuses, and the own exclusive C14N equals
// libxml2's.
// DOCAXIS_FUZZ_PKI names a test PKI (scripts/make-test-pki.sh) whose root is trusted, so
// mutated copies of signed seeds reach the cryptographic checks.
#include <libxml/c14n.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "dsig/exc_c14n.hpp"
#include "dsig/package_verifier.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "edxml/reader.hpp"

namespace {
std::unique_ptr<docaxis::dsig::Verifier> g_native;
std::unique_ptr<docaxis::dsig::Verifier> g_xmlsec;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* pki = std::getenv("DOCAXIS_FUZZ_PKI");
  const std::string dir = pki != nullptr ? pki : "build/test-pki";
  auto trust = docaxis::dsig::TrustStore::load(
      {{dir + "/trust-anchors.pem"}, {dir + "/intermediates.pem"}, {dir + "/crl/all.pem"}});
  if (!trust) {
    std::fprintf(stderr, "fuzz_verify: %s (set DOCAXIS_FUZZ_PKI)\n",
                 trust.status().to_string().c_str());
    std::abort();
  }
  g_native = std::make_unique<docaxis::dsig::Verifier>(*trust);
  g_xmlsec = std::make_unique<docaxis::dsig::Verifier>(*trust, docaxis::dsig::Verifier::Clock{}, 64,
                                                       docaxis::dsig::Engine::kXmlsec);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  docaxis::dsig::VerifyPolicy strict;
  docaxis::dsig::VerifyPolicy lax{true, true, false};
  auto a = docaxis::dsig::verify_package(*g_native, bytes, strict);
  auto b = docaxis::dsig::verify_package(*g_xmlsec, bytes, lax);
  // The native engine must never accept what xmlsec, under a laxer policy, refuses.
  if (a.ok() && !b.ok() && b.status().code() != "unsigned") {
    std::fprintf(stderr, "engines disagree: native OK, xmlsec %s\n",
                 b.status().to_string().c_str());
    std::abort();
  }
  if (auto doc = docaxis::edxml::parse_untrusted(bytes)) {
    (void)docaxis::edxml::read_package(*doc);
    // The own exclusive C14N must equal libxml2's on every tree it accepts.
    std::string own;
    const auto r = docaxis::dsig::exclusive_c14n(doc->get(), nullptr, [&](const char* p, size_t n) {
      own.append(p, n);
      return true;
    });
    if (r == docaxis::dsig::C14nResult::kOk) {
      xmlChar* ref = nullptr;
      const int n =
          xmlC14NDocDumpMemory(doc->get(), nullptr, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &ref);
      const bool same =
          n >= 0 && own == std::string_view(reinterpret_cast<char*>(ref), static_cast<size_t>(n));
      xmlFree(ref);
      if (!same) {
        std::fprintf(stderr, "exclusive C14N differs from libxml2's\n");
        std::abort();
      }
    }
  }
  return 0;
}
