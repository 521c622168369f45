#include "edxml/organ_id.hpp"

#include <gtest/gtest.h>

#include <map>
#include <unordered_set>

namespace docaxis::edxml {
namespace {

OrganId id(std::string_view s) {
  Result<OrganId> r = OrganId::parse(s);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.value();
}

std::string error_of(std::string_view s) {
  Result<OrganId> r = OrganId::parse(s);
  EXPECT_FALSE(r.ok()) << s;
  EXPECT_EQ(r.status().code(), "invalid-organ-id");
  return r.status().message();
}

TEST(OrganId, ParsesTheFourGroupsOfAValidId) {
  const OrganId o = id("000.21.31.H53");
  EXPECT_EQ(o.str(), "000.21.31.H53");
  EXPECT_EQ(o.group(1), "000");
  EXPECT_EQ(o.group(2), "21");
  EXPECT_EQ(o.group(3), "31");
  EXPECT_EQ(o.group(4), "H53");
  EXPECT_EQ(o.level1_group(), "H53");
  EXPECT_EQ(o.level2_group(), "31");
  EXPECT_EQ(o.group(0), "");
  EXPECT_EQ(o.group(5), "");
}

TEST(OrganId, ErrorSaysHowManyGroupsWereFound) {
  EXPECT_EQ(error_of("28.22.H17"), "\"28.22.H17\" has 3 groups, expected 4 (ddd.dd.dd.Lnn)");
  EXPECT_EQ(error_of("null"), "\"null\" has 1 group, expected 4 (ddd.dd.dd.Lnn)");
  EXPECT_NE(error_of("000.00.00.00.H53").find("has 5 groups"), std::string::npos);
}

TEST(OrganId, ErrorNamesTheBadGroup) {
  EXPECT_NE(error_of("0a0.00.00.H30").find("group 1 \"0a0\" must be 3 digits"), std::string::npos);
  EXPECT_NE(error_of("000.0.00.H30").find("group 2 \"0\" must be 2 digits"), std::string::npos);
  EXPECT_NE(error_of("000.00.123.H30").find("group 3 \"123\" must be 2 digits"), std::string::npos);
  EXPECT_NE(error_of("000.00.00.h30")
                .find("level-1 group \"h30\" must be an upper-case letter and 2 digits"),
            std::string::npos);
  EXPECT_NE(error_of("001.00.20.TT2").find("level-1 group \"TT2\""), std::string::npos);
}

TEST(OrganId, RejectsWhitespaceEmptyAndHugeInputWithoutEchoingItAll) {
  error_of(" 000.00.00.H53");
  error_of("000.00.00.H53\n");
  EXPECT_EQ(error_of(""), "organ id is empty, expected ddd.dd.dd.Lnn");
  const std::string huge(10000, '1');
  EXPECT_LT(error_of(huge).size(), 120u);
  EXPECT_EQ(error_of(std::string("000.00.00.H5\0", 13)).find('\0'), std::string::npos);
}

TEST(OrganId, LevelCountsNonZeroGroupsFromTheRight) {
  EXPECT_EQ(id("000.00.00.H53").level(), 1);
  EXPECT_EQ(id("000.00.13.H53").level(), 2);
  EXPECT_EQ(id("000.00.31.H53").level(), 2);
  EXPECT_EQ(id("000.21.31.H53").level(), 3);
  EXPECT_EQ(id("001.21.31.H53").level(), 4);
  EXPECT_EQ(id("000.00.04.G14").level(), 2);
  // A gap stops the count (seen in a real package).
  EXPECT_EQ(id("002.00.20.H13").level(), 2);
}

TEST(OrganId, ParentWalksUpToTheLevel1Body) {
  EXPECT_EQ(id("001.21.31.H53").parent()->str(), "000.21.31.H53");
  EXPECT_EQ(id("000.21.31.H53").parent()->str(), "000.00.31.H53");
  EXPECT_EQ(id("000.00.31.H53").parent()->str(), "000.00.00.H53");
  EXPECT_FALSE(id("000.00.00.H53").parent().has_value());
  EXPECT_EQ(id("002.00.20.H13").parent()->str(), "000.00.00.H13");
}

TEST(OrganId, Level1KindComesFromTheLetter) {
  EXPECT_EQ(id("000.00.00.G22").level1(), Level1Kind::government);
  EXPECT_EQ(id("000.00.00.H56").level1(), Level1Kind::province);
  EXPECT_EQ(id("000.00.00.A01").level1(), Level1Kind::party);
  EXPECT_EQ(id("000.00.53.W00").level1(), Level1Kind::hub);
  EXPECT_EQ(id("000.00.00.Z01").level1(), Level1Kind::other);
}

TEST(OrganId, SuffixMatchesWholeGroupsRightToLeft) {
  const OrganId commune = id("000.21.31.H30");
  EXPECT_TRUE(commune.matches_suffix("H30"));
  EXPECT_TRUE(commune.matches_suffix(".H30"));
  EXPECT_TRUE(commune.matches_suffix("31.H30"));
  EXPECT_TRUE(commune.matches_suffix(".31.H30"));
  EXPECT_TRUE(commune.matches_suffix("21.31.H30"));
  EXPECT_TRUE(commune.matches_suffix("000.21.31.H30"));
  EXPECT_FALSE(commune.matches_suffix("1.H30"));
  EXPECT_FALSE(commune.matches_suffix("30"));
  EXPECT_FALSE(commune.matches_suffix("13.H30"));
  EXPECT_FALSE(commune.matches_suffix(".G12"));
  EXPECT_FALSE(commune.matches_suffix("h30"));
  EXPECT_TRUE(id("000.00.04.G12").matches_suffix(".G12"));
  EXPECT_TRUE(id("000.00.00.G12").matches_suffix("G12"));
}

TEST(OrganId, DegenerateSuffixesNeverMatch) {
  const OrganId o = id("000.00.31.H30");
  EXPECT_FALSE(o.matches_suffix(""));
  EXPECT_FALSE(o.matches_suffix("."));
  EXPECT_FALSE(o.matches_suffix("31..H30"));
  EXPECT_FALSE(o.matches_suffix("H30."));
  EXPECT_FALSE(o.matches_suffix("0.000.00.31.H30"));
}

TEST(OrganId, WorksAsOrderedAndHashedMapKey) {
  std::map<OrganId, int> ordered{{id("000.00.00.H53"), 1}, {id("000.00.00.G22"), 2}};
  EXPECT_EQ(ordered.begin()->first.str(), "000.00.00.G22");
  std::unordered_set<OrganId> set{id("000.00.00.H53"), id("000.00.00.H53"), id("000.00.13.H53")};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(id("000.00.00.H53"), id("000.00.00.H53"));
  EXPECT_LT(id("000.00.00.G22"), id("000.00.00.H53"));
}

}  // namespace
}  // namespace docaxis::edxml
