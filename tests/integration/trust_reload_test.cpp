// Trust reloading in a running docaxis-hub: a certificate revoked after the hub started is
// refused once the new CRL is in place and the hub got SIGHUP (or its periodic refresh ran),
// without a restart; a broken trust file on reload keeps the hub on its current trust.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "dsig/signer.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::send_package;

const std::string kRevokedOrgan = "000.00.92.H30";

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

bool wait_for_log(TestHub& hub, const std::string& needle, int count = 1) {
  for (int i = 0; i < 100; ++i) {
    const std::string log = hub.log();
    int seen = 0;
    for (std::size_t pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) {
      ++seen;
    }
    if (seen >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(TrustReload, ARevocationPublishedAfterStartIsEnforcedAfterSighupWithoutARestart) {
  const TempDir dir = temp_dir("trust-reload");
  const fs::path crl = dir / "crl.pem";
  std::string config = default_config(dir);
  fs::copy_file(kPki + "/crl/all-before-revocation.pem", crl, fs::copy_options::overwrite_existing);
  config = std::regex_replace(config, std::regex(kPki + "/crl/all\\.pem"), crl.string());
  config += "[[endpoints]]\norgan = \"" + kRevokedOrgan + "\"\n";
  TestHub hub(dir, TestHub::FullConfig{config});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  const std::string revoked_organ = kPki + "/special/revoked";

  // Not yet revoked as far as this hub knows.
  auto before = send_package(port, kPki, revoked_organ, "edoc", signed_by_revoked("1"));
  EXPECT_EQ(before.outcome, "accepted") << before.condition << " " << before.description;

  // A broken file on reload: the hub keeps its trust (and says so).
  std::ofstream(crl, std::ios::trunc) << "not a CRL\n";
  ASSERT_EQ(kill(hub.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(hub, "event=trust-reload-failed trigger=sighup scope=signature")) << hub.log();
  auto still = send_package(port, kPki, revoked_organ, "edoc", signed_by_revoked("2"));
  EXPECT_EQ(still.outcome, "accepted") << still.condition << " " << still.description;

  // The issuing CA publishes the revocation; the operator sends SIGHUP.
  fs::copy_file(kPki + "/crl/all.pem", crl, fs::copy_options::overwrite_existing);
  ASSERT_EQ(kill(hub.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(hub, "event=trust-reloaded trigger=sighup")) << hub.log();
  auto after = send_package(port, kPki, revoked_organ, "edoc", signed_by_revoked("3"));
  EXPECT_EQ(after.outcome, "rejected");
  EXPECT_EQ(after.condition, "docaxis:cert-revoked") << after.description;
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

}  // namespace
}  // namespace docaxis::test
