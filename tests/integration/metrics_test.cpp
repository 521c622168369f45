// The hub's Prometheus metrics from a running hub (in-process, the same wiring docaxis-hub
// runs): the counters, gauges and histograms follow real traffic (a package waits in a queue,
// is delivered, is refused), `promtool check metrics` accepts the exposition, and no document
// id ever appears in it.
#include "server/application.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "config/loader.hpp"
#include "config/validate.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

// The value of the sample written exactly as `series` (name and label set), if present.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

template <class F>
bool eventually(F&& f, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return f();
}

// promtool's verdict on `text`: empty when it passes, else what it printed.
std::string promtool_check(const std::string& text, const fs::path& dir) {
  const fs::path file = dir / "metrics.txt";
  std::ofstream(file) << text;
  const std::string cmd = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "cannot run promtool";
  std::string out;
  char buf[512];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0 && out.empty()) out = "promtool exited with " + std::to_string(rc);
  return rc == 0 ? std::string() : out;
}

TEST(Metrics, FollowTrafficPassPromtoolAndNameNoDocument) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    FAIL() << "promtool is missing: scripts/install-deps.sh installs it (Debian's prometheus)";
  }
  const TempDir dir = temp_dir("metrics");
  TestHub files(dir);
  const config::HubConfig cfg = config::load_config_file((dir / "hub.toml").string()).config;
  server::StartError error;
  auto hub = server::Application::build(cfg, error);
  ASSERT_NE(hub, nullptr) << error.step << ": " << error.status.to_string();
  ASSERT_TRUE(hub->start(error)) << error.step << ": " << error.status.to_string();

  const std::string before = hub->metrics_text();
  EXPECT_EQ(promtool_check(before, dir.path()), "") << before;
  EXPECT_EQ(sample(before, "docaxis_ingest_total{outcome=\"accepted\"}"), 0.0);
  EXPECT_EQ(sample(before, "docaxis_build_info{version=\"" DOCAXIS_TEST_VERSION "\",hub=\"" +
                               cfg.hub.name + "\"}"),
            1.0);
  EXPECT_GT(sample(before, "process_resident_memory_bytes").value_or(0), 1e6);

  // Accepted, with no inbox attached: it waits in the recipient's queue.
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  auto sent = send_package(hub->port(), kPki, organ("000.00.13.H30"), "edoc", good);
  ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
  // Refused: the same bytes with one signed byte changed.
  std::string bad = good;
  const auto at = bad.find("<edXML:Subject>");
  ASSERT_NE(at, std::string::npos);
  bad[at + 15] = bad[at + 15] == 'X' ? 'Y' : 'X';
  auto refused = send_package(hub->port(), kPki, organ("000.00.13.H30"), "edoc", bad);
  ASSERT_EQ(refused.outcome, "rejected");
  const std::string code = refused.condition.substr(refused.condition.find(':') + 1);

  const std::string queued = hub->metrics_text();
  EXPECT_EQ(promtool_check(queued, dir.path()), "") << queued;
  EXPECT_EQ(sample(queued, "docaxis_ingest_total{outcome=\"accepted\"}"), 1.0) << queued;
  EXPECT_EQ(sample(queued, "docaxis_ingest_total{outcome=\"refused\"}"), 1.0);
  EXPECT_EQ(sample(queued, "docaxis_ingest_refusals_total{code=\"" + code + "\"}"), 1.0) << queued;
  EXPECT_EQ(sample(queued, "docaxis_verify_duration_seconds_count"), 2.0);
  EXPECT_GE(sample(queued, "docaxis_store_commit_duration_seconds_count").value_or(0), 1.0);
  EXPECT_GE(sample(queued, "docaxis_audit_sync_duration_seconds_count").value_or(0), 1.0);
  EXPECT_EQ(sample(queued, "docaxis_queue_deliveries{destination=\"000.00.01.G12\",kind=\"inbox\","
                           "state=\"waiting\"}"),
            1.0)
      << queued;
  EXPECT_EQ(sample(queued, "docaxis_circuit_breaker_state{destination=\"000.00.01.G12\","
                           "kind=\"inbox\",state=\"closed\"}"),
            1.0);
  EXPECT_GE(sample(queued, "docaxis_spool_packages{bytes=\"held\"}").value_or(0), 1.0);
  // Certificates: the hub's signing certificate by itself; the clients seen only as the
  // earliest expiry (the sender's certificate, valid for years in the test PKI).
  EXPECT_NE(queued.find("\ndocaxis_certificate_expiry_timestamp_seconds{role=\"hub-signing\","),
            std::string::npos)
      << queued;
  EXPECT_GT(sample(queued, "docaxis_certificate_seen_earliest_expiry_timestamp_seconds{role=\"endpoint\"}")
                .value_or(0),
            static_cast<double>(std::time(nullptr)))
      << queued;

  // Delivered once the recipient attaches; its queue empties.
  InboxClient inbox(hub->port(), kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(1));
  std::string after;
  ASSERT_TRUE(eventually([&] {
    after = hub->metrics_text();
    return sample(after, "docaxis_deliveries_finished_total{outcome=\"delivered\"}") == 1.0;
  })) << after;
  EXPECT_EQ(sample(after, "docaxis_queue_deliveries{destination=\"000.00.01.G12\",kind=\"inbox\","
                          "state=\"waiting\"}"),
            std::nullopt)
      << after;
  EXPECT_EQ(promtool_check(after, dir.path()), "") << after;

  // No document id, from either package, in any scrape.
  for (const std::string& pkg : {good, bad}) {
    const auto s = pkg.find("<edXML:DocumentId>");
    ASSERT_NE(s, std::string::npos);
    const auto e = pkg.find("</edXML:DocumentId>", s);
    const std::string doc_id = pkg.substr(s + 18, e - s - 18);
    ASSERT_FALSE(doc_id.empty());
    for (const std::string& t : {before, queued, after}) {
      EXPECT_EQ(t.find(doc_id), std::string::npos) << doc_id;
    }
  }
  hub->stop();
}

}  // namespace
}  // namespace docaxis::test
