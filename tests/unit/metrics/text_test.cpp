#include "metrics/text.hpp"

#include <gtest/gtest.h>

namespace docaxis::metrics {
namespace {

TEST(TextWriter, WritesHelpTypeAndSamplesOfAFamilyTogether) {
  TextWriter w;
  w.family("docaxis_ingest_total", TextWriter::Type::counter, "Packages answered.");
  w.sample({{"outcome", "accepted"}}, 3);
  w.sample({{"outcome", "refused"}, {"code", "bad-signature"}}, 1);
  w.family("docaxis_in_flight", TextWriter::Type::gauge, "In flight.");
  w.sample({}, 0.5);
  EXPECT_EQ(w.text(),
            "# HELP docaxis_ingest_total Packages answered.\n"
            "# TYPE docaxis_ingest_total counter\n"
            "docaxis_ingest_total{outcome=\"accepted\"} 3\n"
            "docaxis_ingest_total{outcome=\"refused\",code=\"bad-signature\"} 1\n"
            "# HELP docaxis_in_flight In flight.\n"
            "# TYPE docaxis_in_flight gauge\n"
            "docaxis_in_flight 0.5\n");
  EXPECT_EQ(w.dropped(), 0u);
}

TEST(TextWriter, EscapesLabelValuesAndHelpText) {
  TextWriter w;
  w.family("x", TextWriter::Type::gauge, "a\\b\nc \"q\"");
  w.sample({{"subject", "CN=\"Sở\"\\\n"}}, 1);
  EXPECT_EQ(w.text(),
            "# HELP x a\\\\b\\nc \"q\"\n"
            "# TYPE x gauge\n"
            "x{subject=\"CN=\\\"Sở\\\"\\\\\\n\"} 1\n");
}

TEST(TextWriter, ReplacesBytesThatAreNotUtf8SoTheScrapeStaysValid) {
  TextWriter w;
  w.family("x", TextWriter::Type::gauge, "h\xff");
  // Kept: Vietnamese (2- and 3-byte sequences), a 4-byte one. Replaced: a lone continuation
  // byte, a truncated sequence, an overlong '/', a surrogate.
  w.sample({{"a", "S\xe1\xbb\x9f \xf0\x9f\x93\x84"}}, 1);
  w.sample({{"a", "\x80|\xe1\xbb|\xc0\xaf|\xed\xa0\x80"}}, 2);
  EXPECT_EQ(w.text(),
            "# HELP x h\xef\xbf\xbd\n# TYPE x gauge\n"
            "x{a=\"S\xe1\xbb\x9f \xf0\x9f\x93\x84\"} 1\n"
            "x{a=\"\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 2\n");
}

TEST(TextWriter, RefusesWhatWouldMakeTheScrapeInvalid) {
  TextWriter w;
  w.family("bad name", TextWriter::Type::gauge, "");           // space
  w.sample({}, 1);                                             // no open family
  w.family("docaxis_things", TextWriter::Type::counter, "");   // counter without _total
  w.family("ok", TextWriter::Type::gauge, "");
  w.sample({{"__reserved", "x"}}, 1);                          // reserved label name
  w.sample({{"a", "1"}, {"a", "2"}}, 1);                       // repeated label
  w.sample({{"a", "1"}}, 1);
  w.sample({{"a", "1"}}, 2);                                   // same label set again
  w.family("ok", TextWriter::Type::gauge, "");                 // family again
  w.family("h_count", TextWriter::Type::histogram, "");        // reserved suffix
  EXPECT_EQ(w.dropped(), 8u);
  EXPECT_EQ(w.text(), "# HELP ok \n# TYPE ok gauge\nok{a=\"1\"} 1\n");
}

TEST(TextWriter, WritesAHistogramAsCumulativeBucketsSumAndCount) {
  Histogram h({0.01, 0.1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(2);
  TextWriter w;
  w.family("docaxis_store_commit_duration_seconds", TextWriter::Type::histogram, "Commits.");
  w.histogram({{"store", "sqlite"}}, h.snapshot());
  w.histogram({{"le", "1"}}, h.snapshot());  // `le` is the writer's own label
  EXPECT_EQ(w.dropped(), 1u);
  EXPECT_EQ(w.text(),
            "# HELP docaxis_store_commit_duration_seconds Commits.\n"
            "# TYPE docaxis_store_commit_duration_seconds histogram\n"
            "docaxis_store_commit_duration_seconds_bucket{store=\"sqlite\",le=\"0.01\"} 1\n"
            "docaxis_store_commit_duration_seconds_bucket{store=\"sqlite\",le=\"0.1\"} 2\n"
            "docaxis_store_commit_duration_seconds_bucket{store=\"sqlite\",le=\"+Inf\"} 3\n"
            "docaxis_store_commit_duration_seconds_sum{store=\"sqlite\"} 2.055\n"
            "docaxis_store_commit_duration_seconds_count{store=\"sqlite\"} 3\n");
}

TEST(TextWriter, FormatsValuesAsPrometheusDoes) {
  EXPECT_EQ(TextWriter::format_value(1e21), "1e+21");
  EXPECT_EQ(TextWriter::format_value(1712345678), "1712345678");
  EXPECT_EQ(TextWriter::format_value(0.1), "0.1");
  EXPECT_EQ(TextWriter::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(TextWriter::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

}  // namespace
}  // namespace docaxis::metrics
