// server/sd_notify.hpp against a real AF_UNIX datagram socket: what systemd would receive.
#include "server/sd_notify.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "notify_receiver.hpp"
#include "temp_dir.hpp"

namespace docaxis::server {
namespace {

using namespace std::chrono_literals;
using test::NotifyReceiver;

std::string abstract_name(const char* what) {
  return "@docaxis-test-" + std::string(what) + "-" + std::to_string(::getpid());
}

// Sets NOTIFY_SOCKET for one test and restores the environment after it.
class NotifyEnv {
 public:
  explicit NotifyEnv(const char* value) {
    if (const char* old = std::getenv("NOTIFY_SOCKET")) old_ = old;
    if (value) ::setenv("NOTIFY_SOCKET", value, 1); else ::unsetenv("NOTIFY_SOCKET");
  }
  ~NotifyEnv() {
    if (old_.empty()) ::unsetenv("NOTIFY_SOCKET"); else ::setenv("NOTIFY_SOCKET", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

TEST(SdNotify, SendsTheStateAsOneDatagramToASocketPath) {
  test::TempDir dir("sd-notify");
  NotifyReceiver systemd(dir.file("notify"));
  ASSERT_TRUE(sd_notify_to(systemd.address(), "READY=1\nSTATUS=listening on amqps://127.0.0.1:5671").ok());
  EXPECT_EQ(systemd.receive(2s), "READY=1\nSTATUS=listening on amqps://127.0.0.1:5671");
  ASSERT_TRUE(sd_notify_to(systemd.address(), "STOPPING=1").ok());
  EXPECT_EQ(systemd.receive(2s), "STOPPING=1");
}

TEST(SdNotify, ReachesAnAbstractNamespaceAddress) {
  NotifyReceiver systemd(abstract_name("abstract"));
  ASSERT_TRUE(sd_notify_to(systemd.address(), "READY=1").ok());
  EXPECT_EQ(systemd.receive(2s), "READY=1");
}

TEST(SdNotify, FollowsNotifySocketFromTheEnvironment) {
  NotifyReceiver systemd(abstract_name("env"));
  NotifyEnv env(systemd.address().c_str());
  const std::string reloading = "RELOADING=1\n" + monotonic_usec_assignment();
  ASSERT_TRUE(sd_notify(reloading).ok());
  EXPECT_EQ(systemd.receive(2s), reloading);
}

TEST(SdNotify, IsANoOpWithoutNotifySocket) {
  NotifyReceiver systemd(abstract_name("unset"));
  {
    NotifyEnv unset(nullptr);
    EXPECT_TRUE(sd_notify("READY=1").ok());
  }
  {
    NotifyEnv empty("");
    EXPECT_TRUE(sd_notify("READY=1").ok());
  }
  EXPECT_EQ(systemd.receive(200ms), std::nullopt);
}

TEST(SdNotify, RefusesAddressesItCannotReach) {
  EXPECT_EQ(sd_notify_to("run/systemd/notify", "READY=1").code(), "invalid-argument");
  EXPECT_EQ(sd_notify_to("vsock:2:1234", "READY=1").code(), "invalid-argument");
  EXPECT_EQ(sd_notify_to("", "READY=1").code(), "invalid-argument");
  EXPECT_EQ(sd_notify_to("/" + std::string(200, 'x'), "READY=1").code(), "invalid-argument");
  test::TempDir dir("sd-notify");
  const Status nobody = sd_notify_to(dir.file("nobody-listens"), "READY=1");
  EXPECT_EQ(nobody.code(), "unavailable");
  EXPECT_NE(nobody.message().find("nobody-listens"), std::string::npos) << nobody.message();
}

TEST(SdNotify, MonotonicUsecIsTheMonotonicClockInMicroseconds) {
  const std::string a = monotonic_usec_assignment();
  ASSERT_EQ(a.rfind("MONOTONIC_USEC=", 0), 0u) << a;
  const auto usec = std::stoull(a.substr(15));
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now().time_since_epoch()).count();
  EXPECT_LE(usec, static_cast<unsigned long long>(now));
  EXPECT_GT(usec + 1000000ULL, static_cast<unsigned long long>(now));
}

}  // namespace
}  // namespace docaxis::server
