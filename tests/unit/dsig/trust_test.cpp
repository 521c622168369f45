// The TrustStore (paths, CRLs, signer policy) and the SignerCache through the Verifier: a
// cached validation must lapse when time passes the chain's validity or the CRLs' nextUpdate,
// and when the trust is replaced (new CRLs).
#include <openssl/x509.h>

#include <atomic>

#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

using ::testing::HasSubstr;

// A clock the test moves; starts at the real time.
struct TestClock {
  std::shared_ptr<std::atomic<std::time_t>> now =
      std::make_shared<std::atomic<std::time_t>>(std::time(nullptr));
  Verifier::Clock fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
};

Result<std::shared_ptr<const ValidatedSigner>> validate(const TrustStore& ts,
                                                        const std::string& cert,
                                                        std::time_t now = std::time(nullptr)) {
  X509Ptr leaf = load_cert(cert);  // the intermediate comes from the TrustStore
  std::vector<X509*> presented{leaf.get()};
  return ts.validate(leaf.get(), presented, now);
}

TEST(TrustStoreTest, OrganCertificateChainsToTheRoot) {
  auto ts = trust(true);
  auto v = validate(*ts, "organs/000.00.13.H30.crt");
  ASSERT_ACCEPTED(v);
  EXPECT_EQ((*v)->organ, "000.00.13.H30");
  EXPECT_EQ((*v)->subject, "UID=000.00.13.H30,CN=Organ 000.00.13.H30,O=docaxis test PKI,C=VN");
  EXPECT_EQ((*v)->generation, ts->generation());
  EXPECT_TRUE(ts->checks_crls());
  // Reusable no longer than the leaf lives, nor past the CRLs' nextUpdate (+30 days).
  EXPECT_LE((*v)->not_after, not_after("organs/000.00.13.H30.crt"));
  EXPECT_LE((*v)->not_after, std::time(nullptr) + 31 * 86400);
  EXPECT_GT((*v)->not_after, std::time(nullptr));
}

TEST(TrustStoreTest, EcdsaOrganCertificateIsAccepted) {
  auto v = validate(*trust(true), "organs/000.00.04.G14.crt");
  ASSERT_ACCEPTED(v);
  EXPECT_EQ((*v)->organ, "000.00.04.G14");
}

TEST(TrustStoreTest, ExpiredCertificateIsCertExpired) {
  EXPECT_REFUSED(validate(*trust(false), "special/expired.crt"), "cert-expired", "000.00.90.H30");
}

TEST(TrustStoreTest, NotYetValidCertificateIsCertNotYetValid) {
  EXPECT_REFUSED(validate(*trust(false), "special/not-yet-valid.crt"), "cert-not-yet-valid",
                 "000.00.91.H30");
}

TEST(TrustStoreTest, RevokedCertificateIsRefusedOnlyWhenCrlsAreConfigured) {
  EXPECT_REFUSED(validate(*trust(true), "special/revoked.crt"), "cert-revoked", "000.00.92.H30");
  auto without = validate(*trust(false), "special/revoked.crt");
  ASSERT_ACCEPTED(without);
  EXPECT_FALSE(trust(false)->checks_crls());
}

TEST(TrustStoreTest, LookalikeChainIsUntrusted) {
  EXPECT_REFUSED(validate(*trust(true), "lookalike/000.00.13.H30.crt"), "cert-untrusted",
                 "does not chain");
}

TEST(TrustStoreTest, CaCertificateAsSignerIsCertUsage) {
  EXPECT_REFUSED(validate(*trust(true), "special/ca-usage.crt"), "cert-usage", "000.00.93.H30");
}

TEST(TrustStoreTest, CertificateWithoutSigningKeyUsageIsCertUsage) {
  EXPECT_REFUSED(validate(*trust(true), "special/no-sign-usage.crt"), "cert-usage", "keyUsage");
}

TEST(TrustStoreTest, Rsa1024KeyIsCertUsage) {
  EXPECT_REFUSED(validate(*trust(true), "special/weak-rsa1024.crt"), "cert-usage", "1024");
}

TEST(TrustStoreTest, MinimumRsaSizeIsConfigurable) {
  TrustConfig config{{pki("trust-anchors.pem")}, {pki("intermediates.pem")}, {}, 1024};
  auto ts = TrustStore::load(config);
  ASSERT_ACCEPTED(ts);
  ASSERT_ACCEPTED(validate(**ts, "special/weak-rsa1024.crt"));
}

TEST(TrustStoreTest, CertificateWithoutUidHasNoOrgan) {
  auto v = validate(*trust(true), "special/no-uid.crt");
  ASSERT_ACCEPTED(v);
  EXPECT_EQ((*v)->organ, "");
}

// Issue 12: a hub certificate names its hub as the SAN URI urn:docaxis:hub:<name>; the
// validated signer (and so Verdict::signer_uris) carries it; an organ's carries none.
TEST(TrustStoreTest, HubCertificatesCarryTheirHubNameAsASanUri) {
  for (const std::string hub : {"h30", "national", "g12"}) {
    const std::string cert = "hubs/" + hub + ".crt";
    EXPECT_EQ(san_uris_of(load_cert(cert).get()),
              std::vector<std::string>{"urn:docaxis:hub:" + hub})
        << cert;
    auto v = validate(*trust(true), cert);
    ASSERT_ACCEPTED(v);
    EXPECT_EQ((*v)->uris, std::vector<std::string>{"urn:docaxis:hub:" + hub});
  }
  EXPECT_TRUE(san_uris_of(load_cert("organs/000.00.13.H30.crt").get()).empty());
  auto organ = validate(*trust(true), "organs/000.00.13.H30.crt");
  ASSERT_ACCEPTED(organ);
  EXPECT_TRUE((*organ)->uris.empty());
}

TEST(TrustStoreTest, LoadErrorsHaveStableCodes) {
  EXPECT_EQ(code_of(TrustStore::load({})), "no-trust-anchor");
  EXPECT_EQ(code_of(TrustStore::load({{pki("no-such-file.pem")}, {}, {}, 2048})),
            "file-unreadable");
  EXPECT_EQ(code_of(TrustStore::load({{pki("root-ca.key")}, {}, {}, 2048})), "bad-certificate");
}

TEST(TrustStoreTest, EveryLoadIsANewGeneration) {
  EXPECT_NE(trust(true)->generation(), trust(true)->generation());
}

// ---------------------------------------------------------------- through the Verifier

TEST(SignerCacheTest, SecondVerificationIsACacheHit) {
  Verifier verifier(trust(true));
  auto first = verify_fixture(verifier, "good-rsa.edxml");
  ASSERT_ACCEPTED(first);
  EXPECT_FALSE(first->verdict.cache_hit);
  auto second = verify_fixture(verifier, "good-rsa.edxml");
  ASSERT_ACCEPTED(second);
  EXPECT_TRUE(second->verdict.cache_hit);
  EXPECT_EQ(second->verdict.signer_subject, first->verdict.signer_subject);
  // Another document by the same signer hits the same entry.
  auto status = verify_fixture(verifier, "good-status.edxml");
  ASSERT_ACCEPTED(status);
  EXPECT_TRUE(status->verdict.cache_hit);
  EXPECT_EQ(verifier.cache().size(), 1u);
}

TEST(SignerCacheTest, CapacityZeroDisablesCaching) {
  Verifier verifier(trust(true), {}, /*cache_capacity=*/0);
  for (int i = 0; i < 2; ++i) {
    auto r = verify_fixture(verifier, "good-rsa.edxml");
    ASSERT_ACCEPTED(r);
    EXPECT_FALSE(r->verdict.cache_hit);
  }
  EXPECT_EQ(verifier.cache().size(), 0u);
}

TEST(SignerCacheTest, RefusedCertificatesAreNotCached) {
  Verifier verifier(trust(true));
  EXPECT_EQ(code_of(verify_fixture(verifier, "cert-expired.edxml")), "cert-expired");
  EXPECT_EQ(code_of(verify_fixture(verifier, "cert-expired.edxml")), "cert-expired");
  EXPECT_EQ(code_of(verify_fixture(verifier, "cert-lookalike.edxml")), "cert-untrusted");
  EXPECT_EQ(verifier.cache().size(), 0u);
}

TEST(SignerCacheTest, CachedSignerExpiresWithItsCertificate) {
  TestClock clock;
  Verifier verifier(trust(false), clock.fn());
  ASSERT_ACCEPTED(verify_fixture(verifier, "good-rsa.edxml"));
  auto hit = verify_fixture(verifier, "good-rsa.edxml");
  ASSERT_ACCEPTED(hit);
  ASSERT_TRUE(hit->verdict.cache_hit);
  // One day past the organ certificate's notAfter: the cached success must not be reused.
  clock.now->store(not_after("organs/000.00.13.H30.crt") + 86400);
  EXPECT_REFUSED(verify_fixture(verifier, "good-rsa.edxml"), "cert-expired", "000.00.13.H30");
}

TEST(SignerCacheTest, CachedSignerIsNotUsedBeforeItsCertificateIsValid) {
  TestClock clock;
  Verifier verifier(trust(false), clock.fn());
  ASSERT_ACCEPTED(verify_fixture(verifier, "good-rsa.edxml"));
  // Every certificate of the PKI starts one day in the past; OpenSSL names the first of the
  // path it finds not yet valid (the root).
  clock.now->store(std::time(nullptr) - 3 * 86400);
  EXPECT_REFUSED(verify_fixture(verifier, "good-rsa.edxml"), "cert-not-yet-valid",
                 "is not yet valid");
}

TEST(SignerCacheTest, CachedSignerLapsesWhenTheCrlsAreNoLongerCurrent) {
  TestClock clock;
  Verifier verifier(trust(true), clock.fn());
  ASSERT_ACCEPTED(verify_fixture(verifier, "good-rsa.edxml"));
  ASSERT_TRUE(verify_fixture(verifier, "good-rsa.edxml")->verdict.cache_hit);
  clock.now->store(*clock.now + 40 * 86400);  // the CRLs' nextUpdate is +30 days
  EXPECT_REFUSED(verify_fixture(verifier, "good-rsa.edxml"), "cert-revocation-unknown",
                 "revoked");
}

TEST(SignerCacheTest, NewCrlRevokesACachedSigner) {
  Verifier verifier(trust(/*with_crls=*/false));
  // Without CRLs the revoked certificate verifies, and is cached.
  auto before = verify_fixture(verifier, "cert-revoked.edxml");
  ASSERT_ACCEPTED(before);
  EXPECT_EQ(before->verdict.signer_organ, "000.00.92.H30");
  ASSERT_TRUE(verify_fixture(verifier, "cert-revoked.edxml")->verdict.cache_hit);
  verifier.set_trust_store(trust(/*with_crls=*/true));
  EXPECT_REFUSED(verify_fixture(verifier, "cert-revoked.edxml"), "cert-revoked", "000.00.92.H30");
  // Signers the new CRLs do not list are validated again and cached again.
  auto good = verify_fixture(verifier, "good-rsa.edxml");
  ASSERT_ACCEPTED(good);
  EXPECT_FALSE(good->verdict.cache_hit);
  EXPECT_TRUE(verify_fixture(verifier, "good-rsa.edxml")->verdict.cache_hit);
}

TEST(SignerCacheTest, RemovedAnchorUntrustsACachedSigner) {
  Verifier verifier(trust(false));
  ASSERT_ACCEPTED(verify_fixture(verifier, "good-rsa.edxml"));
  TrustConfig lookalike_only{{pki("lookalike/root-ca.crt")}, {}, {}, 2048};
  auto other = TrustStore::load(lookalike_only);
  ASSERT_ACCEPTED(other);
  verifier.set_trust_store(*other);
  EXPECT_REFUSED(verify_fixture(verifier, "good-rsa.edxml"), "cert-untrusted", "docaxis test PKI");
}

TEST(SignerCacheTest, FullCacheStillServesCorrectVerdicts) {
  Verifier verifier(trust(true), {}, /*cache_capacity=*/1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_ACCEPTED(verify_fixture(verifier, "good-rsa.edxml"));
    ASSERT_ACCEPTED(verify_fixture(verifier, "good-ecdsa.edxml"));
    EXPECT_LE(verifier.cache().size(), 1u);
  }
}

}  // namespace
}  // namespace docaxis::dsig::test
