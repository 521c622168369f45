// hub/http: the connection slots (ConnectionTable: which idle connection a new one over a cap
// evicts) and the address key of max_per_address, without sockets.
#include <gtest/gtest.h>

#include "http/connection_table.hpp"

namespace docaxis::http {
namespace {

TEST(AddressKey, IPv4AsItIsIPv4MappedAsIPv4AndIPv6ByItsSlash64) {
  EXPECT_EQ(address_key("10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(address_key("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(address_key("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(address_key("::ffff:127.0.0.1"), address_key("127.0.0.1"));
  EXPECT_EQ(address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
  EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db9:1:2::1"));
  EXPECT_EQ(address_key("::1"), "::/64");
  EXPECT_EQ(address_key("fe80::1:2:3:4%1"), "fe80::/64");  // the scope goes with the host bits
  EXPECT_EQ(address_key("?"), "?");                        // no address: one key of its own
}

TEST(ConnectionTable, AdmitsUpToTheCapsThenRefusesWhenNoneIsIdle) {
  ConnectionTable t(3, 2);
  auto a = t.admit("a");
  auto b = t.admit("a");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->evicted);
  EXPECT_NE(a->id, b->id);
  EXPECT_FALSE(t.admit("a"));  // per key: both busy
  auto c = t.admit("b");
  ASSERT_TRUE(c);
  EXPECT_FALSE(t.admit("c"));  // in all: every one busy
  EXPECT_EQ(t.open(), 3u);
  EXPECT_EQ(t.open_for("a"), 2u);
  t.release(c->id);
  EXPECT_TRUE(t.admit("c"));
}

TEST(ConnectionTable, OverThePerKeyCapTheLeastRecentlyActiveIdleOneOfThatKeyIsEvicted) {
  ConnectionTable t(10, 2);
  auto other = t.admit("b");
  auto a1 = t.admit("a");
  auto a2 = t.admit("a");
  t.idle(other->id);  // the oldest idle connection, but of another key
  t.idle(a2->id);
  t.idle(a1->id);     // a2 is now the least recently active of "a"
  auto a3 = t.admit("a");
  ASSERT_TRUE(a3);
  ASSERT_TRUE(a3->evicted);
  EXPECT_EQ(*a3->evicted, a2->id);
  EXPECT_EQ(t.open_for("a"), 2u);
  EXPECT_EQ(t.open(), 3u);
  EXPECT_FALSE(t.busy(a2->id));  // it must close: a request starting on it meanwhile is not served
  EXPECT_TRUE(t.busy(a1->id));
  t.release(a2->id);  // its slot went to a3: not given back twice
  EXPECT_EQ(t.open_for("a"), 2u);
  EXPECT_EQ(t.open(), 3u);
  EXPECT_FALSE(t.admit("a"));  // a1 busy, a3 not yet idle
}

TEST(ConnectionTable, OverTheTotalCapTheLeastRecentlyActiveIdleOneOfAnyKeyIsEvicted) {
  ConnectionTable t(3, 3);
  auto a = t.admit("a");
  auto b = t.admit("b");
  auto c = t.admit("c");
  t.idle(b->id);
  t.idle(a->id);
  t.idle(c->id);
  ASSERT_TRUE(t.busy(b->id));  // a request on b: busy again
  t.idle(b->id);              // answered: now the most recently active
  auto d = t.admit("d");
  ASSERT_TRUE(d && d->evicted);
  EXPECT_EQ(*d->evicted, a->id);
  EXPECT_EQ(t.open(), 3u);
  EXPECT_EQ(t.open_for("a"), 0u);
  auto e = t.admit("e");
  ASSERT_TRUE(e && e->evicted);
  EXPECT_EQ(*e->evicted, c->id);
  ASSERT_TRUE(t.busy(b->id));
  EXPECT_FALSE(t.admit("f"));  // b, d, e busy
  EXPECT_FALSE(t.is_idle(a->id));
}

TEST(ConnectionTable, ABusyConnectionIsNeverEvicted) {
  ConnectionTable t(2, 2);
  auto a = t.admit("a");
  auto b = t.admit("a");
  t.idle(a->id);
  t.idle(b->id);
  ASSERT_TRUE(t.busy(a->id));
  ASSERT_TRUE(t.busy(b->id));
  EXPECT_FALSE(t.admit("a"));
  EXPECT_FALSE(t.admit("z"));
  t.idle(b->id);
  auto c = t.admit("z");
  ASSERT_TRUE(c && c->evicted);
  EXPECT_EQ(*c->evicted, b->id);
}

}  // namespace
}  // namespace docaxis::http
