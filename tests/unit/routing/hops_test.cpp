// Hop-trail guards: loops and runaway routes are refused with stable codes.
#include "routing/hops.hpp"

#include <gtest/gtest.h>

namespace docaxis::routing {
namespace {

struct IngestCase {
  Trail trail;
  const char* self;
  std::int64_t max_hops;
  const char* code;  // "" = ok
};

TEST(Hops, IngestRefusesLoopsAndLongTrails) {
  const std::vector<IngestCase> cases = {
      {{}, "h30", 1, ""},                                       // from a local endpoint
      {{"h30"}, "national", 8, ""},
      {{"h30", "national"}, "g12", 3, ""},                      // exactly the limit
      {{"h30", "national"}, "g12", 2, "hop-limit"},
      {{"h30", "national"}, "h30", 8, "routing-loop"},
      {{"h30", "national", "g12"}, "national", 2, "routing-loop"},  // loop reported first
      {{}, "h30", 0, "hop-limit"},
  };
  for (const IngestCase& c : cases) {
    SCOPED_TRACE(format_trail(c.trail) + " at " + c.self);
    const Status s = check_ingest(c.trail, c.self, c.max_hops);
    EXPECT_EQ(s.code(), c.code) << s.message();
  }
}

TEST(Hops, MessagesShowTheTrail) {
  EXPECT_EQ(check_ingest({"h30", "national"}, "h30", 8).message(),
            "the package already passed through this hub h30 (trail: h30 > national)");
  EXPECT_EQ(check_ingest({"a", "b"}, "c", 2).message(),
            "the package has passed 2 hubs (trail: a > b); the limit is 2 including this one");
}

TEST(Hops, ForwardRefusesAPeerAlreadyInTheTrail) {
  EXPECT_TRUE(check_forward({"h30"}, "national").ok());
  const Status s = check_forward({"h30", "national"}, "national");
  EXPECT_EQ(s.code(), "routing-loop");
  EXPECT_EQ(s.message(), "the next hop national is already in the trail (h30 > national)");
}

TEST(Hops, ExtendAppendsThisHub) {
  EXPECT_EQ(extend({"h30"}, "national"), (Trail{"h30", "national"}));
  EXPECT_EQ(format_trail({}), "empty");
  EXPECT_TRUE(trail_contains({"a", "b"}, "b"));
  EXPECT_FALSE(trail_contains({"a", "b"}, "c"));
}

TEST(Hops, ParseHopAcceptsNameAndNameAtMillis) {
  auto plain = parse_hop("national", 0);
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  EXPECT_EQ(plain->hub, "national");
  EXPECT_EQ(plain->arrived_ms, 0);
  auto timed = parse_hop("h30-hub.vn_2@1700000000123", 1);
  ASSERT_TRUE(timed.ok()) << timed.status().to_string();
  EXPECT_EQ(timed->hub, "h30-hub.vn_2");
  EXPECT_EQ(timed->arrived_ms, 1700000000123);
}

TEST(Hops, ParseHopRefusesAnythingElseAsBadHops) {
  for (const std::string& text :
       {std::string(""), std::string("@12"), std::string("Nat"), std::string("-x"),
        std::string("a b"), std::string("a@"), std::string("a@12x"), std::string("a@-1"),
        std::string("a@1@2"), std::string("a@1234567890123456"), std::string(64, 'a'),
        std::string("h\xc3\x28"), std::string("a@\xff")}) {
    auto r = parse_hop(text, 3);
    ASSERT_FALSE(r.ok()) << "accepted \"" << printable(text) << "\"";
    EXPECT_EQ(r.status().code(), "bad-hops");
    EXPECT_NE(r.status().message().find("hop 3 "), std::string::npos) << r.status().message();
  }
}

TEST(Hops, BadHopMessageEscapesRawBytes) {
  auto r = parse_hop(std::string("ev\xc3\x28il\n\"\\"), 0);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("ev\\xc3(il\\x0a\\x22\\x5c"), std::string::npos) << m;
  for (char c : m) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte in: " << printable(m);
  EXPECT_EQ(printable(std::string(100, 'a'), 10), "aaaaaaaaaa...");
}

}  // namespace
}  // namespace docaxis::routing
