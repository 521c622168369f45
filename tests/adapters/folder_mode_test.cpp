// docaxis-agent run, two of them (the sender's and the recipient's document systems) around a
// real docaxis-hub: outbox/ to sent/ or failed/, inbox/ with status 01 answers, receipts/.
#include <gtest/gtest.h>

#include "packages.hpp"
#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

TEST(FolderMode, FilesFlowBothWaysWithStatusArrivedReceiptsAndReasonsForFailures) {
  Scratch scratch("folder");
  const fs::path& dir = scratch.dir;
  Hub hub(dir / "hub");
  ASSERT_GT(hub.start(), 0);
  FolderAgent h30(dir / "h30", hub, kSender);
  FolderAgent g12(dir / "g12", hub, kRecipient, "[receive]\nstatus_arrived = true\n");
  h30.start();
  g12.start();

  constexpr int kDocs = 5;
  for (int i = 0; i < kDocs; ++i) {
    drop(h30.dir("outbox"), "doc" + std::to_string(i) + ".edxml",
         unsigned_package("000.00.13.H30,2026/11/22," + std::to_string(i) + "/FOLDER"));
  }
  drop(h30.dir("outbox"), "forged.edxml", read(kFixtures + "/tampered-subject.edxml"));
  // A status package the document system writes itself goes to the `status` address.
  std::string status = fixtures::standard_package("status_finish_06.edxml");
  const auto from = status.find("<edXML:OrganId>");
  const auto from_end = status.find("</edXML:OrganId>", from);
  ASSERT_NE(from, std::string::npos);
  status.replace(from, from_end - from, std::string("<edXML:OrganId>") + kSender);
  const auto rf = status.find("<edXML:OrganId>", status.find("<edXML:ResponseFor>"));
  const auto rf_end = status.find("</edXML:OrganId>", rf);
  ASSERT_NE(rf, std::string::npos);
  status.replace(rf, rf_end - rf, std::string("<edXML:OrganId>") + kRecipient);
  drop(h30.dir("outbox"), "finished.edxml", status);
  // Names the agent must leave alone: still being written, or hidden.
  write(h30.dir("outbox") / "half.edxml.part", "<edXML");
  write(h30.dir("outbox") / ".hidden.edxml", "<edXML");

  ASSERT_TRUE(eventually(120, [&] {
    return h30.count("sent") == kDocs + 1 && g12.count("inbox", "edoc-") == kDocs &&
           g12.count("inbox", "status-") == 1 &&
           h30.count("inbox", "status-") == kDocs && h30.count("receipts") == kDocs + 1 &&
           g12.count("sent", "status01-") == kDocs;
  })) << "h30:\n" << h30.log() << "\ng12:\n" << g12.log() << "\nhub:\n" << hub.log();

  EXPECT_EQ(h30.files("failed"), (std::vector<std::string>{"forged.edxml", "forged.edxml.reason"}));
  const std::string reason = read(h30.dir("failed") / "forged.edxml.reason");
  EXPECT_EQ(reason.rfind("condition: docaxis:digest-mismatch\ndescription: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("\nfile: forged.edxml\n"), std::string::npos) << reason;
  EXPECT_EQ(h30.files("outbox"), (std::vector<std::string>{".hidden.edxml", "half.edxml.part"}));
  EXPECT_NE(h30.log().find("SENT finished.edxml status status=06 response-for="), std::string::npos)
      << h30.log();
  // sent/ holds what was sent: the signed form.
  EXPECT_NE(read(h30.dir("sent") / "doc0.edxml").find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"),
            std::string::npos);
  // The recipient's receipts are those of its status packages.
  EXPECT_TRUE(eventually(60, [&] { return g12.count("receipts") == kDocs; })) << g12.log();
  EXPECT_EQ(g12.count("failed"), 0u) << g12.log();

  EXPECT_EQ(h30.stop(SIGTERM), 0);
  EXPECT_EQ(g12.stop(SIGTERM), 0);
  EXPECT_NE(h30.log().find("STOPPED"), std::string::npos);
}

}  // namespace
}  // namespace docaxis::adapters_test
