// hub/ops's JSON API over a fake admin query port: what each path asks, what it keeps (never
// a document's content), the chart's samples, refusals, certificates, and the queries it may
// make (read-only ones only).
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "ops/api.hpp"
#include "ops/recent.hpp"

namespace docaxis::ops {
namespace {

using nlohmann::json;

struct FakeHub {
  std::mutex mu;
  std::set<std::string> asked;
  std::uint64_t accepted = 0;
  Query query() {
    return [this](const std::string& cmd, const json& args) -> Result<json> {
      std::lock_guard lk(mu);
      asked.insert(cmd);
      if (cmd == "stats") {
        return json{{"started_ms", 5}, {"uptime_s", 7},
                    {"counters", {{"ingest", {{"accepted", accepted}, {"refused", 1},
                                              {"refused_by_code", {{"bad-signature", 1}}}}},
                                  {"delivery", {{"delivered", accepted / 2}, {"dead", 0}}}}}};
      }
      if (cmd == "queue.list") {
        return json{{"now_ms", 1000},
                    {"queues", {{{"destination", "inbox/000.00.13.H30"}, {"kind", "inbox"},
                                 {"organ", "000.00.13.H30"}, {"waiting", 3}, {"oldest_age_ms", 4000},
                                 {"breaker", "closed"}, {"attached", false}, {"secret", "x"}},
                                {{"destination", "peer/g12"}, {"kind", "peer"}, {"waiting", 1},
                                 {"oldest_age_ms", 9000}}}}};
      }
      if (cmd == "doc.show") {
        if (args.value("ref", "") != "D-1") return Status("not-found", "no document");
        return json{{"now_ms", 1},
                    {"packages",
                     {{{"seq", 4}, {"document_id", "D-1"}, {"from", "000.00.13.H30"}, {"size", 1234},
                       {"content", {{"subject", "Công văn MẬT"}, {"to", "x"}, {"from_name", "Sở Nội vụ"}}},
                       {"signature", {{"signed", true}, {"verdict", "valid"}, {"signer", "CN=a"},
                                      {"relaxation_reason", ""}}},
                       {"hops", {{{"hub", "h30"}, {"arrived_ms", 3}}}},
                       {"deliveries", {{{"id", 9}, {"state", "waiting"}, {"recipient", "000.00.31.H30"}}}},
                       {"attempts", {{{"delivery", 9}, {"attempt", 1}, {"result", "retry"}}}},
                       {"receipts", {{{"receipt_id", "r"}, {"outcome", "delivered"}}}}}}}};
      }
      if (cmd == "dlq.list") return json{{"now_ms", 1}, {"total", 0}, {"dead", json::array()}};
      return json{{"now_ms", 1}};
    };
  }
};

ApiContext ctx_of(const OpsOptions& o, const History& h) { return ApiContext{o, h, 1000}; }

TEST(OpsApi, QueuesKeepTheirCountsAndAgesAndOnlyKnownFields) {
  FakeHub hub;
  OpsOptions o;
  o.query = hub.query();
  History h(60);
  auto r = api_answer("queues", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ((*r)["queues"].size(), 2u);
  EXPECT_EQ((*r)["queues"][0]["destination"], "inbox/000.00.13.H30");
  EXPECT_EQ((*r)["queues"][0]["waiting"], 3);
  EXPECT_EQ((*r)["queues"][0]["oldest_age_ms"], 4000);
  EXPECT_FALSE((*r)["queues"][0].contains("secret"));
}

TEST(OpsApi, ADocumentShowsTrailAttemptsAndReceiptsButNeverItsContent) {
  FakeHub hub;
  OpsOptions o;
  o.query = hub.query();
  History h(60);
  auto r = api_answer("doc", "id=D%2D1", ctx_of(o, h));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const std::string text = r->dump();
  EXPECT_EQ(text.find("Công văn"), std::string::npos) << text;
  EXPECT_EQ(text.find("Sở Nội vụ"), std::string::npos) << text;
  EXPECT_EQ(text.find("subject"), std::string::npos) << text;
  const json& p = (*r)["packages"][0];
  EXPECT_EQ(p["document_id"], "D-1");
  EXPECT_EQ(p["size"], 1234);
  EXPECT_EQ(p["bytes"], "held");
  EXPECT_EQ(p["hops"][0]["hub"], "h30");
  EXPECT_EQ(p["deliveries"][0]["id"], 9);
  EXPECT_EQ(p["attempts"][0]["result"], "retry");
  EXPECT_EQ(p["receipts"][0]["outcome"], "delivered");
  EXPECT_EQ(p["signature"]["verdict"], "valid");
  auto missing = api_answer("doc", "id=nope", ctx_of(o, h));
  EXPECT_EQ(missing.status().code(), "not-found");
  EXPECT_EQ(api_answer("doc", "", ctx_of(o, h)).status().code(), "invalid-argument");
  EXPECT_EQ(api_answer("doc", "id=%zz", ctx_of(o, h)).status().code(), "invalid-argument");
  EXPECT_EQ(api_answer("doc", "id=" + std::string(300, 'a'), ctx_of(o, h)).status().code(), "invalid-argument");
}

TEST(OpsApi, OnlyReadOnlyCommandsAreAsked) {
  FakeHub hub;
  OpsOptions o;
  o.query = hub.query();
  o.refusals = nullptr;
  History h(60);
  for (const char* name : {"summary", "queues", "peers", "endpoints", "dead", "refusals", "history",
                           "certificates", "nope"}) {
    (void)api_answer(name, "", ctx_of(o, h));
  }
  (void)api_answer("doc", "id=D-1", ctx_of(o, h));
  const std::set<std::string> allowed = {"stats", "queue.list", "peer.list", "endpoint.list", "dlq.list",
                                         "doc.show"};
  for (const std::string& c : hub.asked) EXPECT_TRUE(allowed.count(c)) << c;
  EXPECT_EQ(api_answer("nope", "", ctx_of(o, h)).status().code(), "not-found");
}

TEST(OpsApi, WithoutAQueryPortTheApiIsUnavailable) {
  OpsOptions o;
  History h(60);
  EXPECT_EQ(api_answer("queues", "", ctx_of(o, h)).status().code(), "unavailable");
}

TEST(OpsApi, CertificatesSayNoDataWithoutACallback) {
  OpsOptions o;
  History h(60);
  auto r = api_answer("certificates", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["available"], false);
  o.certificates = [] {
    return std::vector<ExpiringCertificate>{{"hub", "CN=docaxis hub h30", 1000 + 3 * 86'400'000LL, "hub.crt"}};
  };
  r = api_answer("certificates", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["available"], true);
  EXPECT_EQ((*r)["certificates"][0]["days_left"], 3);
  EXPECT_EQ((*r)["certificates"][0]["subject"], "CN=docaxis hub h30");
}

TEST(OpsApi, RefusalsAreTheNewestFirstWithTheCountsByCode) {
  FakeHub hub;
  RecentRefusals recent(2);
  recent.add({1, "bad-signature", "digest mismatch", "D-1", "000.00.13.H30", "CN=x", 10});
  recent.add({2, "no-route", "no route to 000.00.99.Z99", "D-2", "000.00.13.H30", "CN=x", 20});
  recent.add({3, "unauthorized", "not this organ's certificate", "D-3", "000.00.31.H30", "CN=y", 30});
  OpsOptions o;
  o.query = hub.query();
  o.refusals = &recent;
  History h(60);
  auto r = api_answer("refusals", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)["recent"].size(), 2u);  // bounded
  EXPECT_EQ((*r)["recent"][0]["code"], "unauthorized");
  EXPECT_EQ((*r)["recent"][1]["code"], "no-route");
  EXPECT_EQ((*r)["by_code"]["bad-signature"], 1);
}

TEST(OpsApi, HistoryKeepsBoundedPerPeriodGainsAndThePeriodInProgress) {
  History h(3);
  h.record(0, {10, 0, 5, 0}, 0);  // the baseline only
  EXPECT_TRUE(h.samples().empty());
  h.record(60, {15, 1, 7, 0}, 500);
  h.record(120, {15, 1, 7, 0}, 0);
  h.record(180, {20, 1, 9, 1}, 0);
  h.record(240, {2, 1, 9, 1}, 0);  // the source restarted: counts from zero
  ASSERT_EQ(h.samples().size(), 3u);
  EXPECT_EQ(h.samples()[0].gained.accepted, 0u);
  EXPECT_EQ(h.samples()[1].gained.accepted, 5u);
  EXPECT_EQ(h.samples()[1].gained.dead, 1u);
  EXPECT_EQ(h.samples()[2].gained.accepted, 2u);
  EXPECT_EQ(h.since_last({7, 1, 9, 1}).accepted, 5u);

  FakeHub hub;
  hub.accepted = 40;
  OpsOptions o;
  o.query = hub.query();
  auto r = api_answer("history", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["samples"].size(), 3u);
  EXPECT_EQ((*r)["current"]["accepted"], 38);
}

// Each period's latency comes from what the histogram gained in it, not from its whole life.
TEST(OpsApi, HistoryTellsEachPeriodsLatencyFromTheHistogramsGains) {
  metrics::Histogram commit({0.001, 0.01, 0.1});
  History h(10);
  auto read = [&] { return Latencies{{"commit", commit.snapshot()}}; };
  for (int i = 0; i < 1000; ++i) commit.observe(0.0005);  // before the baseline
  h.record(0, {}, 0, read());
  h.record(60, {}, 0, read());  // nothing observed in this period
  for (int i = 0; i < 20; ++i) commit.observe(0.05);
  h.record(120, {}, 0, read());
  ASSERT_EQ(h.samples().size(), 2u);
  EXPECT_EQ(h.samples()[0].latency.at("commit").count, 0u);
  EXPECT_FALSE(h.samples()[0].latency.at("commit").p95.has_value());
  const LatencyFigure slow = h.samples()[1].latency.at("commit");
  EXPECT_EQ(slow.count, 20u);
  EXPECT_NEAR(*slow.p50, 0.01 + 0.09 * 0.5, 1e-9);  // not the 0.5 ms of the 1000 before
  EXPECT_NEAR(*slow.p95, 0.01 + 0.09 * 0.95, 1e-9);
  commit.observe(0.002);  // the period in progress

  FakeHub hub;
  OpsOptions o;
  o.query = hub.query();
  o.latencies = read;
  auto r = api_answer("history", "", ctx_of(o, h));
  ASSERT_TRUE(r.ok());
  const json& s = (*r)["samples"];
  EXPECT_TRUE(s[0]["latency"]["commit"]["p95_ms"].is_null()) << r->dump();
  EXPECT_EQ(s[1]["latency"]["commit"]["count"], 20);
  EXPECT_DOUBLE_EQ(s[1]["latency"]["commit"]["p50_ms"].get<double>(), 55.0);
  EXPECT_DOUBLE_EQ(s[1]["latency"]["commit"]["p95_ms"].get<double>(), 95.5);
  EXPECT_EQ((*r)["current"]["latency"]["commit"]["count"], 1) << r->dump();
  EXPECT_DOUBLE_EQ((*r)["current"]["latency"]["commit"]["p50_ms"].get<double>(), 5.5);
}

TEST(OpsApi, CountersAndTheOldestAgeAreReadFromTheAdminAnswers) {
  EXPECT_EQ(totals_of(json{{"counters", {{"ingest", {{"accepted", 4}, {"refused", 2}}},
                                         {"delivery", {{"delivered", 3}, {"dead", 1}}}}}})
                .delivered,
            3u);
  EXPECT_EQ(oldest_age_of(json{{"queues", {{{"oldest_age_ms", 5}}, {{"oldest_age_ms", nullptr}},
                                           {{"oldest_age_ms", 9}}}}}),
            9);
}

TEST(OpsApi, QueryParametersArePercentDecoded) {
  EXPECT_EQ(query_param("id=a%20b&x=1", "id"), "a b");
  EXPECT_EQ(query_param("x=1&id=%C4%91%E1%BB%8F", "id"), "\xC4\x91\xE1\xBB\x8F");
  EXPECT_EQ(query_param("id=a+b", "id"), "a b");
  EXPECT_EQ(query_param("idx=1", "id"), std::nullopt);
  EXPECT_EQ(query_param("id=%4", "id"), std::nullopt);
  EXPECT_EQ(query_param("id=%", "id"), std::nullopt);
}

}  // namespace
}  // namespace docaxis::ops
