// docaxis-agent send / receive as a user runs them, against a real docaxis-hub: the output
// lines and exit codes of README.md (a public contract).
#include <gtest/gtest.h>

#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(AgentCli, SendPrintsOneLinePerFileInOrderAndExitsOneWhenAnyIsRefused) {
  Scratch scratch("cli-send");
  const fs::path& dir = scratch.dir;
  Hub hub(dir / "hub");
  ASSERT_GT(hub.start(), 0);
  const std::string good = kFixtures + "/good-rsa.edxml";
  const std::string tampered = kFixtures + "/tampered-subject.edxml";
  const std::string missing = (dir / "missing.edxml").string();
  write(dir / "junk.edxml", "this is not XML");
  AgentRun r = run_agent(with({"send"}, with(agent_flags(hub, kSender),
                                        {good, tampered, missing, (dir / "junk.edxml").string()})),
                    dir);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), 4u) << r.out << r.err;
  EXPECT_EQ(lines[0], "ACCEPTED " + good +
                          " edoc document-id=000.00.13.H30,2019/01/16,74/VPCP-TTĐT transfers=1");
  EXPECT_EQ(lines[1].rfind("REJECTED " + tampered + " docaxis:digest-mismatch: ", 0), 0u)
      << lines[1];
  EXPECT_EQ(lines[2], "FAIL " + missing + " not-found: " + missing + " does not exist");
  EXPECT_EQ(lines[3].rfind("FAIL " + (dir / "junk.edxml").string() + " malformed-xml: ", 0), 0u)
      << lines[3];

  AgentRun ok = run_agent(with({"send"}, with(agent_flags(hub, kSender), {good})), dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;  // an identical re-send: accepted again
}

TEST(AgentCli, SendSignsUnsignedFilesWithSign) {
  Scratch scratch("cli-sign");
  const fs::path& dir = scratch.dir;
  Hub hub(dir / "hub");
  ASSERT_GT(hub.start(), 0);
  write(dir / "new.edxml", unsigned_package("000.00.13.H30,2026/11/22,1/CLI"));
  AgentRun plain = run_agent(with({"send"}, with(agent_flags(hub, kSender), {(dir / "new.edxml").string()})), dir);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find(" docaxis:unsigned: "), std::string::npos) << plain.out;
  AgentRun signed_run = run_agent(
      with({"send", "--sign"}, with(agent_flags(hub, kSender), {(dir / "new.edxml").string()})), dir);
  EXPECT_EQ(signed_run.exit_code, 0) << signed_run.out << signed_run.err;
  EXPECT_EQ(signed_run.out.rfind("ACCEPTED ", 0), 0u) << signed_run.out;
  // The file itself is left as it was: `send` signs in memory.
  EXPECT_EQ(read(dir / "new.edxml"), unsigned_package("000.00.13.H30,2026/11/22,1/CLI"));
  // Signing as another organ than the file's From is refused before anything is sent.
  AgentRun wrong = run_agent(
      with({"send", "--sign"}, with(agent_flags(hub, kRecipient), {(dir / "new.edxml").string()})), dir);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("FAIL " + (dir / "new.edxml").string() + " sender-mismatch: "),
            std::string::npos) << wrong.out;
}

TEST(AgentCli, AnUnreachableHubExitsThreeAndUsageErrorsExitTwo) {
  Scratch scratch("cli-codes");
  const fs::path& dir = scratch.dir;
  Hub nothing(dir / "hub", free_port());
  const std::string good = kFixtures + "/good-rsa.edxml";
  AgentRun r = run_agent(
      with({"send", "--connect-timeout", "1"}, with(agent_flags(nothing, kSender), {good})), dir);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("FAIL " + good + " unavailable: ", 0), 0u) << r.out;

  EXPECT_EQ(run_agent({"send", good}, dir).exit_code, 2);  // no --hub, --cert, ...
  auto mismatched = agent_flags(nothing, kSender);
  mismatched[5] = organ(kRecipient) + ".key";  // --key of another organ
  AgentRun wrong_key = run_agent(with({"send"}, with(mismatched, {good})), dir);
  EXPECT_EQ(wrong_key.exit_code, 2);
  EXPECT_NE(wrong_key.err.find("key-mismatch"), std::string::npos) << wrong_key.err;
  EXPECT_EQ(run_agent({"send", "--bogus", good}, dir).exit_code, 2);
  EXPECT_EQ(run_agent({}, dir).exit_code, 2);
  write(dir / "bad.toml", "[hub]\nurl = \"amqp://x\"\nbogus = 1\n");
  AgentRun check = run_agent({"run", "--config", (dir / "bad.toml").string(), "--check-config"}, dir);
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.err.find("hub.bogus"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("hub.url"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("tls.cert_file: is required"), std::string::npos) << check.err;
}

TEST(AgentCli, ReceiveOnceStoresEachPackageOnceAndExits) {
  Scratch scratch("cli-receive");
  const fs::path& dir = scratch.dir;
  Hub hub(dir / "hub");
  ASSERT_GT(hub.start(), 0);
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    const fs::path f = dir / ("d" + std::to_string(i) + ".edxml");
    write(f, unsigned_package("000.00.13.H30,2026/11/22," + std::to_string(i) + "/RCV"));
    files.push_back(f.string());
  }
  AgentRun sent = run_agent(with({"send", "--sign"}, with(agent_flags(hub, kSender), files)), dir);
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;

  const fs::path out = dir / "out";
  std::vector<std::string> received;
  // The hub pushes at its own pace: run `receive --once` until all three have come.
  for (int round = 0; round < 10 && received.size() < 3; ++round) {
    AgentRun r = run_agent(with({"receive", "--out", out.string(), "--once", "--idle", "3"},
                           agent_flags(hub, kRecipient)),
                      dir);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const auto& l : r.lines()) {
      EXPECT_EQ(l.rfind("RECEIVED " + out.string() + "/edoc-", 0), 0u) << l;
      received.push_back(l);
    }
  }
  ASSERT_EQ(received.size(), 3u) << hub.log();
  EXPECT_NE(received[0].find(" messagetype=edoc document-id=000.00.13.H30,2026/11/22,"),
            std::string::npos) << received[0];
  EXPECT_NE(received[0].find(" from=000.00.13.H30"), std::string::npos);
  std::size_t files_out = 0;
  for (const auto& e : fs::directory_iterator(out)) files_out += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files_out, 3u);

  // Another organ's certificate may not read this inbox.
  AgentRun refused = run_agent(with({"receive", "--out", (dir / "x").string(), "--once", "--organ",
                                kRecipient},
                               agent_flags(hub, kSender)),
                          dir);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out.rfind("FAIL inbox/000.00.01.G12 refused: amqp:unauthorized-access", 0), 0u)
      << refused.out;
}

}  // namespace
}  // namespace docaxis::adapters_test
