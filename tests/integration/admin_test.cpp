// The admin endpoint and the `docaxis` queue inspector / receipt log commands, as an operator
// and an auditor use them: a real docaxis-hub with the test PKI, real traffic over mutual-TLS
// AMQP, and the real `docaxis` binary run as a child process (exit code, stdout, stderr).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "dsig/signer.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;
using nlohmann::json;

const std::string kCli = env_or("DOCAXIS", DOCAXIS_CLI_BINARY);
const std::string kSender = "000.00.13.H30";
const std::string kRecipient = "000.00.01.G12";
// Short retry times: a delivery is past its deadline one second after acceptance.
const std::string kFastDeadline =
    "[retry]\nfirst_retry_seconds = 1\nmax_interval_seconds = 1\ndeadline_seconds = 1\n";

struct CliResult {
  int exit_code = -1;
  std::string out, err;
  json parsed() const {
    json j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << out << "\nstderr:\n" << err;
    return j;
  }
};

// Runs `docaxis ARGS...` with `input` on its standard input.
CliResult cli(const fs::path& scratch, const std::vector<std::string>& args,
              const std::string& input = "") {
  fs::create_directories(scratch);
  const fs::path in = scratch / "cli.in", out = scratch / "cli.out", err = scratch / "cli.err";
  std::ofstream(in, std::ios::binary) << input;
  const pid_t pid = fork();
  if (pid == 0) {
    const int i = ::open(in.c_str(), O_RDONLY);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(i, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kCli.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kCli.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read(out.string());
  r.err = read(err.string());
  return r;
}

// Polls `probe` until it returns true (`limit` at most). The tests wait for states, never for
// time.
bool eventually(const std::function<bool()>& probe,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return probe();
}

class AdminTest : public ::testing::Test {
 protected:
  void start(const std::string& name, const std::string& extra_toml = "") {
    hub_ = std::make_unique<TestHub>(temp_dir("admin-" + name), extra_toml);
    port_ = hub_->start();
    ASSERT_GT(port_, 0);
    socket_ = (hub_->data_dir() / "admin.sock").string();
    config_ = (hub_->dir() / "hub.toml").string();
  }
  // docaxis ARGS --socket <this hub's socket>
  CliResult admin(std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--socket");
    args.push_back(socket_);
    return cli(hub_->dir() / "scratch", args, input);
  }
  CliResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return cli(hub_->dir() / "scratch", args, input);
  }
  // Sends the signed fixture from 000.00.13.H30 to 000.00.01.G12; returns its seq.
  uint64_t send_good() {
    const std::string good = read(kFixtures + "/good-rsa.edxml");
    auto sent = send_package(port_, kPki, organ(kSender), "edoc", good);
    EXPECT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
    auto list = admin({"doc", "list", "--from", kSender, "--json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    const json rows = list.parsed()["deliveries"];
    EXPECT_FALSE(rows.empty()) << list.out;
    return rows.empty() ? 0 : rows[0]["seq"].get<uint64_t>();
  }
  json show(uint64_t seq) {
    auto r = admin({"doc", "show", std::to_string(seq), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.parsed()["packages"][0];
  }
  uint64_t dead_to(const std::string& recipient) {
    auto r = admin({"dlq", "list", "--to", recipient, "--json"});
    return r.exit_code == 0 ? r.parsed()["total"].get<uint64_t>() : 0;
  }

  std::unique_ptr<TestHub> hub_;
  int port_ = 0;
  std::string socket_, config_;
};

TEST_F(AdminTest, SocketIsOwnerOnlyAndAStoppedHubIsReportedUnreachableWithExitThree) {
  start("socket");
  struct stat st{};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto q = run({"queue", "list", "--config", config_});  // found through the configuration
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("DESTINATION"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("inbox/000.00.01.G12"), std::string::npos) << q.out;

  // Usage errors: exit 2, nothing sent.
  EXPECT_EQ(admin({"doc", "list", "--since", "yesterday"}).exit_code, 2);
  EXPECT_EQ(admin({"doc", "list", "--limit", "0"}).exit_code, 2);
  EXPECT_EQ(admin({"queue"}).exit_code, 2);
  EXPECT_EQ(admin({"dlq", "purge"}).exit_code, 2);  // --older-than is required
  EXPECT_EQ(admin({"dlq", "retry"}).exit_code, 2);  // an ID or --all
  // A document that does not exist: exit 1 with the hub's code.
  auto missing = admin({"doc", "show", "no-such-document"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not-found"), std::string::npos) << missing.err;

  EXPECT_EQ(hub_->stop(SIGTERM), 0) << hub_->log();
  EXPECT_FALSE(fs::exists(socket_));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"queue", "list"}, {"stats", "--json"}, {"dlq", "purge", "--older-than", "1d", "--yes"}}) {
    auto r = admin(args);
    EXPECT_EQ(r.exit_code, 3) << args[0] << " " << r.out << r.err;
  }
  auto down = run({"queue", "list", "--config", config_});
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_NE(down.err.find("unreachable"), std::string::npos) << down.err;
}

TEST_F(AdminTest, ARefusedDeliveryIsFoundInOneLineAndShownWithItsErrorAttemptsAndReceipt) {
  start("refused");
  const uint64_t seq = send_good();
  ASSERT_GT(seq, 0u);
  InboxClient recipient(port_, kPki, organ(kRecipient), "inbox/" + kRecipient, /*reject_all=*/true);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();
  ASSERT_TRUE(eventually([&] {
    auto r = admin({"doc", "list", "--state", "failed", "--to", kRecipient, "--json"});
    return r.exit_code == 0 && r.parsed()["deliveries"].size() == 1;
  })) << hub_->log();

  // The one-line search an operator types instead of grepping dump files.
  auto line = admin({"doc", "list", "--state", "failed", "--to", kRecipient, "--since", "1h"});
  ASSERT_EQ(line.exit_code, 0) << line.err;
  EXPECT_NE(line.out.find("refused"), std::string::npos) << line.out;
  EXPECT_NE(line.out.find("not ours"), std::string::npos) << line.out;
  auto listed = admin({"doc", "list", "--state", "refused", "--json"}).parsed()["deliveries"][0];
  EXPECT_EQ(listed["seq"], seq);
  EXPECT_EQ(listed["from"], kSender);
  EXPECT_EQ(listed["recipient"], kRecipient);
  EXPECT_NE(listed["last_error"].get<std::string>().find("not ours"), std::string::npos);
  EXPECT_TRUE(admin({"doc", "list", "--state", "delivered", "--to", kRecipient, "--json"})
                  .parsed()["deliveries"].empty());

  const json p = show(seq);
  EXPECT_EQ(p["from"], kSender);
  EXPECT_EQ(p["content"]["to"], json::array({kRecipient}));
  EXPECT_FALSE(p["content"]["subject"].get<std::string>().empty());
  EXPECT_EQ(p["size"], read(kFixtures + "/good-rsa.edxml").size());
  EXPECT_TRUE(p["signature"]["signed"].get<bool>());
  EXPECT_NE(p["signature"]["signer"].get<std::string>().find("000.00.13.H30"), std::string::npos)
      << p["signature"];
  EXPECT_EQ(p["hops"][0]["hub"], "h30");
  EXPECT_EQ(p["route"][0]["next_hop"], "local");
  ASSERT_EQ(p["deliveries"].size(), 1u);
  EXPECT_EQ(p["deliveries"][0]["state"], "refused");
  ASSERT_EQ(p["attempts"].size(), 1u);
  EXPECT_EQ(p["attempts"][0]["result"], "rejected");
  EXPECT_EQ(p["attempts"][0]["attempt"], 1);
  EXPECT_TRUE(p["attempts"][0]["started_ms"].is_number());
  EXPECT_NE(p["attempts"][0]["error"].get<std::string>().find("not ours"), std::string::npos);
  EXPECT_NE(p["signature"]["method"].get<std::string>().find("rsa-sha256"), std::string::npos)
      << p["signature"];
  EXPECT_EQ(p["signature"]["verdict"].get<std::string>().rfind("signed by ", 0), 0u)
      << p["signature"];
  EXPECT_EQ(p["signature"]["relayed_by"], "");
  ASSERT_EQ(p["receipts"].size(), 1u);
  EXPECT_EQ(p["receipts"][0]["outcome"], "rejected");
  EXPECT_EQ(p["receipts"][0]["recipient"], kRecipient);
  // The delivery the receipt answers, stored with it (and the id built from it, unchanged).
  const uint64_t delivery_id = p["deliveries"][0]["id"];
  EXPECT_EQ(p["receipts"][0]["delivery"], delivery_id);
  EXPECT_EQ(p["receipts"][0]["receipt_id"],
            "h30-" + std::to_string(seq) + "-" + std::to_string(delivery_id));

  // The same by document id, for humans.
  auto human = admin({"doc", "show", p["document_id"].get<std::string>()});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  for (const char* want : {"Attempts", "rejected", "not ours", "Receipts issued", "h30 @"}) {
    EXPECT_NE(human.out.find(want), std::string::npos) << want << "\n" << human.out;
  }

  // The queues, endpoints and counters agree.
  ASSERT_TRUE(eventually([&] {
    const json queues = admin({"queue", "list", "--json"}).parsed()["queues"];
    for (const json& q : queues) {
      if (q["destination"] == "inbox/" + kRecipient) return q["attached"] == true;
    }
    return false;
  }));
  const json queues = admin({"queue", "list", "--json"}).parsed()["queues"];
  for (const json& q : queues) {
    if (q["destination"] == "inbox/" + kRecipient) {
      EXPECT_EQ(q["refused"], 1);
      EXPECT_EQ(q["breaker"], "closed");  // an answer is a working destination
    }
  }
  const json endpoints = admin({"endpoint", "list", "--json"}).parsed()["endpoints"];
  for (const json& e : endpoints) {
    if (e["organ"] == kSender) {
      EXPECT_TRUE(e["last_sent_ms"].is_number()) << e;
    }
    if (e["organ"] == kRecipient) {
      EXPECT_TRUE(e["last_answered_ms"].is_number()) << e;
    }
  }
  const json stats = admin({"stats", "--json"}).parsed();
  EXPECT_EQ(stats["counters"]["delivery"]["refused"], 1);
  EXPECT_EQ(stats["counters"]["ingest"]["accepted"], 1);
  EXPECT_GT(stats["rates_per_s"]["ingest.accepted"].get<double>(), 0.0);
  auto routes = admin({"route", "list"});
  EXPECT_EQ(routes.exit_code, 0);
  EXPECT_NE(routes.out.find("inbox/000.00.13.H30"), std::string::npos) << routes.out;
  auto peers = admin({"peer", "list"});
  EXPECT_EQ(peers.exit_code, 0);
  EXPECT_NE(peers.out.find("no peers"), std::string::npos) << peers.out;

  // A refused document is not retried unless asked for.
  auto not_retried = admin({"doc", "retry", std::to_string(seq)});
  EXPECT_EQ(not_retried.exit_code, 1);
  EXPECT_NE(not_retried.err.find("nothing-to-retry"), std::string::npos) << not_retried.err;
}

TEST_F(AdminTest, ADeadLetterIsRetriedByAnOperatorDeliveredAndAudited) {
  start("dead", kFastDeadline);
  const uint64_t seq = send_good();
  ASSERT_GT(seq, 0u);
  // The deadline (1 s) passes while nobody reads the inbox. (This wait is the scenario's
  // precondition; what follows is asserted on states.)
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  InboxClient inbox(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(eventually([&] { return dead_to(kRecipient) == 1; })) << hub_->log();

  auto dlq = admin({"dlq", "list", "--to", kRecipient});
  ASSERT_EQ(dlq.exit_code, 0) << dlq.err;
  EXPECT_NE(dlq.out.find("dead"), std::string::npos) << dlq.out;
  EXPECT_NE(dlq.out.find("expired"), std::string::npos) << dlq.out;
  const json before = show(seq);
  ASSERT_EQ(before["deliveries"][0]["state"], "dead");
  const uint64_t dead_id = before["deliveries"][0]["id"];
  EXPECT_TRUE(inbox.received().empty());  // a dead letter is not delivered by itself

  auto retried = admin({"dlq", "retry", std::to_string(seq)});
  ASSERT_EQ(retried.exit_code, 0) << retried.out << retried.err;
  EXPECT_NE(retried.out.find("retried delivery " + std::to_string(dead_id)), std::string::npos)
      << retried.out;
  ASSERT_TRUE(inbox.wait_for(1)) << hub_->log();
  EXPECT_EQ(inbox.received()[0].bytes, read(kFixtures + "/good-rsa.edxml"));
  ASSERT_TRUE(eventually([&] { return show(seq)["deliveries"][0]["state"] == "delivered"; }));

  const json after = show(seq);
  EXPECT_NE(after["deliveries"][0]["id"], dead_id);  // a fresh delivery
  ASSERT_EQ(after["retired_deliveries"].size(), 1u);
  EXPECT_EQ(after["retired_deliveries"][0]["id"], dead_id);
  EXPECT_EQ(after["retired_deliveries"][0]["state"], "dead");
  EXPECT_NE(after["retired_deliveries"][0]["retired_by"].get<std::string>().find("(uid "),
            std::string::npos);
  std::vector<std::string> results;
  for (const json& a : after["attempts"]) results.push_back(a["result"]);
  EXPECT_EQ(results, (std::vector<std::string>{"dead", "accepted"}));
  // Both ends were receipted, under different receipt ids.
  ASSERT_TRUE(eventually([&] { return show(seq)["receipts"].size() == 2; }));
  const json receipts = show(seq)["receipts"];
  EXPECT_EQ(receipts[0]["outcome"], "expired");
  EXPECT_EQ(receipts[1]["outcome"], "delivered");
  EXPECT_NE(receipts[0]["receipt_id"], receipts[1]["receipt_id"]);
  EXPECT_EQ(receipts[0]["delivery"], dead_id);
  EXPECT_EQ(receipts[1]["delivery"], after["deliveries"][0]["id"]);
  EXPECT_EQ(dead_to(kRecipient), 0u);

  // The audit trail of the document names the operator.
  auto trail = admin({"receipt", "show", after["document_id"].get<std::string>(), "--json"});
  ASSERT_EQ(trail.exit_code, 0) << trail.err;
  std::vector<std::string> events;
  std::string who;
  for (const json& r : trail.parsed()) {
    events.push_back(r["event"]);
    if (r["event"] == "operator") {
      who = r["who"];
      EXPECT_EQ(r["detail"]["action"], "dlq.retry");
      EXPECT_EQ(r["detail"]["delivery"], dead_id);
    }
  }
  for (const char* want : {"accepted", "dead-lettered", "operator", "delivered", "receipt-issued"}) {
    EXPECT_NE(std::find(events.begin(), events.end(), want), events.end()) << want;
  }
  EXPECT_NE(who.find("(uid " + std::to_string(::geteuid()) + ")"), std::string::npos) << who;
}

TEST_F(AdminTest, PurgeAsksForConfirmationAndDeletesOnlyWhenConfirmed) {
  start("purge", kFastDeadline);
  const uint64_t seq = send_good();
  ASSERT_GT(seq, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the 1 s deadline
  InboxClient inbox(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(eventually([&] { return dead_to(kRecipient) == 1; })) << hub_->log();

  auto declined = admin({"dlq", "purge", "--older-than", "0s"}, "no\n");
  EXPECT_EQ(declined.exit_code, 1);
  EXPECT_NE(declined.err.find("Type \"yes\""), std::string::npos) << declined.err;
  EXPECT_NE(declined.err.find("nothing deleted"), std::string::npos) << declined.err;
  EXPECT_EQ(dead_to(kRecipient), 1u);
  auto no_answer = admin({"dlq", "purge", "--older-than", "0s"}, "");  // end of input
  EXPECT_EQ(no_answer.exit_code, 1);
  EXPECT_EQ(dead_to(kRecipient), 1u);
  auto too_recent = admin({"dlq", "purge", "--older-than", "1h", "--yes"});
  EXPECT_EQ(too_recent.exit_code, 0);
  EXPECT_NE(too_recent.out.find("no dead letters older than 1h"), std::string::npos) << too_recent.out;
  EXPECT_EQ(dead_to(kRecipient), 1u);

  auto confirmed = admin({"dlq", "purge", "--older-than", "0s"}, "yes\n");
  ASSERT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_NE(confirmed.out.find("purged "), std::string::npos) << confirmed.out;
  EXPECT_EQ(dead_to(kRecipient), 0u);
  auto gone = admin({"doc", "show", std::to_string(seq)});
  EXPECT_EQ(gone.exit_code, 1);  // its only delivery was purged, so was the package
  // --yes purges without asking (whatever else died meanwhile, e.g. undeliverable receipts).
  auto yes = admin({"dlq", "purge", "--older-than", "0s", "--yes", "--json"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_TRUE(yes.parsed()["purged"].is_number());

  // The purge is in the document's audit trail, with who did it.
  auto trail = admin({"receipt", "show", "seq:" + std::to_string(seq), "--json"});
  ASSERT_EQ(trail.exit_code, 0) << trail.err;
  bool purged = false;
  for (const json& r : trail.parsed()) {
    if (r["event"] == "operator" && r["detail"]["action"] == "dlq.purge") {
      purged = true;
      EXPECT_TRUE(r["detail"]["package_deleted"].get<bool>());
      EXPECT_NE(r["who"].get<std::string>().find("(uid "), std::string::npos);
    }
  }
  EXPECT_TRUE(purged) << trail.out;
}

TEST_F(AdminTest, ReceiptCheckVerifiesASignedReceiptAndCatchesAlterationAndTheWrongDocument) {
  start("check");
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  ASSERT_GT(send_good(), 0u);
  InboxClient recipient(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(recipient.wait_for(1)) << hub_->log();
  InboxClient sender(port_, kPki, organ(kSender), "inbox/" + kSender);
  ASSERT_TRUE(sender.wait_for(1)) << hub_->log();
  const std::string receipt = sender.received()[0].bytes;
  const fs::path dir = hub_->dir();
  std::ofstream(dir / "receipt.xml", std::ios::binary) << receipt;
  std::string altered = receipt;
  const std::size_t at = altered.find("delivered");
  ASSERT_NE(at, std::string::npos);
  altered.replace(at, 9, "rejected!");
  std::ofstream(dir / "altered.xml", std::ios::binary) << altered;
  const std::vector<std::string> trust = {"--trust", kPki + "/trust-anchors.pem", "--intermediate",
                                          kPki + "/intermediates.pem"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"receipt", "check"};
    args.insert(args.end(), trust.begin(), trust.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };

  auto ok = with({"--document", kFixtures + "/good-rsa.edxml", "--issuer", "h30",
                  (dir / "receipt.xml").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("OK "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("outcome=delivered"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("CN=docaxis hub h30"), std::string::npos) << ok.out;

  auto bad = with({"--json", (dir / "altered.xml").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_FALSE(bad.parsed()[0]["ok"].get<bool>()) << bad.out;

  auto wrong_doc = with({"--document", kFixtures + "/good-ecdsa.edxml", (dir / "receipt.xml").string()});
  EXPECT_EQ(wrong_doc.exit_code, 1);
  EXPECT_NE(wrong_doc.out.find("document-mismatch"), std::string::npos) << wrong_doc.out;
  auto wrong_hub = with({"--issuer", "national", (dir / "receipt.xml").string()});
  EXPECT_EQ(wrong_hub.exit_code, 1);
  EXPECT_NE(wrong_hub.out.find("issuer-mismatch"), std::string::npos) << wrong_hub.out;
  // Offline: no hub needed.
  EXPECT_EQ(hub_->stop(SIGTERM), 0);
  EXPECT_EQ(with({(dir / "receipt.xml").string()}).exit_code, 0);
}

// Retention in a running hub ([retention], hub/store/README.md "Retention"): a delivered
// document's bytes are released once its age passed, the spool counters and the audit log say
// so; a document whose delivery is still waiting is kept, however old.
TEST_F(AdminTest, RetentionReleasesADeliveredDocumentAndKeepsAWaitingOne) {
  start("retention", "[retention]\nedoc_seconds = 1\ninterval_seconds = 1\n");
  const std::string good = read(kFixtures + "/good-rsa.edxml");

  // First the one that must stay: a document of its own (own DocumentId) from 000.00.01.G12
  // to 000.00.13.H30, whose inbox nobody attaches, so its delivery stays waiting. Sent first,
  // it is older than the released one when that one goes.
  std::string doc = read(kFixtures + "/unsigned.edxml");
  const std::string id_old = "000.00.13.H30,2019/01/16,74/VPCP-TTĐT";
  ASSERT_NE(doc.find(id_old), std::string::npos);
  doc.replace(doc.find(id_old), id_old.size(), kRecipient + ",2026/12/07,1/RET");
  doc = std::regex_replace(doc, std::regex("<edXML:OrganId>000\\.00\\.13\\.H30</edXML:OrganId>"),
                           "<edXML:OrganId>@FROM@</edXML:OrganId>");
  doc = std::regex_replace(doc, std::regex("<edXML:OrganId>000\\.00\\.01\\.G12</edXML:OrganId>"),
                           "<edXML:OrganId>" + kSender + "</edXML:OrganId>");
  doc = std::regex_replace(doc, std::regex("@FROM@"), kRecipient);
  auto signer = dsig::Signer::load(organ(kRecipient) + ".key", organ(kRecipient) + ".crt",
                                   {kPki + "/intermediates.pem"});
  ASSERT_TRUE(signer.ok()) << signer.status().to_string();
  auto signed_doc = (*signer)->sign(doc);
  ASSERT_TRUE(signed_doc.ok()) << signed_doc.status().to_string();
  auto kept_sent = send_package(port_, kPki, organ(kRecipient), "edoc", *signed_doc);
  ASSERT_EQ(kept_sent.outcome, "accepted") << kept_sent.condition << " " << kept_sent.description;
  const json kept_rows =
      admin({"doc", "list", "--from", kRecipient, "--json"}).parsed()["deliveries"];
  ASSERT_EQ(kept_rows.size(), 1u) << kept_rows;
  const uint64_t kept = kept_rows[0]["seq"];
  EXPECT_EQ(kept_rows[0]["recipient"], kSender);

  // Then the one that goes: 000.00.13.H30 to 000.00.01.G12, accepted by the recipient.
  const uint64_t seq = send_good();
  ASSERT_GT(seq, 0u);
  ASSERT_NE(seq, kept);
  InboxClient inbox(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(inbox.wait_for(1)) << hub_->log();
  EXPECT_EQ(inbox.received()[0].bytes, good);
  ASSERT_TRUE(eventually([&] { return show(seq)["deliveries"][0]["state"] == "delivered"; },
                         std::chrono::seconds(15)))
      << hub_->log();

  // Released: a round after the age (1 s) passed since the delivery ended.
  json released;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = admin({"doc", "show", std::to_string(seq), "--json"});
        if (r.exit_code != 0) return false;
        released = r.parsed()["packages"][0];
        return released.contains("bytes_released_ms");
      },
      std::chrono::seconds(15)))
      << show(seq) << "\n" << hub_->log();
  EXPECT_TRUE(released["bytes_released_ms"].is_number()) << released;
  EXPECT_GT(released["bytes_released_ms"].get<int64_t>(), released["received_ms"].get<int64_t>());
  ASSERT_TRUE(released["content"].contains("released")) << released;
  EXPECT_FALSE(released["content"]["released"].get<std::string>().empty()) << released;
  EXPECT_FALSE(released["content"].contains("subject")) << released;
  // The row stays: its metadata and its delivery.
  EXPECT_EQ(released["from"], kSender);
  EXPECT_EQ(released["size"], good.size());
  ASSERT_EQ(released["deliveries"].size(), 1u);
  EXPECT_EQ(released["deliveries"][0]["state"], "delivered");

  // The spool counters: exactly this package (receipts are kept, receipt_seconds = 0; the
  // waiting document is held).
  json spool;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = admin({"stats", "--json"});
        if (r.exit_code != 0) return false;
        spool = r.parsed()["spool"];
        return spool.contains("released_packages") &&
               spool["released_packages"].get<uint64_t>() >= 1;
      },
      std::chrono::seconds(15)))
      << spool;
  EXPECT_EQ(spool["released_packages"], 1) << spool;
  EXPECT_EQ(spool["released_bytes"], good.size()) << spool;
  EXPECT_GE(spool["held_packages"].get<uint64_t>(), 1u) << spool;
  EXPECT_TRUE(spool["last_release_ms"].is_number()) << spool;
  EXPECT_GT(spool["last_release_ms"].get<int64_t>(), 0) << spool;

  // The audit log has the round: who "retention", at least one package.
  const fs::path audit_dir = hub_->data_dir() / "audit";
  json round;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = run({"receipt", "export", "--log-dir", audit_dir.string()});
        if (r.exit_code != 0) return false;
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
          const json rec = json::parse(line, nullptr, false);
          if (!rec.is_discarded() && rec.value("event", "") == "retention") {
            round = rec;
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(15)))
      << run({"receipt", "export", "--log-dir", audit_dir.string()}).out;
  EXPECT_EQ(round["who"], "retention") << round;
  EXPECT_GE(round["detail"]["packages"].get<uint64_t>(), 1u) << round;
  EXPECT_GE(round["detail"]["bytes"].get<uint64_t>(), good.size()) << round;

  // The waiting document, received before the released one, is still held and readable.
  const json held = show(kept);
  EXPECT_FALSE(held.contains("bytes_released_ms")) << held;
  EXPECT_FALSE(held["content"].contains("released")) << held;
  EXPECT_FALSE(held["content"].value("subject", "").empty()) << held;
  EXPECT_EQ(held["content"]["to"], json::array({kSender})) << held;
  ASSERT_EQ(held["deliveries"].size(), 1u) << held;
  EXPECT_EQ(held["deliveries"][0]["state"], "waiting") << held;
  EXPECT_LT(held["received_ms"].get<int64_t>(), released["received_ms"].get<int64_t>());
}

// The audit log of a hub that saw real traffic, then copies of it with one change each.
class AuditLogTest : public AdminTest {
 protected:
  void SetUp() override {
    start("audit");
    ASSERT_GT(send_good(), 0u);
    // Three refusals: each is an audit record (digest mismatch, impostor, unsigned).
    EXPECT_EQ(send_package(port_, kPki, organ(kSender), "edoc",
                           read(kFixtures + "/tampered-subject.edxml")).outcome, "rejected");
    EXPECT_EQ(send_package(port_, kPki, organ("000.00.31.H30"), "edoc",
                           read(kFixtures + "/good-rsa.edxml")).outcome, "rejected");
    EXPECT_EQ(send_package(port_, kPki, organ(kSender), "edoc",
                           read(kFixtures + "/unsigned.edxml")).outcome, "rejected");
    // The refusals are audited without waiting for their records: wait until they are there.
    ASSERT_TRUE(eventually([&] {
      auto r = admin({"stats", "--json"});
      return r.exit_code == 0 && r.parsed()["counters"]["audit"]["records"].get<uint64_t>() >= 4;
    }));
    ASSERT_EQ(hub_->stop(SIGTERM), 0) << hub_->log();  // seals the log with a checkpoint
    log_ = hub_->data_dir() / "audit";
    segment_ = log_ / "audit-000001.log";
    ASSERT_TRUE(fs::exists(segment_));
    lines_ = split_lines(read(segment_.string()));
    ASSERT_GE(lines_.size(), 5u);
  }
  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(text.substr(start, nl - start));
    }
    return out;
  }
  // A copy of the log whose segment holds `lines`.
  fs::path copy_with(const std::string& name, const std::vector<std::string>& lines) {
    const fs::path dir = hub_->dir() / name;
    fs::create_directories(dir);
    std::ofstream out(dir / "audit-000001.log", std::ios::binary);
    for (const auto& l : lines) out << l << '\n';
    return dir;
  }
  CliResult verify(const fs::path& dir, bool as_json = false) {
    std::vector<std::string> args = {"receipt", "verify", dir.string(), "--hub-cert",
                                     kPki + "/hubs/h30.crt"};
    if (as_json) args.push_back("--json");
    return run(args);
  }

  fs::path log_, segment_;
  std::vector<std::string> lines_;
};

TEST_F(AuditLogTest, VerifyAcceptsTheSealedLogAndExportGivesItsExactLines) {
  auto ok = verify(log_);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("OK "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("sealed"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("--anchor-hash"), std::string::npos) << ok.out;
  const json report = verify(log_, true).parsed();
  EXPECT_EQ(report["verdict"], "sealed");
  EXPECT_EQ(report["records"], lines_.size());

  auto jsonl = run({"receipt", "export", "--log-dir", log_.string()});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(jsonl.out, read(segment_.string()));  // byte for byte: the chain re-verifies
  const fs::path out = hub_->dir() / "export.csv";
  auto csv = run({"receipt", "export", "--log-dir", log_.string(), "--format", "csv", "-o",
                  out.string(), "--since", "1h", "--until", "now"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto rows = split_lines(read(out.string()));
  ASSERT_EQ(rows.size(), lines_.size() + 1);
  EXPECT_EQ(rows[0], "seq,time,event,who,doc,organ,detail,prev,hash");
  EXPECT_EQ(rows[1].substr(0, 2), "1,");
  auto future = run({"receipt", "export", "--log-dir", log_.string(), "--since", "2999-01-01T00:00:00Z"});
  EXPECT_EQ(future.exit_code, 0);
  EXPECT_EQ(future.out, "");
  EXPECT_EQ(run({"receipt", "export", "--log-dir", log_.string(), "--format", "xml"}).exit_code, 2);
}

TEST_F(AuditLogTest, VerifyNamesAFlippedByte) {
  std::vector<std::string> lines = lines_;
  const std::size_t at = lines[2].find("\"event\":\"") + 9;
  lines[2][at] ^= 0x01;  // one bit of the third record
  const fs::path dir = copy_with("flipped", lines);
  auto r = verify(dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("TAMPERED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hash-mismatch at audit-000001.log line 3 (seq 3)"), std::string::npos) << r.out;
  const json j = verify(dir, true).parsed();
  EXPECT_EQ(j["failure"]["code"], "hash-mismatch");
  EXPECT_EQ(j["failure"]["line"], 3);
}

TEST_F(AuditLogTest, VerifyNamesADeletedRecord) {
  std::vector<std::string> lines = lines_;
  lines.erase(lines.begin() + 2);
  auto r = verify(copy_with("deleted", lines));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("seq-gap at audit-000001.log line 3"), std::string::npos) << r.out;
}

TEST_F(AuditLogTest, VerifyNamesASwappedPairOfRecords) {
  std::vector<std::string> lines = lines_;
  std::swap(lines[1], lines[2]);
  auto r = verify(copy_with("swapped", lines));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("seq-out-of-order at audit-000001.log line 2"), std::string::npos) << r.out;
}

TEST_F(AuditLogTest, VerifyRefusesAnotherHubsCertificateAndAMissingDirectoryIsAUsageError) {
  ASSERT_TRUE(fs::exists(kPki + "/hubs/national.crt"));
  auto other = run({"receipt", "verify", log_.string(), "--hub-cert", kPki + "/hubs/national.crt"});
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.out.find("bad-checkpoint-signature"), std::string::npos) << other.out;
  auto missing = run({"receipt", "verify", (hub_->dir() / "nope").string(), "--hub-cert",
                      kPki + "/hubs/h30.crt"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
}

}  // namespace
}  // namespace docaxis::test
