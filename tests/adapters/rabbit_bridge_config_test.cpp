// bridge.toml parsing and validation, and how the bridge picks a package's hub address.
// No sockets.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "edxml/xml_doc.hpp"
#include "packages.hpp"
#include "rabbit-bridge/bridge.hpp"
#include "rabbit-bridge/bridge_config.hpp"

namespace docaxis::rabbit_bridge {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// A generated package (tests/support/packages.hpp).
std::string sample(const std::string& name) {
  std::string bytes = fixtures::standard_package(name);
  EXPECT_FALSE(bytes.empty()) << name;
  return bytes;
}


TEST(RabbitBridgeConfig, TheExampleFileParsesAndValidatesWithItsDefaults) {
  const std::string text =
      read(std::string(DOCAXIS_SOURCE_DIR) + "/adapters/rabbit-bridge/bridge.example.toml");
  ASSERT_FALSE(text.empty());
  auto loaded = parse_bridge_config(text, "bridge.example.toml");
  for (const auto& p : loaded.problems) ADD_FAILURE() << p.key << ": " << p.message;
  EXPECT_TRUE(validate(loaded.config).empty());
  const BridgeConfig defaults;
  const BridgeConfig& c = loaded.config;
  EXPECT_EQ(c.rabbit.port, defaults.rabbit.port);
  EXPECT_EQ(c.rabbit.heartbeat_seconds, defaults.rabbit.heartbeat_seconds);
  EXPECT_EQ(c.in.prefetch, defaults.in.prefetch);
  EXPECT_EQ(c.out.confirm_timeout_seconds, defaults.out.confirm_timeout_seconds);
  EXPECT_EQ(c.hub.outcome_timeout_seconds, defaults.hub.outcome_timeout_seconds);
  EXPECT_EQ(c.in.queue, "docaxis.outgoing");
  EXPECT_EQ(c.out.exchange, "docaxis.incoming");
}

TEST(RabbitBridgeConfig, UnknownKeysWrongTypesAndMissingSettingsAreAllReported) {
  auto loaded = parse_bridge_config(
      "[rabbit]\nport = \"5672\"\nhots = \"x\"\n[in]\nqueue = \"q\"\n", "t.toml");
  ASSERT_EQ(loaded.problems.size(), 2u);
  EXPECT_EQ(loaded.problems[0].key, "rabbit.port");
  EXPECT_EQ(loaded.problems[0].line, 2);
  EXPECT_EQ(loaded.problems[1].key, "rabbit.hots");
  std::set<std::string> keys;
  for (const auto& p : validate(loaded.config)) keys.insert(p.key);
  for (const char* k : {"hub.url", "tls.cert_file", "tls.key_file", "tls.trust_file", "organ.id",
                        "in.error_exchange", "out.exchange"}) {
    EXPECT_EQ(keys.count(k), 1u) << k;
  }
  EXPECT_EQ(keys.count("in.queue"), 0u);
}

TEST(RabbitBridgeRouting, TheAddressComesFromTheHeaderOrElseFromThePackageKind) {
  edxml::init_xml_library();
  const std::string doc = sample("edoc_new.edxml");
  auto r = route_package(doc, {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->address, client::Address::kEdoc);
  EXPECT_EQ(r->document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
  auto st = route_package(sample("status_rejection_02.edxml"), {});
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  EXPECT_EQ(st->address, client::Address::kStatus);
  EXPECT_FALSE(st->document_id.empty());

  auto forced = route_package(doc, {{"address", "status"}});
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->address, client::Address::kStatus);

  EXPECT_EQ(route_package(doc, {{"address", "mail"}}).status().code(),
            "invalid-address");
  EXPECT_EQ(route_package("not xml", {}).status().code(), "malformed-xml");
  // With an explicit address, an unreadable package is the hub's to judge.
  auto judged = route_package("not xml", {{"address", "edoc"}});
  ASSERT_TRUE(judged.ok());
  EXPECT_EQ(judged->document_id, "");
}

}  // namespace
}  // namespace docaxis::rabbit_bridge
