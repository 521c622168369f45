// The CLI's human output and argument parsing: what an operator reads and types.
#include <gtest/gtest.h>

#include "cli/format.hpp"

namespace docaxis::cli {
namespace {

constexpr int64_t kNow = 1'763'780'221'000;  // 2025-11-22T02:57:01Z

TEST(Table, ColumnsAlignWithNumbersOnTheRightAndNoTrailingSpaces) {
  Table t({{"DEST"}, {"WAITING", true}, {"ERROR"}});
  t.add({"inbox/000.00.01.G12", "3", "released by inbox"});
  t.add({"peer/national", "120", ""});
  EXPECT_EQ(t.render(),
            "DEST                 WAITING  ERROR\n"
            "inbox/000.00.01.G12        3  released by inbox\n"
            "peer/national            120\n");
}

TEST(Table, WidthsCountCodePointsSoVietnameseNamesLineUp) {
  Table t({{"NAME"}, {"N", true}});
  t.add({"Văn phòng Chính phủ", "1"});
  t.add({"Bộ Tư pháp", "22"});
  const std::string out = t.render();
  // Each line's "N" column ends at the same code-point position.
  std::size_t line = 0;
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i <= out.size(); ++i) {
    if (i == out.size() || out[i] == '\n') {
      if (i > line) widths.push_back(display_width(std::string_view(out).substr(line, i - line)));
      line = i + 1;
    }
  }
  ASSERT_EQ(widths.size(), 3u);
  EXPECT_EQ(widths[0], widths[1]);
  EXPECT_EQ(widths[1], widths[2]);
}

TEST(Table, ShortRowsArePaddedAndLongRowsCut) {
  Table t({{"A"}, {"B"}});
  t.add({"x"});
  t.add({"y", "z", "dropped"});
  EXPECT_EQ(t.render(), "A  B\nx\ny  z\n");
}

TEST(Ellipsize, CutsOnCodePointsAndMarksTheCut) {
  EXPECT_EQ(ellipsize("short", 10), "short");
  EXPECT_EQ(ellipsize("abcdefghij", 5), "abcd\u2026");
  EXPECT_EQ(display_width(ellipsize("Tư pháp Tư pháp", 6)), 6u);
}

TEST(HumanSize, BinaryUnitsWithOneDecimal) {
  EXPECT_EQ(human_size(0), "0 B");
  EXPECT_EQ(human_size(1023), "1023 B");
  EXPECT_EQ(human_size(1024), "1.0 KiB");
  EXPECT_EQ(human_size(12'800), "12.5 KiB");
  EXPECT_EQ(human_size(64ull << 20), "64.0 MiB");
  EXPECT_EQ(human_size(3ull << 30), "3.0 GiB");
}

TEST(HumanDuration, TwoMostSignificantUnits) {
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(850), "850ms");
  EXPECT_EQ(human_duration(45'000), "45s");
  EXPECT_EQ(human_duration(192'000), "3m12s");
  EXPECT_EQ(human_duration(2 * 3'600'000 + 5 * 60'000 + 9'000), "2h05m");
  EXPECT_EQ(human_duration(4 * 86'400'000LL + 3 * 3'600'000), "4d03h");
  EXPECT_EQ(human_duration(-45'000), "-45s");
  EXPECT_EQ(human_age(std::nullopt), "-");
}

TEST(RelativeTime, FutureAndPastAroundNow) {
  EXPECT_EQ(relative_time(kNow + 12'000, kNow), "in 12s");
  EXPECT_EQ(relative_time(kNow - 185'000, kNow), "3m05s ago");
  EXPECT_EQ(relative_time(kNow + 400, kNow), "now");
  EXPECT_EQ(relative_time(std::nullopt, kNow), "-");
}

TEST(IsoTime, UtcSecondsAndMilliseconds) {
  EXPECT_EQ(iso_time(kNow), "2025-11-22T02:57:01Z");
  EXPECT_EQ(iso_time_ms(kNow + 123), "2025-11-22T02:57:01.123Z");
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00Z");
}

TEST(ParseDuration, UnitsAndCombinations) {
  EXPECT_EQ(*parse_duration("0s"), 0);
  EXPECT_EQ(*parse_duration("500ms"), 500);
  EXPECT_EQ(*parse_duration("90s"), 90'000);
  EXPECT_EQ(*parse_duration("15m"), 900'000);
  EXPECT_EQ(*parse_duration("2h"), 7'200'000);
  EXPECT_EQ(*parse_duration("7d"), 604'800'000);
  EXPECT_EQ(*parse_duration("1w"), 604'800'000);
  EXPECT_EQ(*parse_duration("1h30m"), 5'400'000);
  EXPECT_EQ(*parse_duration("1d2h3m4s5ms"), 86'400'000 + 7'200'000 + 180'000 + 4'000 + 5);
}

TEST(ParseDuration, RefusesAmbiguousOrMalformedInput) {
  for (const char* bad : {"", "30", "h", "5x", "-5m", "1.5h", "5 m", "m5", "99999999999999999999d"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), "invalid-argument") << bad;
    }
  }
}

TEST(ParseTime, Rfc3339WithZoneFractionAndOffset) {
  EXPECT_EQ(*parse_time("2025-11-22T02:57:01Z", kNow), kNow);
  EXPECT_EQ(*parse_time("2025-11-22T02:57:01.250Z", kNow), kNow + 250);
  EXPECT_EQ(*parse_time("2025-11-22T09:57:01+07:00", kNow), kNow);
  EXPECT_EQ(*parse_time("2025-11-21T21:57:01-05:00", kNow), kNow);
  EXPECT_EQ(*parse_time("2025-11-22 02:57:01Z", kNow), kNow);
  EXPECT_EQ(*parse_time("2025-11-22", kNow), kNow - (2 * 3600 + 57 * 60 + 1) * 1000);
}

TEST(ParseTime, NowAndDurationsAgo) {
  EXPECT_EQ(*parse_time("now", kNow), kNow);
  EXPECT_EQ(*parse_time("2h", kNow), kNow - 7'200'000);
  EXPECT_EQ(*parse_time("1h30m", kNow), kNow - 5'400'000);
  EXPECT_EQ(*parse_time("7d", kNow), kNow - 604'800'000);
}

TEST(ParseTime, RefusesLocalTimesWithoutZoneAndMalformedDates) {
  for (const char* bad : {"2025-11-22T02:57:01", "2025-13-01", "2025-11-22T25:00:00Z",
                          "22/11/2025", "yesterday", "2025-11-22T02:57Z", "2025-11-22Tx"}) {
    auto r = parse_time(bad, kNow);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(Progress, BarPercentAndCounts) {
  EXPECT_EQ(render_progress("verify", 40, 100, 10, false), "verify  [####------]  40%  40/100");
  EXPECT_EQ(render_progress("export", 5 << 20, 10 << 20, 4, true),
            "export  [##--]  50%  5.0 MiB/10.0 MiB");
  EXPECT_EQ(render_progress("scan", 7, 0, 4, false), "scan  [----]  7");
  EXPECT_EQ(render_progress("x", 200, 100, 4, false), "x  [####] 100%  200/100");
}

TEST(ProgressBar, DrawsNothingWhenDisabled) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("retry", 10, false, /*enabled=*/false);
    bar.update(5);
    bar.finish();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

}  // namespace
}  // namespace docaxis::cli
