// server/cert_watch: the configured certificates read into the inventory with their roles, and
// the cert-expiring / cert-expired warnings at the [certs] warn_days horizon.
#include "server/cert_watch.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "log_capture.hpp"
#include "temp_dir.hpp"
#include "test_certs.hpp"

namespace docaxis::server {
namespace {

namespace fs = std::filesystem;

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

model::CertInfo one(const std::string& path, const std::string& role) {
  auto c = tls::describe_pem_file(path, role);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? c->front() : model::CertInfo{};
}

TEST(CertWatch, WarnsOnceForEachCertificateWithinTheHorizonAndErrsForExpiredOnes) {
  const docaxis::test::TempDir dir("cert-watch");
  const std::string soon = (dir / "soon").string();
  docaxis::test::CertSpec spec;
  spec.common_name = "expires soon";
  spec.not_after_offset = 5 * 86400;
  ASSERT_TRUE(docaxis::test::issue_ec_certificate(pki() + "/intermediate-ca.crt",
                                                  pki() + "/intermediate-ca.key", soon, spec)
                  .ok());
  tls::CertInventory inv(10);
  const model::CertInfo soon_info = one(soon + ".crt", "hub-signing");
  const model::CertInfo expired = one(pki() + "/special/expired.crt", "endpoint");
  inv.set_configured({one(pki() + "/hubs/h30.crt", "hub-tls"), soon_info,
                      one(pki() + "/root-ca.crt", "anchor")});
  inv.record_seen(expired, 1);
  // Four and a bit days before the short-lived certificate's end.
  const std::int64_t now = soon_info.not_after - 5 * 86400 + 10;

  test::LogCapture log;
  CertWatch watch(inv, 30, [now] { return now; });
  EXPECT_EQ(watch.check("start"), 2u);
  auto expiring = log.lines_with("event=cert-expiring");
  ASSERT_EQ(expiring.size(), 1u) << log.all();
  EXPECT_NE(expiring[0].find("level=warn logger=trust"), std::string::npos) << expiring[0];
  EXPECT_NE(expiring[0].find("trigger=start role=hub-signing subject=\"CN=expires soon,"),
            std::string::npos)
      << expiring[0];
  EXPECT_NE(expiring[0].find("days_left=4"), std::string::npos) << expiring[0];
  EXPECT_NE(expiring[0].find("serial=" + soon_info.serial), std::string::npos) << expiring[0];
  EXPECT_NE(expiring[0].find("sha256=" + soon_info.sha256.substr(0, 16)), std::string::npos);
  auto gone = log.lines_with("event=cert-expired");
  ASSERT_EQ(gone.size(), 1u) << log.all();
  EXPECT_NE(gone[0].find("level=error"), std::string::npos) << gone[0];
  EXPECT_NE(gone[0].find("role=endpoint"), std::string::npos) << gone[0];
  EXPECT_NE(gone[0].find("days_left=-"), std::string::npos) << gone[0];

  // A shorter horizon: the short-lived one is no longer within it; the expired one still is.
  CertWatch narrow(inv, 3, [now] { return now; });
  EXPECT_EQ(narrow.check("daily"), 1u);
  EXPECT_EQ(log.lines_with("event=cert-expiring").size(), 1u);
  EXPECT_EQ(log.lines_with("event=cert-expired").size(), 2u);
}

TEST(CertWatch, TheDailyThreadChecksAgainAndStops) {
  tls::CertInventory inv(10);
  inv.record_seen(one(pki() + "/special/expired.crt", "endpoint"), 1);
  test::LogCapture log;
  CertWatch watch(inv, 30, {}, std::chrono::seconds(1));
  watch.start();
  for (int i = 0; i < 100 && log.lines_with("trigger=daily").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  watch.stop();
  EXPECT_FALSE(log.lines_with("event=cert-expired trigger=daily").empty()) << log.all();
}

TEST(CertWatch, ConfiguredCertificatesCarryTheirRoles) {
  config::HubConfig cfg;
  cfg.listener.tls.cert_file = pki() + "/hubs/h30.crt";
  cfg.trust.anchor_files = {pki() + "/trust-anchors.pem"};
  cfg.trust.intermediate_files = {pki() + "/intermediates.pem", pki() + "/missing.pem"};
  cfg.listener.tls.client_ca_files = {pki() + "/trust-anchors.pem"};
  const model::CertInfo signing = one(pki() + "/hubs/h30.crt", "hub-signing");
  test::LogCapture log;
  // The listener's copy of its chain: leaf then issuer.
  auto certs = configured_certificates(cfg, pki() + "/hubs/h30.fullchain.pem", signing, 42);
  ASSERT_GE(certs.size(), 4u);
  EXPECT_EQ(certs[0].role, "hub-tls");
  EXPECT_EQ(certs[0].source, cfg.listener.tls.cert_file);
  EXPECT_EQ(certs[0].subject, "CN=docaxis hub h30,O=docaxis test PKI,C=VN");
  EXPECT_EQ(certs[1].role, "hub-signing");
  EXPECT_EQ(certs[1].last_seen, 42);
  std::size_t anchors = 0, intermediates = 0;
  for (const auto& c : certs) {
    if (c.role == "anchor") {
      ++anchors;
      EXPECT_EQ(c.subject, "CN=docaxis Test Root CA,O=docaxis test PKI,C=VN");
    }
    if (c.role == "intermediate") {
      ++intermediates;
      EXPECT_EQ(c.subject, "CN=docaxis Test Issuing CA,O=docaxis test PKI,C=VN");
    }
  }
  EXPECT_GE(anchors, 1u);
  EXPECT_GE(intermediates, 2u);  // the TLS chain's issuer and trust.intermediate_files
  auto unreadable = log.lines_with("event=cert-file-unreadable");
  ASSERT_EQ(unreadable.size(), 1u) << log.all();
  EXPECT_NE(unreadable[0].find("missing.pem"), std::string::npos);
}

}  // namespace
}  // namespace docaxis::server
