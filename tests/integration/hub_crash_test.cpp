// The durability guarantee with a real docaxis-hub process: while packages flow in, out to
// the recipient and receipts back to the sender, the hub is killed with SIGKILL at random
// moments and restarted; every package the hub answered `accepted` must reach the recipient
// (at least once) and produce a signed `delivered` receipt at the sender. Unanswered sends
// are retried by the sender, as a real client does; the duplicate rule makes that safe.
// DOCAXIS_CRASH_PACKAGES overrides the package count (default 2,000, the figure),
// DOCAXIS_CRASH_WAIT_SECONDS how long to wait for everything after the last send (default 240).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

TEST(HubCrash, EveryAcceptedPackageIsDeliveredDespiteRepeatedSigkill) {
  const char* n_env = std::getenv("DOCAXIS_CRASH_PACKAGES");
  const int total = n_env != nullptr ? std::atoi(n_env) : 2000;
  const char* wait_env = std::getenv("DOCAXIS_CRASH_WAIT_SECONDS");
  const int wait_seconds = wait_env != nullptr ? std::atoi(wait_env) : 240;
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);

  // Distinct signed packages: the unsigned fixture with its own DocumentId each, then signed.
  const std::string base = read(kFixtures + "/unsigned.edxml");
  const std::string first_id =
      "<edXML:DocumentId>000.00.13.H30,2019/01/16,74/VPCP-TTĐT</edXML:DocumentId>";
  ASSERT_NE(base.find(first_id), std::string::npos);
  auto signer = dsig::Signer::load(organ("000.00.13.H30") + ".key", organ("000.00.13.H30") + ".crt",
                                   {kPki + "/intermediates.pem"});
  ASSERT_TRUE(signer.ok()) << signer.status().to_string();
  std::vector<std::string> ids, packages;
  for (int i = 0; i < total; ++i) {
    ids.push_back("000.00.13.H30,2026/11/22," + std::to_string(i) + "/CRASH");
    std::string doc = base;
    doc.replace(doc.find(first_id), first_id.size(),
                "<edXML:DocumentId>" + ids.back() + "</edXML:DocumentId>");
    auto s = (*signer)->sign(doc);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    packages.push_back(std::move(s).value());
  }

  TestHub hub(temp_dir("crash"));
  std::atomic<int> port{hub.start()};
  ASSERT_GT(port.load(), 0);
  // Both inboxes stay attached through the run (a new client after each restart), so the
  // kills land while deliveries and receipts are in flight too.
  std::vector<std::unique_ptr<InboxClient>> recipients, senders;
  auto attach = [&] {
    recipients.push_back(std::make_unique<InboxClient>(port, kPki, organ("000.00.01.G12"),
                                                       "inbox/000.00.01.G12"));
    senders.push_back(std::make_unique<InboxClient>(port, kPki, organ("000.00.13.H30"),
                                                    "inbox/000.00.13.H30"));
  };
  attach();
  std::atomic<pid_t> victim{hub.pid()};
  std::atomic<bool> done{false};
  std::atomic<int> kills{0};
  // The killer: SIGKILL at random moments, whatever the hub is doing.
  std::thread killer([&] {
    std::mt19937 krng(seed + 1);
    while (!done) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 2500)(krng)));
      const pid_t p = victim.load();
      if (!done && p > 0 && kill(p, SIGKILL) == 0) ++kills;
    }
  });
  auto restart_if_dead = [&] {
    if (!hub.exited()) return;
    victim = 0;
    port = hub.start();
    ASSERT_GT(port.load(), 0) << hub.log();
    victim = hub.pid();
    attach();
  };

  std::set<std::string> accepted;
  for (int i = 0; i < total; ++i) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto r = send_package(port, kPki, organ("000.00.13.H30"), "edoc",
                            packages[static_cast<std::size_t>(i)]);
      if (r.outcome == "accepted") {
        accepted.insert(ids[static_cast<std::size_t>(i)]);
        break;
      }
      ASSERT_NE(r.outcome, "rejected") << r.condition << " " << r.description;
      // Released, or the connection died: restart the hub if it is gone, then resend.
      restart_if_dead();
    }
  }
  done = true;
  killer.join();
  restart_if_dead();
  EXPECT_EQ(accepted.size(), static_cast<std::size_t>(total));
  EXPECT_GT(kills.load(), 0) << "the hub was never killed: the test proved nothing";

  auto trust = dsig::TrustStore::load(
      {{kPki + "/trust-anchors.pem"}, {kPki + "/intermediates.pem"}, {kPki + "/crl/all.pem"}});
  ASSERT_TRUE(trust.ok()) << trust.status().to_string();
  dsig::Verifier verifier(*trust);
  std::set<std::string> delivered, receipted;
  std::size_t deliveries = 0;
  std::set<std::string> seen_receipts;  // receipt bytes already checked
  auto collect = [&] {
    delivered.clear();
    deliveries = 0;
    for (const auto& c : recipients) {
      for (const auto& m : c->received()) {
        ++deliveries;
        if (m.properties.count("document-id")) delivered.insert(m.properties.at("document-id"));
      }
    }
    for (const auto& c : senders) {
      for (const auto& m : c->received()) {
        if (!seen_receipts.insert(m.bytes).second) continue;
        auto doc = edxml::parse_untrusted(m.bytes);
        ASSERT_TRUE(doc.ok()) << doc.status().to_string();
        auto verdict = verifier.verify(*doc, dsig::Placement::kRootLastChild, "",
                                       {false, false, /*bind_sender=*/false});
        ASSERT_TRUE(verdict.ok()) << verdict.status().to_string();
        auto r = edxml::read_receipt(*doc);
        ASSERT_TRUE(r.ok()) << r.status().to_string();
        EXPECT_EQ(r->outcome, "delivered") << r->document_id;
        receipted.insert(r->document_id);
      }
    }
  };
  const auto drain_start = std::chrono::steady_clock::now();
  for (int waited = 0; waited < 2 * wait_seconds; ++waited) {
    collect();
    if (delivered.size() >= accepted.size() && receipted.size() >= accepted.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::vector<std::string> lost, unreceipted;
  for (const auto& id : accepted) {
    if (!delivered.count(id)) lost.push_back(id);
    if (!receipted.count(id)) unreceipted.push_back(id);
  }
  EXPECT_TRUE(lost.empty()) << lost.size() << " accepted packages never delivered, e.g. "
                            << (lost.empty() ? "" : lost.front()) << " (kills: " << kills << ")";
  EXPECT_TRUE(unreceipted.empty()) << unreceipted.size() << " delivered packages without a "
                                   << "receipt, e.g. "
                                   << (unreceipted.empty() ? "" : unreceipted.front());
  std::printf(
      "crash test: %d packages, %d SIGKILLs, %zu deliveries received (%zu distinct), %zu "
      "receipts verified, drained in %.1f s after the last send\n",
      total, kills.load(), deliveries, delivered.size(), receipted.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count());
  EXPECT_EQ(hub.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace docaxis::test
