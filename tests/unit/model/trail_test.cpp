// The hop trail's one wire form: encoder, splitter and parser agree, and anything else is
// bad-hops with the raw bytes escaped.
#include "model/trail.hpp"

#include <gtest/gtest.h>

#include <string>

namespace docaxis::model {
namespace {

TEST(Trail, EncodesFirstHubFirstWithArrivalTimes) {
  const Trail t{{"h30", 1700000000001}, {"national", 1700000000123}};
  EXPECT_EQ(encode_trail(t), "h30@1700000000001;national@1700000000123");
  EXPECT_EQ(encode_trail({}), "");
  EXPECT_EQ(format_trail(t), "h30 > national");
  EXPECT_EQ(format_trail({}), "empty");
  EXPECT_TRUE(trail_contains(t, "national"));
  EXPECT_FALSE(trail_contains(t, "g12"));
}

TEST(Trail, WhatIsEncodedParsesBackToTheSameTrail) {
  const Trail t{{"h30", 1}, {"national-2.vn_x", 999999999999999}, {"g12", 0}};
  Trail back;
  const std::string wire = encode_trail(t);
  const auto entries = split_trail(wire);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto h = parse_hop(entries[i], i);
    ASSERT_TRUE(h.ok()) << h.status().to_string();
    back.push_back(*h);
  }
  EXPECT_EQ(back, t);
}

TEST(Trail, SplitKeepsEmptyEntriesSoTheParserRefusesThem) {
  EXPECT_TRUE(split_trail("").empty());
  EXPECT_EQ(split_trail("a"), (std::vector<std::string_view>{"a"}));
  EXPECT_EQ(split_trail("a;;b;"), (std::vector<std::string_view>{"a", "", "b", ""}));
  EXPECT_EQ(parse_hop(split_trail("a;")[1], 1).status().code(), "bad-hops");
}

TEST(Trail, ParseHopAcceptsNameAndNameAtMillis) {
  auto plain = parse_hop("national", 0);
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  EXPECT_EQ(plain->hub, "national");
  EXPECT_EQ(plain->arrived_ms, 0);
  auto timed = parse_hop("h30-hub.vn_2@1700000000123", 1);
  ASSERT_TRUE(timed.ok()) << timed.status().to_string();
  EXPECT_EQ(timed->hub, "h30-hub.vn_2");
  EXPECT_EQ(timed->arrived_ms, 1700000000123);
}

TEST(Trail, ParseHopRefusesAnythingElseAsBadHops) {
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

TEST(Trail, BadHopMessageEscapesRawBytes) {
  auto r = parse_hop(std::string("ev\xc3\x28il\n\"\\"), 0);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("ev\\xc3(il\\x0a\\x22\\x5c"), std::string::npos) << m;
  for (char c : m) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte in: " << printable(m);
  EXPECT_EQ(printable(std::string(100, 'a'), 10), "aaaaaaaaaa...");
}

TEST(Trail, HubNamesAreLowerCaseWordsOfAtMost63Characters) {
  EXPECT_TRUE(is_valid_hub_name("h30"));
  EXPECT_TRUE(is_valid_hub_name(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_hub_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_hub_name(""));
  EXPECT_FALSE(is_valid_hub_name("H30"));
  EXPECT_FALSE(is_valid_hub_name(".h30"));
  EXPECT_FALSE(is_valid_hub_name("h30@1"));
}

}  // namespace
}  // namespace docaxis::model
