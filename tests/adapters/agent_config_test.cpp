#include "agent/agent_config.hpp"

#include <gtest/gtest.h>

#include <set>

namespace docaxis::agent {
namespace {

TEST(AgentConfig, TheCommentedExampleParsesAndValidates) {
  const std::string path = std::string(DOCAXIS_SOURCE_DIR) + "/adapters/agent/agent.example.toml";
  LoadedAgentConfig loaded = load_agent_config(path);
  for (const auto& p : loaded.problems) ADD_FAILURE() << p.key << ": " << p.message;
  EXPECT_TRUE(validate(loaded.config).empty());
  // The example states every default: it must equal a default-constructed struct.
  const AgentConfig defaults;
  const AgentConfig& c = loaded.config;
  EXPECT_EQ(c.hub.outcome_timeout_seconds, defaults.hub.outcome_timeout_seconds);
  EXPECT_EQ(c.hub.connect_timeout_seconds, defaults.hub.connect_timeout_seconds);
  EXPECT_EQ(c.sign.enabled, defaults.sign.enabled);
  EXPECT_EQ(c.folders.poll_interval_ms, defaults.folders.poll_interval_ms);
  EXPECT_EQ(c.send.max_in_flight, defaults.send.max_in_flight);
  EXPECT_EQ(c.send.retry_first_seconds, defaults.send.retry_first_seconds);
  EXPECT_EQ(c.send.retry_max_seconds, defaults.send.retry_max_seconds);
  EXPECT_EQ(c.receive.enabled, defaults.receive.enabled);
  EXPECT_EQ(c.receive.status_arrived, defaults.receive.status_arrived);
  EXPECT_EQ(c.receive.prefetch, defaults.receive.prefetch);
  EXPECT_EQ(c.receive.dedup_days, defaults.receive.dedup_days);
  // Relative paths: certificates against the file's folder, folders against the root.
  const std::string dir = std::string(DOCAXIS_SOURCE_DIR) + "/adapters/agent";
  EXPECT_EQ(c.tls.cert_file, dir + "/tls/000.00.13.H30.fullchain.pem");
  EXPECT_EQ(c.folders.root, dir);
  EXPECT_EQ(c.folders.outbox, dir + "/outbox");
  EXPECT_EQ(c.folders.state, dir + "/.agent");
}

TEST(AgentConfig, EveryUnknownKeyAndWrongTypeIsReportedWithItsLine) {
  LoadedAgentConfig loaded = parse_agent_config(
      "[hub]\nurl = \"amqps://h:1\"\nurll = 3\n[send]\nmax_in_flight = \"many\"\n[bogus]\n", "t");
  ASSERT_EQ(loaded.problems.size(), 3u);
  EXPECT_EQ(loaded.problems[0].key, "hub.urll");
  EXPECT_EQ(loaded.problems[0].line, 3);
  EXPECT_NE(loaded.problems[0].message.find("known: "), std::string::npos);
  EXPECT_EQ(loaded.problems[1].key, "send.max_in_flight");
  EXPECT_EQ(loaded.problems[1].message, "expected an integer");
  EXPECT_EQ(loaded.problems[2].key, "bogus");
}

TEST(AgentConfig, SyntaxErrorsNameTheirLine) {
  LoadedAgentConfig loaded = parse_agent_config("[hub]\nurl = \n", "t");
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_EQ(loaded.problems[0].line, 2);
}

TEST(AgentConfig, ValidateListsEveryMissingKeyAndRangeAtOnce) {
  AgentConfig c;
  c.hub.url = "amqp://plain:5672";
  c.send.retry_first_seconds = 10;
  c.send.retry_max_seconds = 5;
  c.receive.prefetch = 0;
  std::set<std::string> keys;
  for (const auto& p : validate(c)) keys.insert(p.key);
  EXPECT_EQ(keys, (std::set<std::string>{"hub.url", "tls.cert_file", "tls.key_file",
                                         "tls.trust_file", "send.retry_max_seconds",
                                         "receive.prefetch"}));
}

TEST(AgentConfig, FailoverUrlsAreReadAndBadOnesRefusedByName) {
  const auto loaded = parse_agent_config(
      "[hub]\nurl = \"amqps://a:5671\"\nfailover_urls = [\"amqps://b:5671\"]\n", "t.toml");
  ASSERT_TRUE(loaded.problems.empty()) << loaded.problems[0].message;
  EXPECT_EQ(loaded.config.hub.failover_urls, std::vector<std::string>{"amqps://b:5671"});
  AgentConfig c = loaded.config;
  c.hub.failover_urls = {"amqps://b:5671", "http://c", "amqps://a:5671", "amqps://b:5671"};
  std::vector<std::string> messages;
  for (const auto& p : validate(c)) {
    if (p.key == "hub.failover_urls") messages.push_back(p.message);
  }
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_NE(messages[0].find("\"http://c\" must be amqps://"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("\"amqps://a:5671\" is listed twice"), std::string::npos);
  EXPECT_NE(messages[2].find("\"amqps://b:5671\" is listed twice"), std::string::npos);
}

}  // namespace
}  // namespace docaxis::agent
