// Shared helpers of the dsig unit tests: where the test PKI and the fixtures are, trust stores
// built from the PKI, fixture verification, and small libxml2 lookups.
//
// DOCAXIS_PKI and DOCAXIS_FIXTURES (set by CTest, see CMakeLists.txt) name the folders made by
// scripts/make-test-pki.sh and tests/data/make-dsig-fixtures.sh; without them the defaults in
// the build tree are used, so ./dsig_tests also runs by hand after one `ctest -R dsig_fixtures`.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "dsig/package_verifier.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "dsig/x509_util.hpp"
#include "edxml/xml_doc.hpp"

struct _xmlNode;

namespace docaxis::dsig::test {

inline constexpr const char* kSender = "000.00.13.H30";
inline constexpr const char* kSha256Rsa = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr const char* kSha256Ecdsa = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
inline constexpr const char* kSha256Digest = "http://www.w3.org/2001/04/xmlenc#sha256";

std::string pki_dir();
std::string fixtures_dir();
// The shared/ folder of the interop suite: DOCAXIS_SHARED_DIR from the environment, else the
// one configured at build time. It may be absent.
std::string shared_dir();
bool shared_present();  // shared_dir()/edxml-samples and shared_dir()/xmldsig-vectors exist

// Base of the interop tests (suites named Interop*, ctest label "interop"): each is skipped,
// with the reason, when the shared folder is absent.
class InteropShared : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shared_present()) GTEST_SKIP() << "interop: " << shared_dir() << " not present";
  }
};
std::string pki(const std::string& relative);  // pki_dir() + "/" + relative

// Bytes of a file; fails the current test (and returns "") when unreadable.
std::string read_bytes(const std::string& path);
std::string fixture(const std::string& name);

// The PKI's trust: anchors, intermediates, and crl/all.pem when `with_crls`.
std::shared_ptr<const TrustStore> trust(bool with_crls);

// The rows of expected.tsv: file, code ("ok" = accepted), description.
struct ExpectedRow {
  std::string file, code, description;
};
std::vector<ExpectedRow> expected_rows();

// verify_package on a fixture file.
Result<VerifiedPackage> verify_fixture(const Verifier& verifier, const std::string& name,
                                       const VerifyPolicy& policy = {});

// "ok" or the refusal's code, for table checks.
std::string code_of(const Status& s);
template <typename T>
std::string code_of(const Result<T>& r) {
  return r.ok() ? "ok" : r.status().code();
}

// A certificate of the PKI and its notAfter.
X509Ptr load_cert(const std::string& relative);
std::time_t not_after(const std::string& relative);

// The first element in document order with this local name (any namespace), or nullptr.
_xmlNode* find_element(const edxml::XmlDoc& doc, const char* local_name);
// Element children of `n`, in order.
std::vector<_xmlNode*> element_children(_xmlNode* n);
std::string local_name(_xmlNode* n);
std::string attribute(_xmlNode* n, const char* name);
std::string text_content(_xmlNode* n);      // xmlNodeGetContent
std::string first_text_node(_xmlNode* n);   // the naive reading: the first text child only

}  // namespace docaxis::dsig::test

// Asserts a Result failed with `code` and that its message contains `fragment`.
#define EXPECT_REFUSED(result, code_, fragment)                                        \
  do {                                                                                 \
    const auto& r_ = (result);                                                         \
    EXPECT_FALSE(r_.ok()) << "accepted, expected " << (code_);                        \
    if (!r_.ok()) {                                                                    \
      EXPECT_EQ(r_.status().code(), (code_)) << r_.status().message();                 \
      EXPECT_THAT(r_.status().message(), ::testing::HasSubstr(fragment))               \
          << "code " << r_.status().code();                                            \
    }                                                                                  \
  } while (0)

// Asserts a Result succeeded, printing the refusal otherwise.
#define ASSERT_ACCEPTED(result) \
  ASSERT_TRUE((result).ok()) << (result).status().to_string()
