// The folder mode's durability promise with real processes: while 200 documents flow from
// one agent's outbox/ to another agent's inbox/ (and status 01 answers and receipts flow
// back), both agents are killed with SIGKILL at random moments and restarted. Afterwards:
//  - every file dropped into the sender's outbox/ is in sent/, exactly once (none in failed/,
//    none left in outbox/, no "~2" copies);
//  - every document is in the recipient's inbox/ exactly once, and every status 01 in the
//    sender's inbox/ exactly once (the recipient deduplicates redeliveries by document id);
//  - no temporary file is left behind.
// DOCAXIS_AGENT_CRASH_FILES overrides the number of documents (default 200), and
// DOCAXIS_AGENT_CRASH_WAIT_SECONDS how long everything may take to settle (default 600; the
// hub drains about 20 deliveries a second, and each kill costs retries).
#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

// Document ids found in the files of `folder` whose names start with `prefix`, with their
// multiplicity; `element` is the id element to read ("DocumentId": the first one).
std::map<std::string, int> ids_in(const FolderAgent& a, const std::string& folder,
                                  const std::string& prefix) {
  std::map<std::string, int> ids;
  for (const auto& f : a.files(folder)) {
    if (f.rfind(prefix, 0) != 0) continue;
    const std::string text = read(a.dir(folder) / f);
    const std::string open = "<edXML:DocumentId>";
    const auto at = text.find(open);
    if (at == std::string::npos) {
      ++ids["<no DocumentId in " + f + ">"];
      continue;
    }
    const auto end = text.find("</edXML:DocumentId>", at);
    ++ids[text.substr(at + open.size(), end - at - open.size())];
  }
  return ids;
}

TEST(AgentCrash, SigkillAtAnyMomentLosesNothingAndDeliversEachDocumentOnce) {
  const int total = env_int("DOCAXIS_AGENT_CRASH_FILES", 200);
  const int wait_seconds = env_int("DOCAXIS_AGENT_CRASH_WAIT_SECONDS", 600);
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed));

  Scratch scratch("crash");

  const fs::path& dir = scratch.dir;
  Hub hub(dir / "hub");
  ASSERT_GT(hub.start(), 0);
  FolderAgent h30(dir / "h30", hub, kSender);
  FolderAgent g12(dir / "g12", hub, kRecipient, "[receive]\nstatus_arrived = true\n");
  std::set<std::string> expected_ids, names;
  for (int i = 0; i < total; ++i) {
    const std::string id = "000.00.13.H30,2026/11/22," + std::to_string(i) + "/CRASH";
    expected_ids.insert(id);
    names.insert("doc" + std::to_string(i) + ".edxml");
  }
  h30.start();
  g12.start();

  // Files arrive while the agents run (and die): in batches, the way a document system
  // writes them.
  std::atomic<bool> dropping_done{false};
  std::thread producer([&] {
    std::mt19937 rng(seed + 2);
    for (int i = 0; i < total; ++i) {
      drop(h30.dir("outbox"), "doc" + std::to_string(i) + ".edxml",
           unsigned_package("000.00.13.H30,2026/11/22," + std::to_string(i) + "/CRASH"));
      if (i % 10 == 9) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1000)(rng)));
      }
    }
    dropping_done = true;
  });

  auto settled = [&] {
    return dropping_done && h30.count("sent") == static_cast<std::size_t>(total) &&
           g12.count("inbox", "edoc-") == static_cast<std::size_t>(total) &&
           h30.count("inbox", "status-") == static_cast<std::size_t>(total);
  };

  // The killer: SIGKILL the agents in turn at random moments, restarting each at once, until
  // everything has settled (and each was killed a few times at least).
  constexpr int kMinKillsEach = 5;
  int kills_h30 = 0, kills_g12 = 0;
  std::mt19937 rng(seed);
  const auto kill_until = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds / 2);
  for (int round = 0; std::chrono::steady_clock::now() < kill_until &&
                      (!settled() || std::min(kills_h30, kills_g12) < kMinKillsEach);
       ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 800)(rng)));
    FolderAgent& victim = round % 2 == 0 ? h30 : g12;
    ASSERT_EQ(victim.stop(SIGKILL), -SIGKILL);
    (&victim == &h30 ? kills_h30 : kills_g12)++;
    victim.start();
  }
  producer.join();
  std::printf("agent crash test: %d documents, %d SIGKILLs of the sender, %d of the recipient\n",
              total, kills_h30, kills_g12);
  EXPECT_GE(kills_h30, kMinKillsEach);
  EXPECT_GE(kills_g12, kMinKillsEach);

  const bool done = eventually(wait_seconds, settled);
  EXPECT_TRUE(done) << "sent " << h30.count("sent") << ", delivered "
                    << g12.count("inbox", "edoc-") << ", statuses " << h30.count("inbox", "status-")
                    << " of " << total;
  // Let late redeliveries arrive, then stop cleanly.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(h30.stop(SIGTERM), 0);
  EXPECT_EQ(g12.stop(SIGTERM), 0);

  // Sender: every file is in sent/ exactly once; nothing failed, nothing left, no copies.
  const auto sent = h30.files("sent");
  EXPECT_EQ(std::set<std::string>(sent.begin(), sent.end()), names);
  EXPECT_EQ(sent.size(), names.size());
  EXPECT_EQ(h30.files("failed"), std::vector<std::string>{}) << h30.log();
  EXPECT_EQ(h30.files("outbox"), std::vector<std::string>{});

  // Recipient: each document exactly once.
  const auto delivered = ids_in(g12, "inbox", "edoc-");
  std::set<std::string> got;
  for (const auto& [id, n] : delivered) {
    EXPECT_EQ(n, 1) << id << " is in inbox/ " << n << " times";
    got.insert(id);
  }
  EXPECT_EQ(got, expected_ids);
  EXPECT_EQ(g12.count("inbox"), static_cast<std::size_t>(total));  // nothing else, no temps

  // Status 01 answers: one per document, each once, all sent (none failed).
  EXPECT_EQ(g12.count("sent", "status01-"), static_cast<std::size_t>(total));
  EXPECT_EQ(g12.files("failed"), std::vector<std::string>{}) << g12.log();
  std::set<std::string> answered;
  for (const auto& [id, n] : ids_in(h30, "inbox", "status-")) {
    EXPECT_EQ(n, 1) << "status for " << id << " is in inbox/ " << n << " times";
    answered.insert(id);
  }
  EXPECT_EQ(answered, expected_ids);
  EXPECT_EQ(h30.count("inbox"), static_cast<std::size_t>(total));

  // How often a crash window was hit (informative): redeliveries of what was stored already.
  auto occurrences = [](const std::string& log, const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  std::printf("agent crash test: %zu redeliveries absorbed as DUPLICATE by the recipient, %zu "
              "by the sender\n",
              occurrences(g12.log(), "\nDUPLICATE "), occurrences(h30.log(), "\nDUPLICATE "));

  // Receipts are deduplicated too: never more than one per delivery.
  EXPECT_LE(h30.count("receipts"), static_cast<std::size_t>(total));
  EXPECT_LE(g12.count("receipts"), static_cast<std::size_t>(total));
}

}  // namespace
}  // namespace docaxis::adapters_test
