// hub/tls cert_inventory: what is read from a certificate, the configured set, and the bounded
// table of certificates seen on connections.
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tls/cert_inventory.hpp"
#include "tls/certificate.hpp"

namespace docaxis::tls {
namespace {

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

model::CertInfo seen(const std::string& fp, std::int64_t not_after = 0) {
  model::CertInfo c;
  c.role = "endpoint";
  c.subject = "CN=" + fp;
  c.sha256 = fp;
  c.not_after = not_after;
  return c;
}

TEST(CertInventory, DescribesACertificateAsOpensslReadsIt) {
  auto certs = load_pem_certs(pki() + "/hubs/h30.crt");
  ASSERT_TRUE(certs.ok()) << certs.status().to_string();
  X509* x = certs->front().get();
  const model::CertInfo c = describe_certificate(x, "hub-signing");
  EXPECT_EQ(c.role, "hub-signing");
  EXPECT_EQ(c.subject, "CN=docaxis hub h30,O=docaxis test PKI,C=VN");
  EXPECT_EQ(c.issuer, "CN=docaxis Test Issuing CA,O=docaxis test PKI,C=VN");
  // Serial: lower-case hex of the certificate's serial number, no leading zeros.
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string expected(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  for (char& ch : expected) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  expected.erase(0, expected.find_first_not_of('0'));
  EXPECT_EQ(c.serial, expected);
  EXPECT_EQ(c.sha256, certificate_sha256(x));
  EXPECT_EQ(c.sha256.size(), 64u);
  // Validity: compare with OpenSSL's own comparison of the ASN1 times.
  int days = 0, secs = 0;
  ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(x)), 1);
  EXPECT_EQ(c.not_after, std::int64_t{days} * 86400 + secs);
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notBefore(x)), 1);
  EXPECT_EQ(c.not_before, std::int64_t{days} * 86400 + secs);
  ASN1_TIME_free(epoch);
  EXPECT_LT(c.not_before, c.not_after);
}

TEST(CertInventory, DescribesEveryCertificateOfAPemFileWithItsSource) {
  const std::string path = pki() + "/hubs/h30.fullchain.pem";
  auto all = describe_pem_file(path, "anchor");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].subject, "CN=docaxis hub h30,O=docaxis test PKI,C=VN");
  EXPECT_EQ((*all)[1].subject, "CN=docaxis Test Issuing CA,O=docaxis test PKI,C=VN");
  for (const auto& c : *all) {
    EXPECT_EQ(c.role, "anchor");
    EXPECT_EQ(c.source, path);
  }
  EXPECT_EQ(describe_pem_file(pki() + "/no-such.pem", "anchor").status().code(), "file-unreadable");
}

TEST(CertInventory, DaysLeftRoundsDownAndIsNegativeOnceExpired) {
  model::CertInfo c;
  const std::int64_t now = 1'800'000'000;
  c.not_after = now + 30 * 86400;
  EXPECT_EQ(model::days_left(c, now), 30);
  c.not_after = now + 30 * 86400 - 1;
  EXPECT_EQ(model::days_left(c, now), 29);
  c.not_after = now + 10;
  EXPECT_EQ(model::days_left(c, now), 0);
  c.not_after = now - 10;
  EXPECT_EQ(model::days_left(c, now), -1);
  c.not_after = now - 86400 - 1;
  EXPECT_EQ(model::days_left(c, now), -2);
}

TEST(CertInventory, KeepsTheMostRecentlySeenUpToItsBound) {
  CertInventory inv(3);
  inv.record_seen(seen("a"), 100);
  inv.record_seen(seen("b"), 101);
  inv.record_seen(seen("c"), 102);
  inv.record_seen(seen("a"), 103);  // seen again: most recent now
  inv.record_seen(seen("d"), 104);  // evicts the least recently seen: b
  auto snap = inv.snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].sha256, "d");
  EXPECT_EQ(snap[1].sha256, "a");
  EXPECT_EQ(snap[1].last_seen, 103);
  EXPECT_EQ(snap[2].sha256, "c");
  EXPECT_EQ(inv.seen_count(), 3u);
  inv.record_seen(seen(""), 105);  // no fingerprint: not kept
  EXPECT_EQ(inv.seen_count(), 3u);
}

TEST(CertInventory, ARenewedCertificateSupersedesTheOlderOneOfTheSameSubject) {
  CertInventory inv(10);
  model::CertInfo old_cert = seen("old", 1000);
  old_cert.subject = "CN=agency";
  model::CertInfo renewed = seen("new", 5000);
  renewed.subject = "CN=agency";
  model::CertInfo other = seen("other", 500);
  inv.record_seen(old_cert, 100);
  inv.record_seen(other, 101);
  inv.record_seen(renewed, 102);
  auto snap = inv.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].sha256, "new");
  EXPECT_EQ(snap[1].sha256, "other");  // another subject stays
  // The old one, still used somewhere, is recorded again; the newer one is not superseded.
  inv.record_seen(old_cert, 103);
  snap = inv.snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].sha256, "old");
}

TEST(CertInventory, ConfiguredCertificatesComeFirstAndAreReplacedAsAWhole) {
  CertInventory inv(10);
  inv.record_seen(seen("peer1"), 100);
  model::CertInfo a = seen("x");
  a.role = "anchor";
  model::CertInfo h = seen("y");
  h.role = "hub-signing";
  inv.set_configured({h, a, a});  // the same anchor twice (two files): once
  auto snap = inv.snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].role, "hub-signing");
  EXPECT_EQ(snap[1].role, "anchor");
  EXPECT_EQ(snap[2].sha256, "peer1");
  inv.set_configured({a});
  snap = inv.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].role, "anchor");
}

TEST(CertInventory, RecordsAndSnapshotsFromManyThreads) {
  CertInventory inv(50);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto snap = inv.snapshot();
      EXPECT_LE(snap.size(), 51u);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&inv, t] {
      for (int i = 0; i < 500; ++i) inv.record_seen(seen(std::to_string(t * 1000 + i % 80)), i);
    });
  }
  inv.set_configured({seen("configured")});
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_EQ(inv.seen_count(), 50u);
  EXPECT_EQ(inv.snapshot().size(), 51u);
}

}  // namespace
}  // namespace docaxis::tls
