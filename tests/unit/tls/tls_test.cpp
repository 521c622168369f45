// hub/tls: Proton's private layout as pinned, exact trust on a Proton domain, and re-checks.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "tls/certificate.hpp"
#include "tls/context.hpp"
#include "tls/proton_domain.hpp"
#include "tls/trust.hpp"

namespace docaxis::tls {
namespace {

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

X509Ptr read_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return X509Ptr(x);
}

// Is a certificate equal to `cert` among the store's objects?
bool store_has(X509_STORE* store, X509* cert) {
  STACK_OF(X509_OBJECT)* objs = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objs); ++i) {
    X509* c = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
    if (c != nullptr && X509_cmp(c, cert) == 0) return true;
  }
  return false;
}

TEST(ProtonDomain, TheClientOptionsLayoutLeadsToTheDomainsSslCtx) {
  // The SSL_CTX reached through the pinned layout holds this very certificate as its own.
  const std::string base = pki() + "/organs/000.00.13.H30";
  proton::ssl_client_options o(proton::ssl_certificate(base + ".crt", base + ".key"),
                               pki() + "/trust-anchors.pem", proton::ssl::VERIFY_PEER);
  SSL_CTX* ctx = ssl_ctx_of(o);
  ASSERT_NE(ctx, nullptr);
  X509* own = SSL_CTX_get0_certificate(ctx);
  ASSERT_NE(own, nullptr);
  auto expected = read_cert(base + ".crt");
  EXPECT_EQ(X509_cmp(own, expected.get()), 0);
  EXPECT_TRUE(store_has(SSL_CTX_get_cert_store(ctx), read_cert(pki() + "/root-ca.crt").get()));
}

TEST(ProtonDomain, TheServerOptionsLayoutLeadsToTheDomainsSslCtx) {
  const std::string base = pki() + "/hubs/h30";
  proton::ssl_server_options o(proton::ssl_certificate(base + ".crt", base + ".key"),
                               pki() + "/trust-anchors.pem");
  SSL_CTX* ctx = ssl_ctx_of(o);
  ASSERT_NE(ctx, nullptr);
  auto expected = read_cert(base + ".crt");
  EXPECT_EQ(X509_cmp(SSL_CTX_get0_certificate(ctx), expected.get()), 0);
}

TEST(ContextTrust, InstallDropsTheOsStoreAndAppliesThePolicy) {
  // Proton loads $SSL_CERT_FILE (the OS store) into the domain; after install only the
  // configured anchors are in it.
  ::setenv("SSL_CERT_FILE", (pki() + "/lookalike/root-ca.crt").c_str(), 1);
  const std::string base = pki() + "/organs/000.00.13.H30";
  proton::ssl_client_options o(proton::ssl_certificate(base + ".crt", base + ".key"),
                               pki() + "/trust-anchors.pem", proton::ssl::VERIFY_PEER);
  ::unsetenv("SSL_CERT_FILE");
  SSL_CTX* ctx = ssl_ctx_of(o);
  auto lookalike = read_cert(pki() + "/lookalike/root-ca.crt");
  ASSERT_TRUE(store_has(SSL_CTX_get_cert_store(ctx), lookalike.get()))
      << "precondition: Proton put the OS store's CA into the domain";
  auto trust = TlsTrust::load({{pki() + "/trust-anchors.pem"}, {}, {}});
  ASSERT_TRUE(trust.ok()) << trust.status().to_string();
  auto installed = ContextTrust::install(ctx, *trust);
  ASSERT_TRUE(installed.ok()) << installed.status().to_string();
  EXPECT_FALSE(store_has(SSL_CTX_get_cert_store(ctx), lookalike.get()));
  EXPECT_TRUE(store_has(SSL_CTX_get_cert_store(ctx), read_cert(pki() + "/root-ca.crt").get()));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
}

Chain chain_of(const std::string& leaf) {
  Chain c;
  c.push_back(read_cert(leaf));
  return c;
}

TEST(TlsTrust, VerifyCompletesFromIntermediatesAndAppliesCrls) {
  auto with_crl = TlsTrust::load({{pki() + "/trust-anchors.pem"},
                                  {pki() + "/intermediates.pem"},
                                  {pki() + "/crl/all.pem"}});
  ASSERT_TRUE(with_crl.ok()) << with_crl.status().to_string();
  const auto now = std::time(nullptr);
  EXPECT_TRUE((*with_crl)->verify(chain_of(pki() + "/organs/000.00.13.H30.crt"), now).ok());
  EXPECT_EQ((*with_crl)->verify(chain_of(pki() + "/special/revoked.crt"), now).code(),
            "cert-revoked");
  EXPECT_EQ((*with_crl)->verify(chain_of(pki() + "/special/expired.crt"), now).code(),
            "cert-expired");
  EXPECT_EQ((*with_crl)->verify(chain_of(pki() + "/lookalike/000.00.13.H30.crt"), now).code(),
            "cert-untrusted");
  auto no_intermediates = TlsTrust::load({{pki() + "/trust-anchors.pem"}, {}, {}});
  ASSERT_TRUE(no_intermediates.ok());
  EXPECT_EQ((*no_intermediates)->verify(chain_of(pki() + "/organs/000.00.13.H30.crt"), now).code(),
            "cert-untrusted");
}

TEST(Certificate, TheOrganIsTheSubjectUidAndHubsHaveNone) {
  EXPECT_EQ(organ_uid(read_cert(pki() + "/organs/000.00.13.H30.crt").get()), "000.00.13.H30");
  EXPECT_EQ(organ_uid(read_cert(pki() + "/organs/000.00.04.G14.crt").get()), "000.00.04.G14");
  EXPECT_EQ(organ_uid(read_cert(pki() + "/hubs/national.crt").get()), "");
  EXPECT_EQ(organ_uid(nullptr), "");
}

TEST(TlsTrust, LoadRefusesMissingFilesAndEmptyAnchors) {
  EXPECT_EQ(TlsTrust::load({{"/nonexistent.pem"}, {}, {}}).status().code(), "file-unreadable");
  EXPECT_EQ(TlsTrust::load({{}, {}, {}}).status().code(), "no-trust-anchor");
  EXPECT_EQ(TlsTrust::load({{pki() + "/trust-anchors.pem"}, {}, {pki() + "/root-ca.crt"}})
                .status()
                .code(),
            "bad-crl");
}

}  // namespace
}  // namespace docaxis::tls
