// The hub in-process through server::Application, the same wiring docaxis-hub runs: built from
// the test configuration, started, a signed package sent over real mutual TLS and delivered,
// stopped, started again over the same data directory; and a start-up failure reported with
// its step and exit code instead of a half-built hub.
#include "server/application.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "config/validate.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

config::HubConfig load(const fs::path& toml) {
  EXPECT_TRUE(config::check_config_file(toml.string()).empty());
  return config::load_config_file(toml.string()).config;
}

TEST(Application, RunsAHubInProcessAndStopsItInReverse) {
  const TempDir dir = temp_dir("application");
  TestHub files(dir);  // writes hub.toml; never started as a process here
  const config::HubConfig cfg = load(dir / "hub.toml");
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    server::StartError error;
    auto hub = server::Application::build(cfg, error);
    ASSERT_NE(hub, nullptr) << error.step << ": " << error.status.to_string();
    ASSERT_TRUE(hub->start(error)) << error.step << ": " << error.status.to_string();
    ASSERT_GT(hub->port(), 0);
    std::ifstream port_file(dir / "data" / "hub.port");
    int written = 0;
    port_file >> written;
    EXPECT_EQ(written, hub->port());

    // Round 0 sends; round 1 finds it again (the spool outlived the first Application).
    if (round == 0) {
      auto sent = send_package(hub->port(), kPki, organ("000.00.13.H30"), "edoc", good);
      ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
    } else {
      InboxClient inbox(hub->port(), kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
      ASSERT_TRUE(inbox.wait_open()) << inbox.error();
      ASSERT_TRUE(inbox.wait_for(1));
      EXPECT_EQ(inbox.received()[0].bytes, good);
    }
    hub->stop();
    hub->stop();  // idempotent
  }
}

TEST(Application, AStartUpFailureNamesItsStepAndExitCode) {
  const TempDir dir = temp_dir("application-fail");
  TestHub files(dir);
  config::HubConfig cfg = load(dir / "hub.toml");
  cfg.trust.anchor_files = {(dir / "no-such-anchors.pem").string()};
  server::StartError error;
  auto hub = server::Application::build(cfg, error);
  EXPECT_EQ(hub, nullptr);
  EXPECT_EQ(error.step, "trust");
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_FALSE(error.status.ok());
}

}  // namespace
}  // namespace docaxis::test
