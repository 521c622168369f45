// format_line: the exact line, and what hostile values become (read back with a parser as an
// operator's tool would): never a second line, never a key the caller did not write.
#include "log/format.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "line_parser.hpp"

namespace docaxis::log {
namespace {

using test::Pairs;

constexpr std::int64_t kTime = 1796582401123;  // 2026-12-06T18:40:01.123Z

std::string line_of(std::string_view event, std::initializer_list<Field> fields,
                    Level level = Level::info, std::string_view logger = "amqp") {
  std::string out;
  format_line(out, kTime, level, logger, event, fields.begin(), fields.size());
  return out;
}

Pairs parsed(const std::string& line) {
  std::string time;
  Pairs pairs;
  EXPECT_TRUE(test::parse_line(line, time, pairs)) << line;
  return pairs;
}

std::string value_of(std::string_view v) {
  std::string out;
  append_value(out, v);
  return out;
}

TEST(LogFormat, LineHasTimeLevelLoggerEventThenFieldsInOrder) {
  EXPECT_EQ(line_of("connection-open", {{"conn", 12},
                                        {"remote", "127.0.0.1:40122"},
                                        {"subject", "UID=000.00.13.H30,CN=Sở Tài chính"},
                                        {"sha256", "ab12cd34"}}),
            "2026-12-06T18:40:01.123Z level=info logger=amqp event=connection-open conn=12 "
            "remote=127.0.0.1:40122 subject=\"UID=000.00.13.H30,CN=Sở Tài chính\" sha256=ab12cd34");
}

TEST(LogFormat, EveryLevelHasItsName) {
  EXPECT_NE(line_of("e", {}, Level::trace).find(" level=trace "), std::string::npos);
  EXPECT_NE(line_of("e", {}, Level::debug).find(" level=debug "), std::string::npos);
  EXPECT_NE(line_of("e", {}, Level::warn).find(" level=warn "), std::string::npos);
  EXPECT_NE(line_of("e", {}, Level::error).find(" level=error "), std::string::npos);
}

TEST(LogFormat, TimeIsUtcWithMilliseconds) {
  std::string out;
  append_time(out, 0);
  EXPECT_EQ(out, "1970-01-01T00:00:00.000Z");
  out.clear();
  append_time(out, 951782400999);  // leap day 2000
  EXPECT_EQ(out, "2000-02-29T00:00:00.999Z");
}

TEST(LogFormat, NumbersAndBooleans) {
  EXPECT_EQ(parsed(line_of("e", {{"a", -5},
                                 {"b", std::numeric_limits<std::uint64_t>::max()},
                                 {"c", true},
                                 {"d", false},
                                 {"e", 0.25},
                                 {"f", std::size_t{7}}})),
            (Pairs{{"level", "info"},
                   {"logger", "amqp"},
                   {"event", "e"},
                   {"a", "-5"},
                   {"b", "18446744073709551615"},
                   {"c", "true"},
                   {"d", "false"},
                   {"e", "0.25"},
                   {"f", "7"}}));
}

TEST(LogFormat, PlainTokensStayBareEverythingElseIsQuoted) {
  EXPECT_EQ(value_of("000.00.13.H30"), "000.00.13.H30");
  EXPECT_EQ(value_of("amqps://[::1]:5671"), "amqps://[::1]:5671");
  EXPECT_EQ(value_of("inbox/000.00.13.H30"), "inbox/000.00.13.H30");
  EXPECT_EQ(value_of(""), "\"\"");
  EXPECT_EQ(value_of("a b"), "\"a b\"");
  EXPECT_EQ(value_of("k=v"), "\"k=v\"");
  EXPECT_EQ(value_of("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
  EXPECT_EQ(value_of("tab\there"), "\"tab\\there\"");
}

TEST(LogFormat, ControlBytesAndBrokenUtf8AreEscaped) {
  EXPECT_EQ(value_of(std::string("nul\0bell\a", 9)), "\"nul\\x00bell\\x07\"");
  EXPECT_EQ(value_of("del\x7f"), "\"del\\x7f\"");
  EXPECT_EQ(value_of("esc\x1b[31m"), "\"esc\\x1b[31m\"");
  EXPECT_EQ(value_of("bad\xff\xc3"), "\"bad\\xff\\xc3\"");            // invalid, truncated
  EXPECT_EQ(value_of("overlong\xc0\xaf"), "\"overlong\\xc0\\xaf\"");  // overlong '/'
  EXPECT_EQ(value_of("surrogate\xed\xa0\x80"), "\"surrogate\\xed\\xa0\\x80\"");
  // C1 controls (NEL) and the Unicode line/paragraph separators: line breaks for some readers.
  EXPECT_EQ(value_of("nel\xc2\x85"), "\"nel\\u0085\"");
  EXPECT_EQ(value_of("ls\xe2\x80\xa8ps\xe2\x80\xa9"), "\"ls\\u2028ps\\u2029\"");
  // Valid UTF-8 (Vietnamese organ names) is kept as is.
  EXPECT_EQ(value_of("Bộ Tài chính"), "\"Bộ Tài chính\"");
}

TEST(LogFormat, HostileSubjectCannotForgeALineOrAKey) {
  const std::string hostile =
      "CN=x\" level=error event=forged\n2026-12-06T18:40:02.000Z level=error logger=amqp "
      "event=connection-open subject=\"admin\r\\\" uid=000.00.01.G12";
  const std::string line = line_of("connection-open", {{"conn", 1}, {"subject", hostile},
                                                       {"uid", "000.00.13.H30"}});
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  const Pairs pairs = parsed(line);
  EXPECT_EQ(pairs, (Pairs{{"level", "info"},
                          {"logger", "amqp"},
                          {"event", "connection-open"},
                          {"conn", "1"},
                          {"subject", hostile},
                          {"uid", "000.00.13.H30"}}));
}

TEST(LogFormat, HostileKeysAndEventsAreSanitised) {
  // Keys and events are the hub's own constants; even a wrong one cannot break the grammar.
  const std::string line = line_of("ev ent=x\n", {{"k ey=\"", "v"}, {"", "w"}, {"UPPER", 1}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(parsed(line), (Pairs{{"level", "info"},
                                 {"logger", "amqp"},
                                 {"event", "ev_ent_x_"},
                                 {"k_ey__", "v"},
                                 {"_", "w"},
                                 {"_____", "1"}}));
}

TEST(LogFormat, LongValuesAreCutOnACharacterBoundary) {
  // 'ộ' is 3 bytes; kMaxValueBytes falls inside one of them.
  std::string v = "ab";
  while (v.size() < kMaxValueBytes + 10) v += "ộ";
  const std::string out = value_of(v);
  ASSERT_GE(out.size(), 5u);
  EXPECT_EQ(out.substr(out.size() - 4), "...\"");
  EXPECT_LE(out.size(), kMaxValueBytes + 5);
  EXPECT_EQ(out.find("\\x"), std::string::npos) << "a character was split";
  // A long plain token is quoted too (it is cut).
  EXPECT_EQ(value_of(std::string(kMaxValueBytes + 1, 'a')).front(), '"');
}

}  // namespace
}  // namespace docaxis::log
