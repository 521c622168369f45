// Hostile messages against a real docaxis-hub (issue 12): bytes no well-behaved client library
// sends, encoded by hand and sent as the raw payload of one delivery over real mutual TLS.
// Each is refused with its code, and the hub keeps serving (every test ends with a valid
// package accepted on a fresh connection).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "dsig/signer.hpp"
#include "hostile_support.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {
namespace {

using namespace amqp_enc;

const std::string kOrgan = "000.00.13.H30";
constexpr long long kMiB = 1024 * 1024;

std::string good_package() { return read(kFixtures + "/good-rsa.edxml"); }

// A valid package from 000.00.00.G22, an organ this hub does not serve: what a peer hub may
// relay to it (a peer may not send for the hub's own organs).
std::string relayed_package() {
  const std::string g22 = "000.00.00.G22";
  const std::string doc = std::regex_replace(read(kFixtures + "/unsigned.edxml"),
                                             std::regex("000\\.00\\.13\\.H30"), g22);
  auto signer =
      dsig::Signer::load(organ(g22) + ".key", organ(g22) + ".crt", {kPki + "/intermediates.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  if (!signer.ok()) return {};
  auto s = (*signer)->sign(doc);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? *s : std::string();
}

struct Case {
  const char* what;
  std::string message;
  std::vector<std::string> codes;  // any of these rejection conditions
};

// Sends each case on a fresh connection, one after the other to the same hub.
void expect_refused(int port, const proton::connection_options& from,
                    const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const RawOutcome r = send_raw(port, from, "edoc", c.message);
    const bool expected = r.outcome == "rejected" &&
                          std::find(c.codes.begin(), c.codes.end(), r.condition) != c.codes.end();
    EXPECT_TRUE(expected) << "got " << r.text();
  }
}

TEST(HostileMessages, HopsThatAreNotAStringAndANonStringPropertyKeyAreRefused) {
  const TempDir dir = temp_dir("hostile-hops-types");
  TestHub hub(dir, TestHub::FullConfig{hub_config(dir, {.extra = peer_hub("national")})});
  const int port = hub.start();
  ASSERT_GT(port, 0);
  const std::string pkg = relayed_package();
  ASSERT_FALSE(pkg.empty());
  // Sent by a configured peer hub, the only sender that may carry a hop trail at all: the
  // refusal is about the type, not about who sent it.
  expect_refused(
      port, tls_options(hub_cert("national")),
      {
          {"hops is an int", package_message(pkg, i32(7)), {"docaxis:bad-hops"}},
          {"hops is binary", package_message(pkg, bin("national")), {"docaxis:bad-hops"}},
          {"hops is a list",
           package_message(pkg, list({str("national")})),
           {"docaxis:bad-hops", "docaxis:bad-message"}},
          {"an application property with an int key",
           properties("application/xml") + application_properties({{i32(1), str("national")}}) +
               data(pkg),
           {"docaxis:bad-message"}},
      });
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileMessages, GarbageAndBodiesOtherThanOneDataSectionAreBadMessages) {
  const TempDir dir = temp_dir("hostile-bodies");
  TestHub hub(dir);
  const int port = hub.start();
  ASSERT_GT(port, 0);
  const std::string pkg = good_package();
  const std::string xml = properties("application/xml");
  expect_refused(
      port, tls_options(organ(kOrgan)),
      {
          {"garbage, not an AMQP message",
           std::string("\xde\xad\xbe\xef not an AMQP message \x00\xff", 28),
           {"docaxis:bad-message"}},
          {"an amqp-value string body", xml + amqp_value(str(pkg)), {"docaxis:bad-message"}},
          {"an amqp-sequence body", xml + amqp_sequence({bin(pkg)}), {"docaxis:bad-message"}},
          {"two data sections",
           xml + data(pkg.substr(0, pkg.size() / 2)) + data(pkg.substr(pkg.size() / 2)),
           {"docaxis:bad-message"}},
      });
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileMessages, InvalidUtf8InTheHopTrailOfAPeerIsRefusedAndTheHubSurvives) {
  const TempDir dir = temp_dir("hostile-hops-utf8");
  TestHub hub(dir, TestHub::FullConfig{hub_config(dir, {.extra = peer_hub("national")})});
  const int port = hub.start();
  ASSERT_GT(port, 0);
  expect_refused(port, tls_options(hub_cert("national")),
                 {{"hops \"h\\xff\\xfe@1\"",
                   package_message(relayed_package(), str("h\xff\xfe@1")),
                   {"docaxis:bad-hops"}}});
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileMessages, AnEndpointThatIsNotAPeerHubMayNotSendAHopTrail) {
  const TempDir dir = temp_dir("hostile-hops-endpoint");
  TestHub hub(dir);
  const int port = hub.start();
  ASSERT_GT(port, 0);
  // A well-formed trail, from an ordinary organ connection.
  expect_refused(port, tls_options(organ(kOrgan)),
                 {{"an organ's hop trail \"national\"",
                   package_message(good_package(), str("national")),
                   {"docaxis:bad-hops"}}});
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileMessages, AnOversizeMessageIsRefusedAsItArrivesWithoutBeingBuffered) {
  const TempDir dir = temp_dir("hostile-oversize");
  TestHub hub(dir, TestHub::FullConfig{hub_config(
                       dir, {.limits = "max_package_bytes = 1048576\n"
                                       "max_bytes_in_flight = 4194304\n"
                                       "max_bytes_in_flight_per_connection = 2097152\n"})});
  const int port = hub.start();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(hub_is_alive(hub, port));  // the baseline includes one served package
  const long long before = peak_rss_bytes(hub.pid());
  ASSERT_GT(before, 0);

  const RawOutcome r = send_raw(port, tls_options(organ(kOrgan)), "edoc",
                                package_message(std::string(64 * kMiB, 'x')), 60s);
  const bool refused = (r.outcome == "rejected" && r.condition == "docaxis:too-large") ||
                       r.condition == "amqp:link:message-size-exceeded";
  EXPECT_TRUE(refused) << "got " << r.text();

  EXPECT_TRUE(hub_is_alive(hub, port));
  const long long after = peak_rss_bytes(hub.pid());
  std::printf("hub peak RSS: %lld MiB before, %lld MiB after the 64 MiB transfer\n",
              before / kMiB, after / kMiB);
  EXPECT_LT(after - before, 32 * kMiB)
      << "the hub's peak RSS grew from " << before / kMiB << " MiB to " << after / kMiB
      << " MiB: the 64 MiB message was buffered before it was refused";
}

}  // namespace
}  // namespace docaxis::test
