// CRL fetching in a running docaxis-hub (trust.crl_fetch, hub/crl): CRLs served over HTTP on
// 127.0.0.1 by the test. A revocation served after the hub started is enforced without a
// restart; a CRL server that is down leaves the cached CRL in use until nextUpdate + grace,
// across a restart, and then the CA's certificates are refused (fail closed); a served CRL with
// a bad signature is not used.
//
// The test PKI's certificates carry no CRL distribution point, so the CRLs' URLs are given by
// trust.crl_fetch_urls (the distribution-point path is covered by tests/unit/crl). With
// crl_fetch on, revocation is checked for TLS clients too, and the test's client certificate
// is the signer's: a revoked or unverifiable signer is refused at its TLS handshake
// (tls-handshake-refused in the hub's log, with the reason).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <regex>
#include <thread>

#include "crl_test_support.hpp"
#include "dsig/signer.hpp"
#include "http_get.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"
#include "tls/certificate.hpp"

namespace docaxis::test {
namespace {

using amqp::test::send_package;
namespace ct = crl::test;

const std::string kRevokedOrgan = "000.00.92.H30";  // special/revoked: listed in crl/intermediate.crl.pem

std::string signed_by_revoked(const std::string& n) {
  std::string doc = read(kFixtures + "/unsigned.edxml");
  doc = std::regex_replace(doc, std::regex("000\\.00\\.13\\.H30"), kRevokedOrgan);
  doc = std::regex_replace(doc, std::regex("74/VPCP"), n + "/VPCP");
  auto signer = dsig::Signer::load(kPki + "/special/revoked.key", kPki + "/special/revoked.crt",
                                   {kPki + "/intermediates.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  if (!signer.ok()) return {};
  auto s = (*signer)->sign(doc);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? *s : std::string();
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

bool wait_for_log(TestHub& hub, const std::string& needle, int times = 1, int seconds = 20) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (count(hub.log(), needle) >= times) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void sleep_until(std::int64_t t) {
  while (static_cast<std::int64_t>(std::time(nullptr)) < t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The default hub with CRLs fetched from `server` instead of read from files.
std::string crl_config(const fs::path& dir, const ct::TinyHttpServer& server, int grace) {
  std::string config = default_config(dir);
  config = std::regex_replace(config, std::regex("crl_files = \\[\"[^\"]*/crl/all\\.pem\"\\]\n"), "");
  EXPECT_EQ(config.find("crl/all.pem"), std::string::npos) << config;
  config = std::regex_replace(
      config, std::regex("\\[trust\\]\n"),
      "[trust]\ncrl_fetch = true\ncrl_fetch_interval_seconds = 1\ncrl_grace_seconds = " +
          std::to_string(grace) + "\ncrl_fetch_urls = [\"" + server.url("/issuing.crl") +
          "\", \"" + server.url("/root.crl") + "\"]\n");
  config += "[[endpoints]]\norgan = \"" + kRevokedOrgan + "\"\n";
  return config;
}

struct TestCas {
  tls::X509Ptr root = ct::load_cert(kPki + "/root-ca.crt");
  ct::PkeyPtr root_key = ct::load_key(kPki + "/root-ca.key");
  tls::X509Ptr issuing = ct::load_cert(kPki + "/intermediate-ca.crt");
  ct::PkeyPtr issuing_key = ct::load_key(kPki + "/intermediate-ca.key");
  tls::X509Ptr revoked = ct::load_cert(kPki + "/special/revoked.crt");
};

const std::string kRevokedBase = kPki + "/special/revoked";

TEST(CrlFetch, ARevocationServedAfterStartIsEnforcedWithoutARestart) {
  ct::TinyHttpServer server;
  server.set("/issuing.crl", read(kPki + "/crl/intermediate-before-revocation.crl.pem"));
  server.set("/root.crl", read(kPki + "/crl/root.crl.pem"));
  const TempDir dir = temp_dir("crl-fetch-revoke");
  TestHub hub(dir, TestHub::FullConfig{crl_config(dir, server, 3600)});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  ASSERT_TRUE(wait_for_log(hub, "event=trust-reloaded trigger=crl-fetch")) << hub.log();
  EXPECT_EQ(count(hub.log(), "event=crl-updated"), 2) << hub.log();
  EXPECT_TRUE(fs::is_directory(dir / "data" / "crl-cache"));

  auto before = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("1"));
  EXPECT_EQ(before.outcome, "accepted") << before.condition << " " << before.description << hub.log();

  // The issuing CA publishes the revocation; no SIGHUP, no restart.
  server.set("/issuing.crl", read(kPki + "/crl/intermediate.crl.pem"));
  ASSERT_TRUE(wait_for_log(hub, "event=trust-reloaded trigger=crl-fetch", 2)) << hub.log();
  EXPECT_EQ(count(hub.log(), "event=crl-updated"), 3) << hub.log();
  auto after = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("2"));
  EXPECT_NE(after.outcome, "accepted");
  ASSERT_TRUE(wait_for_log(hub, "event=tls-handshake-refused")) << hub.log();
  EXPECT_NE(hub.log().find("reason=cert-revoked"), std::string::npos) << hub.log();
  // An organ that is not revoked still gets in.
  auto other = send_package(port, kPki, organ("000.00.13.H30"), "edoc", read(kFixtures + "/good-rsa.edxml"));
  EXPECT_EQ(other.outcome, "accepted") << other.condition << " " << other.description;
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

TEST(CrlFetch, ADownServerKeepsTheCachedCrlAcrossARestartUntilNextUpdatePlusGraceThenFailsClosed) {
  TestCas cas;
  ct::TinyHttpServer server;
  const std::int64_t t0 = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t next_update = t0 + 15;
  const int grace = 10;
  server.set("/issuing.crl", ct::make_crl_der(cas.issuing.get(), cas.issuing_key.get(),
                                              {t0 - 60, next_update, {}, {}, 100}));
  server.set("/root.crl", ct::make_crl_der(cas.root.get(), cas.root_key.get(),
                                           {t0 - 60, next_update, {}, {}, 100}));
  const TempDir dir = temp_dir("crl-fetch-down");
  // With the operator endpoint: /readyz and /metrics must say what the log says.
  const std::string config =
      crl_config(dir, server, grace) + "[ops]\nenabled = true\nport = 0\n";
  {
    TestHub hub(dir, TestHub::FullConfig{config});
    const int port = hub.start();
    ASSERT_GT(port, 0) << hub.log();
    ASSERT_TRUE(wait_for_log(hub, "event=trust-reloaded trigger=crl-fetch")) << hub.log();
    auto first = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("1"));
    EXPECT_EQ(first.outcome, "accepted") << first.condition << " " << first.description << hub.log();
    EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
  }
  server.down();
  TestHub hub(dir, TestHub::FullConfig{config});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  EXPECT_EQ(count(hub.log(), "event=crl-cache-loaded"), 2) << hub.log();
  ASSERT_TRUE(wait_for_log(hub, "event=crl-fetch-failed")) << hub.log();
  // Past nextUpdate, within the grace: the cached CRL is still used.
  sleep_until(next_update + 1);
  auto stale = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("2"));
  EXPECT_EQ(stale.outcome, "accepted") << stale.condition << " " << stale.description << hub.log();
  const int ops = std::stoi(read((dir / "data" / "ops.port").string()));
  const HttpAnswer ready_stale = http_get(ops, "/readyz");
  EXPECT_EQ(ready_stale.status, 200u) << ready_stale.body;
  const std::string issuing_series =
      "docaxis_crl_expiry_timestamp_seconds{issuer=\"" + tls::subject_of(cas.issuing.get()) +
      "\",url=\"" + server.url("/issuing.crl") + "\"} " + std::to_string(next_update + grace);
  EXPECT_NE(http_get(ops, "/metrics").body.find(issuing_series), std::string::npos)
      << issuing_series << "\n" << http_get(ops, "/metrics").body;
  // Past nextUpdate + grace: refused, and the log says why.
  sleep_until(next_update + grace + 2);
  ASSERT_TRUE(wait_for_log(hub, "event=crl-unusable")) << hub.log();
  EXPECT_NE(hub.log().find("expired: nextUpdate"), std::string::npos) << hub.log();
  auto closed = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("3"));
  EXPECT_NE(closed.outcome, "accepted");
  ASSERT_TRUE(wait_for_log(hub, "event=tls-handshake-refused")) << hub.log();
  EXPECT_NE(hub.log().find("reason=cert-revocation-unknown"), std::string::npos) << hub.log();
  const HttpAnswer ready_closed = http_get(ops, "/readyz");
  EXPECT_EQ(ready_closed.status, 503u) << ready_closed.body;
  EXPECT_NE(ready_closed.body.find("crl"), std::string::npos) << ready_closed.body;
  EXPECT_NE(ready_closed.body.find("expired: nextUpdate"), std::string::npos) << ready_closed.body;
  const std::string metrics = http_get(ops, "/metrics").body;
  EXPECT_NE(metrics.find("docaxis_crl_usable{issuer=\"" + tls::subject_of(cas.issuing.get()) +
                         "\",url=\"" + server.url("/issuing.crl") + "\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

TEST(CrlFetch, AServedCrlWithABadSignatureIsNotUsed) {
  TestCas cas;
  ct::TinyHttpServer server;
  const std::int64_t t0 = static_cast<std::int64_t>(std::time(nullptr));
  server.set("/issuing.crl", ct::make_crl_der(cas.issuing.get(), cas.issuing_key.get(),
                                              {t0 - 60, t0 + 3600, {}, {}, 100}));
  server.set("/root.crl", ct::make_crl_der(cas.root.get(), cas.root_key.get(),
                                           {t0 - 60, t0 + 3600, {}, {}, 100}));
  const TempDir dir = temp_dir("crl-fetch-badsig");
  TestHub hub(dir, TestHub::FullConfig{crl_config(dir, server, 3600)});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  ASSERT_TRUE(wait_for_log(hub, "event=trust-reloaded trigger=crl-fetch")) << hub.log();
  // A newer CRL "from the issuing CA" revoking the signer, signed with the root's key.
  server.set("/issuing.crl", ct::make_crl_der(cas.issuing.get(), cas.root_key.get(),
                                              {t0, t0 + 3600, {}, {cas.revoked.get()}, 101}));
  ASSERT_TRUE(wait_for_log(hub, "crl-bad-signature", 2)) << hub.log();
  EXPECT_EQ(count(hub.log(), "event=trust-reloaded trigger=crl-fetch"), 1) << hub.log();
  auto still = send_package(port, kPki, kRevokedBase, "edoc", signed_by_revoked("1"));
  EXPECT_EQ(still.outcome, "accepted") << still.condition << " " << still.description << hub.log();
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

}  // namespace
}  // namespace docaxis::test
