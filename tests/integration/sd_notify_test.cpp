// docaxis-hub under systemd's readiness protocol (Type=notify, scripts/packaging/systemd/):
// the real binary with NOTIFY_SOCKET pointing at a test socket says READY=1 only once it
// serves (hub.port written), RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM;
// a NOTIFY_SOCKET nobody listens on is logged and changes nothing else.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "hub_fixture.hpp"
#include "notify_receiver.hpp"

namespace docaxis::test {
namespace {

using namespace std::chrono_literals;

bool starts_with(const std::optional<std::string>& s, const std::string& prefix) {
  return s && s->rfind(prefix, 0) == 0;
}

TEST(SdNotify, HubSaysReadyOnlyOnceItServesThenReloadingAndStopping) {
  const TempDir dir = temp_dir("sd-notify");
  NotifyReceiver systemd(dir.file("notify"));
  TestHub hub(dir);
  hub.set_env("NOTIFY_SOCKET", systemd.address());
  const fs::path port_file = hub.data_dir() / "hub.port";

  auto started = std::async(std::launch::async, [&] { return hub.start(); });
  const std::optional<std::string> ready = systemd.receive(60s);
  // Checked the moment the datagram is in: the listener must already be up and announced.
  const bool port_file_there = fs::exists(port_file);
  const int port = started.get();
  ASSERT_GT(port, 0) << hub.log();
  ASSERT_TRUE(ready) << "no READY=1 within 60 s\n" << hub.log();
  EXPECT_TRUE(port_file_there) << "READY=1 came before " << port_file << " existed";
  EXPECT_EQ(*ready, "READY=1\nSTATUS=listening on amqps://127.0.0.1:" + std::to_string(port));

  ASSERT_EQ(kill(hub.pid(), SIGHUP), 0);
  const auto reloading = systemd.receive(30s);
  EXPECT_TRUE(starts_with(reloading, "RELOADING=1\nMONOTONIC_USEC=")) << reloading.value_or("(none)");
  const auto ready_again = systemd.receive(30s);
  EXPECT_TRUE(starts_with(ready_again, "READY=1\nSTATUS=listening on amqps://127.0.0.1:"))
      << ready_again.value_or("(none)") << "\n" << hub.log();

  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();  // the datagrams wait in the socket
  const auto stopping = systemd.receive(5s);
  EXPECT_EQ(stopping.value_or("(none)"), "STOPPING=1\nSTATUS=stopping on signal " + std::to_string(SIGTERM));
  EXPECT_EQ(systemd.receive(100ms), std::nullopt) << "nothing after STOPPING=1";
}

TEST(SdNotify, HubWithoutAListenerOnNotifySocketLogsItAndServes) {
  const TempDir dir = temp_dir("sd-notify-nobody");
  TestHub hub(dir);
  hub.set_env("NOTIFY_SOCKET", dir.file("nobody-listens"));
  ASSERT_GT(hub.start(), 0) << hub.log();
  for (int i = 0; i < 100 && hub.log().find("event=sd-notify-failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(hub.log().find("event=sd-notify-failed code=unavailable"), std::string::npos) << hub.log();
  EXPECT_FALSE(hub.exited());
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

}  // namespace
}  // namespace docaxis::test
