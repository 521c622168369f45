// The operator endpoint ([ops], hub/ops) of a real docaxis-hub after real traffic over
// mutual-TLS AMQP: health and readiness, the status page's JSON (queues with their counts, a
// Vietnamese organ name, a document's trail without its content, a refusal and why), and the
// page itself in a real headless Chromium (skipped, by name, when `chromium` is not installed).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "dsig/signer.hpp"
#include "http_get.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::send_package;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kSender = "000.00.13.H30";
const std::string kRecipient = "000.00.01.G12";
// UTF-8, with the diacritics an organ name has.
const std::string kRecipientName = "Ủy ban nhân dân tỉnh Hà Giang";

json api(int port, const std::string& name) {
  const HttpAnswer a = http_get(port, "/status/api/" + name);
  EXPECT_EQ(a.status, 200u) << name << ": " << a.head << "\n" << a.body;
  json j = json::parse(a.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << a.body;
  return j;
}

json queue_of(const json& queues, const std::string& destination) {
  for (const json& q : queues["queues"]) {
    if (q["destination"] == destination) return q;
  }
  return json();
}

bool eventually(const std::function<bool()>& probe, std::chrono::seconds limit = 30s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return probe();
}

// A hub serving kSender and kRecipient (named in Vietnamese), the operator endpoint on a free
// loopback port; nobody reads kRecipient's inbox, so what is sent to it waits.
class OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.emplace(temp_dir("ops"));
    const std::string config = hub_toml(
        {.pki = kPki,
         .data_dir = dir_->path() / "data",
         .organs = {kSender},
         .extra_toml = "[[endpoints]]\norgan = \"" + kRecipient + "\"\nname = \"" + kRecipientName +
                       "\"\n\n[ops]\nenabled = true\nport = 0\n"});
    hub_ = std::make_unique<TestHub>(dir_->path(), TestHub::FullConfig{config});
    port_ = hub_->start();
    ASSERT_GT(port_, 0);
    ASSERT_TRUE(eventually([&] { return fs::exists(hub_->data_dir() / "ops.port"); }));
    ops_port_ = std::stoi(read((hub_->data_dir() / "ops.port").string()));
    ASSERT_GT(ops_port_, 0);
  }
  void TearDown() override { hub_.reset(); }

  // Sends `packages` distinct signed documents from kSender to kRecipient.
  void send_traffic(int packages) {
    const std::string unsigned_doc = read(kFixtures + "/unsigned.edxml");
    const std::string id = "000.00.13.H30,2019/01/16,74/VPCP-TTĐT";
    ASSERT_NE(unsigned_doc.find(id), std::string::npos);
    auto signer = dsig::Signer::load(organ(kSender) + ".key", organ(kSender) + ".crt",
                                     {kPki + "/intermediates.pem"});
    ASSERT_TRUE(signer.ok()) << signer.status().to_string();
    for (int i = 0; i < packages; ++i) {
      std::string doc = unsigned_doc;
      doc.replace(doc.find(id), id.size(), kSender + ",2026/12/07," + std::to_string(i + 1) + "/OPS");
      auto signed_doc = (*signer)->sign(doc);
      ASSERT_TRUE(signed_doc.ok()) << signed_doc.status().to_string();
      auto sent = send_package(port_, kPki, organ(kSender), "edoc", *signed_doc);
      ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
    }
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<TestHub> hub_;
  int port_ = 0;
  int ops_port_ = 0;
};

TEST_F(OpsTest, AfterTrafficTheStatusApiShowsTheQueuesAndTheHubIsReady) {
  const HttpAnswer health = http_get(ops_port_, "/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_NE(health.head.find("X-Frame-Options: DENY"), std::string::npos) << health.head;
  const HttpAnswer ready = http_get(ops_port_, "/readyz");
  EXPECT_EQ(ready.status, 200u) << ready.body;
  EXPECT_EQ(ready.body, "ready\n");

  send_traffic(1);
  // A refusal: not XML at all.
  auto junk = send_package(port_, kPki, organ(kSender), "edoc", "this is not a package");
  EXPECT_EQ(junk.outcome, "rejected");

  json queues;
  ASSERT_TRUE(eventually([&] {
    queues = api(ops_port_, "queues");
    const json q = queue_of(queues, "inbox/" + kRecipient);
    return q.is_object() && q["waiting"].get<int>() + q["retrying"].get<int>() == 1;
  })) << queues.dump(1);
  const json q = queue_of(queues, "inbox/" + kRecipient);
  EXPECT_EQ(q["attached"], false);
  EXPECT_TRUE(q["oldest_age_ms"].is_number()) << q.dump();
  EXPECT_EQ(queue_of(queues, "inbox/" + kSender)["waiting"], 0);

  const json endpoints = api(ops_port_, "endpoints");
  bool named = false;
  for (const json& e : endpoints["endpoints"]) named |= e["organ"] == kRecipient && e["name"] == kRecipientName;
  EXPECT_TRUE(named) << endpoints.dump();

  const json refusals = api(ops_port_, "refusals");
  ASSERT_FALSE(refusals["recent"].empty()) << refusals.dump();
  EXPECT_FALSE(refusals["recent"][0]["code"].get<std::string>().empty());
  EXPECT_FALSE(refusals["by_code"].empty());

  // The document by seq: its trail and deliveries, never its content.
  const HttpAnswer doc = http_get(ops_port_, "/status/api/doc?id=1");
  ASSERT_EQ(doc.status, 200u) << doc.body;
  const json d = json::parse(doc.body);
  ASSERT_EQ(d["packages"].size(), 1u) << doc.body;
  EXPECT_EQ(d["packages"][0]["from"], kSender);
  EXPECT_EQ(d["packages"][0]["deliveries"][0]["recipient"], kRecipient);
  EXPECT_FALSE(d["packages"][0]["hops"].empty()) << doc.body;
  EXPECT_FALSE(d["packages"][0].contains("content")) << doc.body;
  EXPECT_EQ(doc.body.find("subject"), std::string::npos) << doc.body;

  EXPECT_EQ(http_get(ops_port_, "/status/api/doc?id=no-such-document").status, 404u);
  // The inventory is wired; the test PKI's certificates are far from the 30-day horizon.
  const json certs = api(ops_port_, "certificates");
  EXPECT_EQ(certs["available"], true) << certs.dump();
  EXPECT_TRUE(certs["certificates"].empty()) << certs.dump();
  const HttpAnswer metrics = http_get(ops_port_, "/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("\ndocaxis_ingest_total{outcome=\"accepted\"} "), std::string::npos)
      << metrics.body;
}

// Runs `argv` with its output to `out`; its exit code (-1 when it did not run).
int run(const std::vector<std::string>& argv, const fs::path& out, std::chrono::seconds limit) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(100ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    for (const char* dir : {"/usr/bin/", "/usr/local/bin/", "/bin/"}) {
      const std::string p = std::string(dir) + name;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
  }
  return "";
}

TEST_F(OpsTest, BrowserStatusPageShowsTheLiveQueuesInHeadlessChromium) {
  const std::string chromium = chromium_binary();
  if (chromium.empty()) {
    GTEST_SKIP() << "OpsTest.BrowserStatusPageShowsTheLiveQueuesInHeadlessChromium skipped: no chromium "
                    "(scripts/install-deps.sh installs it)";
  }
  send_traffic(3);
  ASSERT_TRUE(eventually([&] {
    const json q = queue_of(api(ops_port_, "queues"), "inbox/" + kRecipient);
    return q.is_object() && q["waiting"].get<int>() + q["retrying"].get<int>() == 3;
  }));
  // The history's period in progress carries the latency of what the traffic caused.
  const json history = api(ops_port_, "history");
  ASSERT_TRUE(history["current"].is_object()) << history.dump();
  EXPECT_GE(history["current"]["latency"]["commit"]["count"].get<int>(), 1) << history.dump();
  EXPECT_TRUE(history["current"]["latency"]["commit"]["p95_ms"].is_number()) << history.dump();
  EXPECT_TRUE(history["current"]["latency"].contains("verify")) << history.dump();
  const fs::path profile = dir_->path() / "chromium-profile";
  fs::create_directories(profile);
  const std::string url = "http://127.0.0.1:" + std::to_string(ops_port_) + "/status";
  std::vector<std::string> base = {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                   "--no-first-run", "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                                   "--user-data-dir=" + profile.string(), "--virtual-time-budget=8000",
                                   "--window-size=1400,1800"};
  std::vector<std::string> dump = base;
  dump.push_back("--dump-dom");
  dump.push_back(url);
  const fs::path dom_file = dir_->path() / "dom.html";
  ASSERT_EQ(run(dump, dom_file, 120s), 0) << read(dom_file.string());
  const std::string dom = read(dom_file.string());
  // The page ran its script against the live hub: the queue row with its count, the organ's
  // Vietnamese name as the directory spells it, no error line.
  EXPECT_NE(dom.find("data-loaded=\"yes\""), std::string::npos) << dom;
  const std::regex row("<tr data-destination=\"inbox/" + kRecipient +
                       "\"><td>inbox/[0-9.A-Z]+</td><td class=\"organ-name\">([^<]*)</td><td class=\"num waiting\">([0-9]+)</td>");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, row)) << dom;
  EXPECT_EQ(m[1].str(), kRecipientName);
  EXPECT_EQ(m[2].str(), "3");
  EXPECT_NE(dom.find("<span id=\"hub-name\">h30</span>"), std::string::npos);
  EXPECT_NE(dom.find("<span id=\"load-error\" class=\"bad\"></span>"), std::string::npos) << dom;
  // The latency chart (issue 16: "throughput and latency"): the period in progress has the
  // store's commits of the traffic, drawn as a line and told in words.
  const std::size_t latency_svg = dom.find("aria-label=\"latency\">");
  ASSERT_NE(latency_svg, std::string::npos) << dom;
  const std::size_t commit_line = dom.find("\" class=\"commit p95\"></polyline>", latency_svg);
  ASSERT_NE(commit_line, std::string::npos) << dom;
  EXPECT_LT(dom.rfind("<polyline points=\"", commit_line), commit_line);
  EXPECT_GT(dom.rfind("<polyline points=\"", commit_line), latency_svg);
  EXPECT_NE(dom.find("<span id=\"latency-now\">commit p50 "), std::string::npos) << dom;

  const fs::path shot = fs::path(DOCAXIS_BUILD_DIR) / "ops-status-page.png";
  fs::remove(shot);
  std::vector<std::string> screenshot = base;
  screenshot.push_back("--screenshot=" + shot.string());
  screenshot.push_back(url);
  const fs::path log = dir_->path() / "screenshot.log";
  ASSERT_EQ(run(screenshot, log, 120s), 0) << read(log.string());
  ASSERT_TRUE(fs::exists(shot)) << read(log.string());
  EXPECT_GT(fs::file_size(shot), 10'000u);
  std::cout << "screenshot: " << shot.string() << std::endl;
}

}  // namespace
}  // namespace docaxis::test
