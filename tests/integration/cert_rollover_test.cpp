// Certificates in a running docaxis-hub (issue 16): `docaxis cert list` over the admin socket,
// and the hub key rollover without downtime: a receipt signed by key A, new key files, SIGHUP,
// a receipt signed by key B; `docaxis receipt check` with both certificates accepts both, with
// A alone refuses the second; the audit log verifies across the rollover with both (and not
// with A alone). A new key that is not the new certificate's is refused and A stays in use.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "edxml/xml_doc.hpp"
#include "cert_cli.hpp"
#include "hub_fixture.hpp"
#include "test_certs.hpp"
#include "test_client.hpp"
#include "tls/cert_inventory.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;
using nlohmann::json;

const std::string kSender = "000.00.13.H30";
const std::string kRecipient = "000.00.01.G12";

std::string document(int n) { return signed_document(kSender, n); }

std::string sha_of(const std::string& cert) {
  auto c = tls::describe_pem_file(cert, "x");
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? c->front().sha256 : std::string();
}

// The verified signer certificate's SHA-256 of a receipt.
std::string receipt_signer(const std::string& bytes) {
  auto trust = dsig::TrustStore::load({{kPki + "/trust-anchors.pem"}, {kPki + "/intermediates.pem"}, {}});
  EXPECT_TRUE(trust.ok());
  dsig::Verifier verifier(*trust);
  auto doc = edxml::parse_untrusted(bytes);
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return {};
  auto v = verifier.verify(*doc, dsig::Placement::kRootLastChild, "", {false, false, false});
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  return v.ok() ? v->signer_sha256 : std::string();
}

class CertRollover : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "signing");
    fs::create_directories(dir_ / "scratch");
    key_ = (dir_ / "signing" / "hub.key").string();
    cert_ = (dir_ / "signing" / "hub.crt").string();
    old_cert_ = (dir_ / "old.crt").string();
    fs::copy_file(kPki + "/hubs/h30.key", key_);
    fs::copy_file(kPki + "/hubs/h30.crt", cert_);
    fs::copy_file(kPki + "/hubs/h30.crt", old_cert_);
    std::string config = default_config(dir_);
    config = std::regex_replace(
        config, std::regex("\\[signing\\]\nkey_file = \"[^\"]*\"\ncert_file = \"[^\"]*\""),
        "[signing]\nkey_file = \"" + key_ + "\"\ncert_file = \"" + cert_ + "\"");
    ASSERT_NE(config.find(key_), std::string::npos) << config;
    hub_ = std::make_unique<TestHub>(dir_.path(), TestHub::FullConfig{config});
    port_ = hub_->start();
    ASSERT_GT(port_, 0);
    socket_ = (hub_->data_dir() / "admin.sock").string();
    // A second key and certificate for the same hub, from the same CA.
    CertSpec spec;
    spec.common_name = "docaxis hub h30 (next)";
    spec.san_uris = {"urn:docaxis:hub:h30"};
    next_ = (dir_ / "next").string();
    ASSERT_TRUE(issue_ec_certificate(kPki + "/intermediate-ca.crt", kPki + "/intermediate-ca.key",
                                     next_, spec)
                    .ok());
  }

  void replace(const std::string& from, const std::string& to) { replace_file(from, to); }

  // Sends document n and returns the receipt the sender gets for it.
  std::string send_and_get_receipt(int n, InboxClient& recipient, InboxClient& sender) {
    auto sent = send_package(port_, kPki, organ(kSender), "edoc", document(n));
    EXPECT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description << "\n"
                                        << hub_->log();
    EXPECT_TRUE(recipient.wait_for(static_cast<std::size_t>(n))) << hub_->log();
    EXPECT_TRUE(sender.wait_for(static_cast<std::size_t>(n))) << hub_->log();
    auto got = sender.received();
    if (got.size() < static_cast<std::size_t>(n)) return {};
    EXPECT_EQ(got[n - 1].properties["messagetype"], "receipt");
    return got[n - 1].bytes;
  }

  json cert_list() { return test::cert_list(dir_ / "scratch", socket_); }

  TempDir dir_ = temp_dir("cert-rollover");
  std::string key_, cert_, old_cert_, next_, socket_;
  std::unique_ptr<TestHub> hub_;
  int port_ = 0;
};

TEST_F(CertRollover, CertListShowsTheHubsCertificatesTheTrustAndTheClientsSeen) {
  InboxClient recipient(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();
  const json list = cert_list();
  auto signing = with_role(list, "hub-signing");
  ASSERT_EQ(signing.size(), 1u) << list.dump(1);
  EXPECT_EQ(signing[0]["sha256"], sha_of(old_cert_));
  EXPECT_EQ(signing[0]["subject"], "CN=docaxis hub h30,O=docaxis test PKI,C=VN");
  EXPECT_EQ(signing[0]["source"], cert_);
  EXPECT_EQ(with_role(list, "hub-tls").size(), 1u) << list.dump(1);
  EXPECT_FALSE(with_role(list, "anchor").empty()) << list.dump(1);
  EXPECT_FALSE(with_role(list, "intermediate").empty()) << list.dump(1);
  auto endpoints = with_role(list, "endpoint");
  ASSERT_EQ(endpoints.size(), 1u) << list.dump(1);  // the recipient's connection
  EXPECT_EQ(endpoints[0]["sha256"], sha_of(organ(kRecipient) + ".crt"));
  // Sorted by expiry; days left as the hub computes them (test PKI leaves: about 2 years).
  int64_t previous = INT64_MIN;
  for (const json& c : list["certificates"]) {
    EXPECT_GE(c["not_after_ms"].get<int64_t>(), previous);
    previous = c["not_after_ms"].get<int64_t>();
    const int64_t expected = (c["not_after_ms"].get<int64_t>() - list["now_ms"].get<int64_t>()) / 86'400'000;
    EXPECT_EQ(c["days_left"], expected) << c.dump();
  }
  EXPECT_EQ(list["warn_days"], 30);

  CliRun table = docaxis(dir_ / "scratch", {"cert", "list", "--socket", socket_});
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_EQ(table.out.rfind("DAYS LEFT", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("hub-signing"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("CN=docaxis hub h30,O=docaxis test PKI,C=VN"), std::string::npos);
  EXPECT_NE(table.out.find(signing[0]["serial"].get<std::string>()), std::string::npos);
  EXPECT_EQ(hub_->stop(SIGTERM), 0) << hub_->log();
}

TEST_F(CertRollover, ANewKeyTakesOverOnSighupAndBothKeysStayVerifiable) {
  InboxClient recipient(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  InboxClient sender(port_, kPki, organ(kSender), "inbox/" + kSender);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();
  ASSERT_TRUE(sender.wait_open()) << sender.error();
  const std::string old_sha = sha_of(old_cert_);
  const std::string new_sha = sha_of(next_ + ".crt");

  const std::string first = send_and_get_receipt(1, recipient, sender);
  EXPECT_EQ(receipt_signer(first), old_sha);

  replace(next_ + ".key", key_);
  replace(next_ + ".crt", cert_);
  ASSERT_EQ(kill(hub_->pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(*hub_, "event=key-rollover trigger=sighup")) << hub_->log();
  EXPECT_NE(hub_->log().find("new_sha256=" + new_sha.substr(0, 16)), std::string::npos);

  const std::string second = send_and_get_receipt(2, recipient, sender);
  EXPECT_EQ(receipt_signer(second), new_sha);
  auto signing = with_role(cert_list(), "hub-signing");
  ASSERT_EQ(signing.size(), 1u);
  EXPECT_EQ(signing[0]["sha256"], new_sha);

  const fs::path r1 = dir_ / "receipt-1.xml", r2 = dir_ / "receipt-2.xml";
  std::ofstream(r1, std::ios::binary) << first;
  std::ofstream(r2, std::ios::binary) << second;
  const std::vector<std::string> check = {"receipt", "check", "--trust", kPki + "/trust-anchors.pem",
                                          "--intermediate", kPki + "/intermediates.pem"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = check;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(r1.string());
    args.push_back(r2.string());
    return docaxis(dir_ / "scratch", args);
  };
  const CliRun both = with({"--hub-cert", old_cert_, "--hub-cert", next_ + ".crt"});
  EXPECT_EQ(both.exit_code, 0) << both.out;
  EXPECT_EQ(both.out.rfind("OK " + r1.string(), 0), 0u) << both.out;
  EXPECT_NE(both.out.find("OK " + r2.string()), std::string::npos) << both.out;
  const CliRun only_old = with({"--hub-cert", old_cert_});
  EXPECT_EQ(only_old.exit_code, 1) << only_old.out;
  EXPECT_EQ(only_old.out.rfind("OK " + r1.string(), 0), 0u) << only_old.out;
  EXPECT_NE(only_old.out.find("FAIL " + r2.string() + " hub-cert-mismatch"), std::string::npos)
      << only_old.out;

  // The audit log across the rollover: sealed by the old key up to the rollover, by the new
  // one after; the hub's clean stop seals the tail.
  EXPECT_EQ(hub_->stop(SIGTERM), 0) << hub_->log();
  const std::string audit_dir = (hub_->data_dir() / "audit").string();
  const CliRun verified = docaxis(dir_ / "scratch", {"receipt", "verify", audit_dir, "--strict", "--hub-cert",
                                                  old_cert_, "--hub-cert", next_ + ".crt"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(verified.out.rfind("OK " + audit_dir + ": sealed", 0), 0u) << verified.out;
  const CliRun old_alone =
      docaxis(dir_ / "scratch", {"receipt", "verify", audit_dir, "--hub-cert", old_cert_});
  EXPECT_EQ(old_alone.exit_code, 1) << old_alone.out;
  EXPECT_NE(old_alone.out.find("TAMPERED " + audit_dir + ": bad-checkpoint-signature"), std::string::npos)
      << old_alone.out;
  const CliRun exported = docaxis(dir_ / "scratch", {"receipt", "export", "--log-dir", audit_dir});
  EXPECT_NE(exported.out.find("\"event\":\"key-rollover\""), std::string::npos) << exported.out;
  EXPECT_NE(exported.out.find("\"new_cert\":\"" + new_sha + "\""), std::string::npos);
}

TEST_F(CertRollover, AKeyThatIsNotTheNewCertificatesIsRefusedAndTheOldKeySignsOn) {
  InboxClient recipient(port_, kPki, organ(kRecipient), "inbox/" + kRecipient);
  InboxClient sender(port_, kPki, organ(kSender), "inbox/" + kSender);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();
  ASSERT_TRUE(sender.wait_open()) << sender.error();
  replace(next_ + ".crt", cert_);  // the new certificate, but the old key stays in key_file
  ASSERT_EQ(kill(hub_->pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(*hub_, "event=key-rollover-refused trigger=sighup")) << hub_->log();
  EXPECT_NE(hub_->log().find("code=key-mismatch"), std::string::npos) << hub_->log();
  EXPECT_EQ(hub_->log().find("event=key-rollover "), std::string::npos) << hub_->log();
  const std::string receipt = send_and_get_receipt(1, recipient, sender);
  EXPECT_EQ(receipt_signer(receipt), sha_of(old_cert_));
  auto signing = with_role(cert_list(), "hub-signing");
  ASSERT_EQ(signing.size(), 1u);
  EXPECT_EQ(signing[0]["sha256"], sha_of(old_cert_));
  EXPECT_EQ(hub_->stop(SIGTERM), 0) << hub_->log();
  const std::string audit_dir = (hub_->data_dir() / "audit").string();
  const CliRun verified = docaxis(dir_ / "scratch", {"receipt", "verify", audit_dir, "--strict", "--hub-cert", old_cert_});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

}  // namespace
}  // namespace docaxis::test
