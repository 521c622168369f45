// docaxis-hub as a real process: its TOML configuration, mutual TLS with the test PKI on
// 127.0.0.1, real Proton clients sending and receiving, a real SQLite spool, SIGTERM and a
// restart. Nothing is mocked.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

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

TEST(Hub, SignedPackageIsDeliveredUnchangedAndASignedReceiptReachesTheSender) {
  TestHub hub(temp_dir("deliver"));
  const int port = hub.start();
  ASSERT_GT(port, 0);
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  auto sent = send_package(port, kPki, organ("000.00.13.H30"), "edoc", good);
  ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description << "\n"
                                      << hub.log();

  InboxClient inbox(port, kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(1)) << hub.log();
  auto got = inbox.received();
  EXPECT_EQ(got[0].bytes, good);  // the hub never changes the signed bytes
  EXPECT_EQ(got[0].properties["messagetype"], "edoc");
  EXPECT_EQ(got[0].properties["from"], "000.00.13.H30");
  EXPECT_NE(got[0].properties["hops"].find("h30"), std::string::npos);

  // The signed delivery receipt travels back to the sender's inbox.
  InboxClient sender(port, kPki, organ("000.00.13.H30"), "inbox/000.00.13.H30");
  ASSERT_TRUE(sender.wait_open()) << sender.error();
  ASSERT_TRUE(sender.wait_for(1)) << hub.log();
  auto receipt = sender.received()[0];
  EXPECT_EQ(receipt.properties["messagetype"], "receipt");
  EXPECT_EQ(receipt.properties["from"], "h30");
  auto trust = docaxis::dsig::TrustStore::load(
      {{kPki + "/trust-anchors.pem"}, {kPki + "/intermediates.pem"}, {kPki + "/crl/all.pem"}});
  ASSERT_TRUE(trust.ok());
  docaxis::dsig::Verifier verifier(*trust);
  auto doc = docaxis::edxml::parse_untrusted(receipt.bytes);
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  auto verdict = verifier.verify(*doc, docaxis::dsig::Placement::kRootLastChild, "",
                                 {false, false, /*bind_sender=*/false});
  ASSERT_TRUE(verdict.ok()) << verdict.status().to_string() << "\n" << receipt.bytes;
  EXPECT_NE(verdict->signer_subject.find("CN=docaxis hub h30"), std::string::npos);
  EXPECT_NE(verdict->signature_method.find("ecdsa-sha256"), std::string::npos);
  auto r = docaxis::edxml::read_receipt(*doc);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, "delivered");
  EXPECT_EQ(r->sender, "000.00.13.H30");
  EXPECT_EQ(r->recipient, "000.00.01.G12");
  EXPECT_EQ(r->delivered_sha256_hex, docaxis::edxml::sha256_hex(good));
  EXPECT_EQ(r->issuer_hub, "h30");
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

TEST(Hub, RecipientRefusalProducesARejectedReceiptWithItsReason) {
  TestHub hub(temp_dir("refuse"));
  const int port = hub.start();
  ASSERT_GT(port, 0);
  ASSERT_EQ(
      send_package(port, kPki, organ("000.00.13.H30"), "edoc", read(kFixtures + "/good-rsa.edxml"))
          .outcome,
      "accepted");
  InboxClient recipient(port, kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12",
                        /*reject_all=*/true);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();
  ASSERT_TRUE(recipient.wait_for(1));
  InboxClient sender(port, kPki, organ("000.00.13.H30"), "inbox/000.00.13.H30");
  ASSERT_TRUE(sender.wait_for(1)) << hub.log();
  auto doc = docaxis::edxml::parse_untrusted(sender.received()[0].bytes);
  ASSERT_TRUE(doc.ok());
  auto r = docaxis::edxml::read_receipt(*doc);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, "rejected");
  EXPECT_NE(r->reason.find("not ours"), std::string::npos) << r->reason;
  EXPECT_EQ(hub.stop(SIGTERM), 0);
}

TEST(Hub, ForgeriesImpostorsAndUnsignedPackagesAreRejectedWithTheirCodes) {
  TestHub hub(temp_dir("reject"));
  const int port = hub.start();
  ASSERT_GT(port, 0);
  auto tampered = send_package(port, kPki, organ("000.00.13.H30"), "edoc",
                               read(kFixtures + "/tampered-subject.edxml"));
  EXPECT_EQ(tampered.outcome, "rejected");
  EXPECT_EQ(tampered.condition, "docaxis:digest-mismatch");
  // The district's connection may not send for 000.00.13.H30.
  auto impostor =
      send_package(port, kPki, organ("000.00.31.H30"), "edoc", read(kFixtures + "/good-rsa.edxml"));
  EXPECT_EQ(impostor.outcome, "rejected");
  EXPECT_EQ(impostor.condition, "docaxis:unauthorized") << impostor.description;
  auto unsigned_pkg =
      send_package(port, kPki, organ("000.00.13.H30"), "edoc", read(kFixtures + "/unsigned.edxml"));
  EXPECT_EQ(unsigned_pkg.condition, "docaxis:unsigned");
  EXPECT_EQ(hub.stop(SIGTERM), 0);
}

TEST(Hub, AcceptedPackagesSurviveSigkillAndAreDeliveredAfterRestartOnce) {
  TestHub hub(temp_dir("restart"));
  int port = hub.start();
  ASSERT_GT(port, 0);
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  ASSERT_EQ(send_package(port, kPki, organ("000.00.13.H30"), "edoc", good).outcome, "accepted");
  EXPECT_EQ(hub.stop(SIGKILL), -SIGKILL);

  port = hub.start();
  ASSERT_GT(port, 0);
  // A re-send of the same bytes is accepted again and routed once.
  ASSERT_EQ(send_package(port, kPki, organ("000.00.13.H30"), "edoc", good).outcome, "accepted");
  InboxClient inbox(port, kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(1)) << hub.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(inbox.received().size(), 1u);
  EXPECT_EQ(hub.stop(SIGTERM), 0);
}

TEST(Hub, CheckConfigListsEveryProblemAndExitsTwo) {
  const TempDir dir = temp_dir("check");
  fs::create_directories(dir);
  std::ofstream(dir / "bad.toml")
      << "[hub]\nname = \"h30\"\nnmae = 1\n[listener.tls]\nport = 99999\n";
  const std::string cmd = kHub + " --config " + (dir / "bad.toml").string() + " --check-config 2>" +
                          (dir / "err.txt").string();
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  const std::string err = read((dir / "err.txt").string());
  EXPECT_NE(err.find("nmae"), std::string::npos) << err;
  EXPECT_NE(err.find("port"), std::string::npos) << err;
}

}  // namespace
}  // namespace docaxis::test
