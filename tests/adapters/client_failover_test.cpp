// The client's failover over several hub addresses (ClientOptions::failover_urls), against
// real docaxis-hub processes. Two independent hubs stand in for two nodes of one hub cluster:
// what is tested is the client's choice of address and timing, not a shared store.
#include <gtest/gtest.h>

#include <csignal>

#include "client_support.hpp"
#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

using client::Address;
using client::Client;

// A reconnect backoff so long that a test would time out if the client used it where it
// must move to the next address at once.
void slow_backoff(client::ClientOptions& o) {
  o.reconnect.initial = 20s;
  o.reconnect.max = 20s;
  o.reconnect.jitter = 0;
}

TEST(ClientFailover, MovesToTheNextAddressAtOnceWhenItsHubDiesAndSendsThere) {
  Scratch scratch("client-failover");
  Hub a(scratch.dir / "a"), b(scratch.dir / "b");
  ASSERT_NE(a.start(), 0);
  ASSERT_NE(b.start(), 0);
  auto o = options_for(a, kSender, false);
  o.failover_urls = {b.url()};
  slow_backoff(o);
  auto c = connect(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->connected_url(), a.url());

  ASSERT_EQ(a.stop(SIGKILL), -SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(10, [&] { return c->connected_url() == b.url(); }))
      << "still on \"" << c->connected_url() << "\"; last error: " << c->last_error();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - killed)
                      .count();
  std::printf("failover: connected to the second address %lld ms after the first hub died\n",
              static_cast<long long>(ms));
  const auto r = c->send(Address::kEdoc, read(kFixtures + "/good-rsa.edxml"), 20s);
  EXPECT_TRUE(r.status.ok()) << r.status.to_string() << "\n" << b.log();
  const auto st = c->stats();
  EXPECT_EQ(st.failovers, 1u);
  EXPECT_EQ(st.connects, 2u);
}

TEST(ClientFailover, TriesEveryAddressOfARoundBeforeAnyBackoff) {
  Scratch scratch("client-failover-round");
  Hub live(scratch.dir / "live");
  ASSERT_NE(live.start(), 0);
  Hub dead1(scratch.dir / "d1", free_port()), dead2(scratch.dir / "d2", free_port());
  auto o = options_for(dead1, kSender, false);
  o.failover_urls = {dead2.url(), live.url()};
  slow_backoff(o);
  auto c = Client::create(o);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_TRUE((*c)->wait_connected(10s).ok()) << (*c)->last_error();
  EXPECT_EQ((*c)->connected_url(), live.url());
  EXPECT_EQ((*c)->stats().connection_losses, 2u);  // the two dead addresses, once each
  EXPECT_EQ((*c)->stats().failovers, 0u);         // the first connection is no failover
}

TEST(ClientFailover, BacksOffOnlyAfterEveryAddressFailedInARow) {
  Scratch scratch("client-failover-backoff");
  Hub dead1(scratch.dir / "d1", free_port()), dead2(scratch.dir / "d2", free_port());
  auto o = options_for(dead1, kSender, false);
  o.failover_urls = {dead2.url()};
  o.reconnect.initial = 1s;
  o.reconnect.max = 1s;
  o.reconnect.jitter = 0;
  o.failover_pause = 0ms;
  auto c = Client::create(o);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  std::this_thread::sleep_for(2500ms);
  // Rounds at about 0, 1 and 2 s, two refused connections each: 6 at most. Without the
  // backoff between rounds it would be hundreds; with a backoff per address, 3.
  const auto losses = (*c)->stats().connection_losses;
  EXPECT_GE(losses, 4u);
  EXPECT_LE(losses, 6u);
  EXPECT_EQ((*c)->connected_url(), "");
}

TEST(ClientFailover, RepeatedBadOrTooManyAddressesAreRefusedAtCreate) {
  Scratch scratch("client-failover-refusals");
  Hub h(scratch.dir, 5671);
  auto o = options_for(h, kSender, false);
  o.failover_urls = {"amqps://127.0.0.1:5671/"};  // the same address as url
  auto c = Client::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), "invalid-argument");
  EXPECT_NE(c.status().message().find("listed twice"), std::string::npos) << c.status().message();

  o.failover_urls = {"amqp://127.0.0.1:5672"};
  c = Client::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("amqps://"), std::string::npos) << c.status().message();

  o.failover_urls.clear();
  for (int i = 0; i < 16; ++i) o.failover_urls.push_back("amqps://10.0.0." + std::to_string(i + 1));
  c = Client::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("at most 15"), std::string::npos) << c.status().message();

  o.failover_urls.pop_back();  // 15 further addresses: accepted
  o.failover_pause = 5s;       // but a pause longer than the reconnect cap is not
  c = Client::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("failover pause"), std::string::npos);
  o.failover_pause = 50ms;
  EXPECT_TRUE(Client::create(o).ok());
}

}  // namespace
}  // namespace docaxis::adapters_test
