// server/hub_keys: the hub key rollover. A new key and certificate in the configured files are
// taken only when they match, chain to the trust, are valid and name the same hub; then
// receipts and audit checkpoints are signed with the new key, the rollover is audited, and the
// audit log verifies with both certificates (and not with the old one alone). Receipts keep
// being signed while the key changes (TSan runs this test).
#include "server/hub_keys.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "audit/audit_log.hpp"
#include "audit/events.hpp"
#include "audit/verify.hpp"
#include "dsig/dsig_init.hpp"
#include "dsig/verifier.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "log_capture.hpp"
#include "temp_dir.hpp"
#include "tls/cert_inventory.hpp"
#include "test_certs.hpp"

namespace docaxis::server {
namespace {

namespace fs = std::filesystem;

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

edxml::DeliveryReceipt a_receipt(int n) {
  edxml::DeliveryReceipt r;
  r.receipt_id = "h30-1-" + std::to_string(n);
  r.document_id = "000.00.13.H30,2026/12/06,2/QD";
  r.sender = "000.00.13.H30";
  r.recipient = "000.00.01.G12";
  r.outcome = "delivered";
  r.delivered_sha256_hex = std::string(64, '0');
  r.hops = {{"h30", "2026-12-06T10:00:00Z", ""}};
  r.issued_at = "2026-12-06T10:00:01Z";
  r.issuer_hub = "h30";
  return r;
}

class HubKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsig::init_dsig();
    fs::create_directories(dir_ / "signing");
    files_.key_file = (dir_ / "signing" / "hub.key").string();
    files_.cert_file = (dir_ / "signing" / "hub.crt").string();
    old_cert_ = (dir_ / "old.crt").string();
    fs::copy_file(pki() + "/hubs/h30.key", files_.key_file);
    fs::copy_file(pki() + "/hubs/h30.crt", files_.cert_file);
    fs::copy_file(pki() + "/hubs/h30.crt", old_cert_);
    auto trust = dsig::TrustStore::load({{pki() + "/trust-anchors.pem"}, {pki() + "/intermediates.pem"}, {}});
    ASSERT_TRUE(trust.ok()) << trust.status().to_string();
    verifier_ = std::make_unique<dsig::Verifier>(*trust);
    auto signer = dsig::Signer::load(files_.key_file, files_.cert_file, {});
    ASSERT_TRUE(signer.ok()) << signer.status().to_string();
    receipts_ = std::make_unique<dsig::DsigReceiptSigner>(std::shared_ptr<const dsig::Signer>(std::move(*signer)));
    audit::AuditOptions o;
    o.dir = (dir_ / "audit").string();
    o.key_pem = files_.key_file;
    o.cert_pem = files_.cert_file;
    o.checkpoint_every_records = 1000;
    o.checkpoint_interval = std::chrono::milliseconds(0);
    o.background_sealer = false;
    auto log = audit::AuditLog::open(o);
    ASSERT_TRUE(log.ok()) << log.status().to_string();
    audit_ = std::move(*log);
    const dsig::Verifier* v = verifier_.get();
    keys_ = std::make_unique<HubKeys>(files_, "h30", *receipts_, audit_.get(), [v] { return v->trust(); });
  }

  // Issues a certificate for <name> into <dir>/<name>.{key,crt}.
  std::string issue(const std::string& name, docaxis::test::CertSpec spec) {
    const std::string base = (dir_ / name).string();
    Status s = docaxis::test::issue_ec_certificate(pki() + "/intermediate-ca.crt",
                                                   pki() + "/intermediate-ca.key", base, spec);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return base;
  }
  docaxis::test::CertSpec hub_spec() {
    docaxis::test::CertSpec spec;
    spec.common_name = "docaxis hub h30 (2027)";
    spec.san_uris = {"urn:docaxis:hub:h30"};
    return spec;
  }
  // Puts <base>.key / <base>.crt in place of the configured files.
  void install(const std::string& key, const std::string& cert) {
    fs::copy_file(key, files_.key_file, fs::copy_options::overwrite_existing);
    fs::copy_file(cert, files_.cert_file, fs::copy_options::overwrite_existing);
  }
  // Signs a receipt with the current key and returns the verified signer's certificate SHA-256.
  std::string sign_and_verify(int n) {
    auto bytes = receipts_->sign_receipt(edxml::write_receipt(a_receipt(n)));
    EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
    if (!bytes.ok()) return {};
    auto doc = edxml::parse_untrusted(*bytes);
    EXPECT_TRUE(doc.ok());
    auto v = verifier_->verify(*doc, dsig::Placement::kRootLastChild, "", {false, false, false});
    EXPECT_TRUE(v.ok()) << v.status().to_string();
    return v.ok() ? v->signer_sha256 : std::string();
  }
  std::string sha_of(const std::string& cert) {
    auto c = tls::describe_pem_file(cert, "x");
    return c.ok() ? c->front().sha256 : std::string();
  }
  void append(int n) {
    audit::Event e;
    e.type = "delivered";
    e.doc = "doc-" + std::to_string(n);
    e.detail = nlohmann::json{{"n", n}};
    ASSERT_TRUE(audit_->append(e).ok());
  }

  docaxis::test::TempDir dir_{"hub-keys"};
  config::Signing files_;
  std::string old_cert_;
  std::unique_ptr<dsig::Verifier> verifier_;
  std::unique_ptr<dsig::DsigReceiptSigner> receipts_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<HubKeys> keys_;
};

TEST_F(HubKeysTest, ANewMatchingKeySignsReceiptsAndCheckpointsFromThenOnAndBothCertificatesVerify) {
  const std::string old_sha = sha_of(old_cert_);
  EXPECT_EQ(sign_and_verify(1), old_sha);
  const std::string old_key = audit_->key_fingerprint();
  append(1);
  append(2);

  const std::string next = issue("next", hub_spec());
  install(next + ".key", next + ".crt");
  test::LogCapture log;
  auto r = keys_->reload("sighup");
  ASSERT_TRUE(r.ok()) << r.status().to_string() << log.all();
  EXPECT_EQ(*r, "rolled");
  const std::string new_sha = sha_of(next + ".crt");
  EXPECT_EQ(sign_and_verify(2), new_sha);
  EXPECT_EQ(keys_->current_certificate().sha256, new_sha);
  EXPECT_EQ(keys_->current_certificate().role, "hub-signing");
  EXPECT_NE(audit_->key_fingerprint(), old_key);
  auto line = log.lines_with("event=key-rollover ");
  ASSERT_EQ(line.size(), 1u) << log.all();
  EXPECT_NE(line[0].find("old_sha256=" + old_sha.substr(0, 16)), std::string::npos) << line[0];
  EXPECT_NE(line[0].find("new_sha256=" + new_sha.substr(0, 16)), std::string::npos) << line[0];

  append(3);
  ASSERT_TRUE(audit_->close().ok());
  // The audit event names both certificates and both checkpoint keys; the old key sealed
  // records 1-2 with a key-rollover checkpoint.
  int rollovers = 0;
  bool sealed_by_old = false;
  ASSERT_TRUE(audit::for_each_record((dir_ / "audit").string(), {}, [&](const audit::ExportedRecord& rec) {
    const audit::Event& e = rec.record.event;
    if (e.type == audit::events::kKeyRollover) {
      ++rollovers;
      EXPECT_EQ(e.who, "sighup");
      EXPECT_EQ(e.detail["old_cert"], old_sha);
      EXPECT_EQ(e.detail["new_cert"], new_sha);
      EXPECT_EQ(e.detail["old_key"], old_key);
      EXPECT_NE(e.detail["new_key"], old_key);
    }
    if (e.type == "checkpoint" && e.detail["reason"] == "key-rollover") {
      sealed_by_old = e.detail["key"] == old_key;
    }
    return true;
  }).ok());
  EXPECT_EQ(rollovers, 1);
  EXPECT_TRUE(sealed_by_old);

  auto both = audit::verify_log((dir_ / "audit").string(), std::vector<std::string>{old_cert_, next + ".crt"});
  ASSERT_TRUE(both.ok()) << both.status().to_string();
  EXPECT_EQ(both->verdict, audit::Verdict::kSealed) << (both->failure ? both->failure->message : "");
  EXPECT_GE(both->checkpoints, 2u);
  auto old_only = audit::verify_log((dir_ / "audit").string(), old_cert_);
  ASSERT_TRUE(old_only.ok());
  EXPECT_EQ(old_only->verdict, audit::Verdict::kTampered);
  ASSERT_TRUE(old_only->failure.has_value());
  EXPECT_EQ(old_only->failure->code, "bad-checkpoint-signature");
}

TEST_F(HubKeysTest, UnchangedFilesChangeNothing) {
  test::LogCapture log;
  auto r = keys_->reload("sighup");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, "unchanged");
  EXPECT_TRUE(log.lines_with("event=key-rollover").empty()) << log.all();
}

TEST_F(HubKeysTest, AKeyThatIsNotTheCertificatesIsRefusedAndTheOldKeyStays) {
  const std::string old_sha = sha_of(old_cert_);
  const std::string old_key = audit_->key_fingerprint();
  const std::string next = issue("next", hub_spec());
  install(pki() + "/hubs/h30.key", next + ".crt");  // the new certificate, the old key
  test::LogCapture log;
  auto r = keys_->reload("sighup");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "key-mismatch");
  EXPECT_EQ(sign_and_verify(1), old_sha);
  EXPECT_EQ(audit_->key_fingerprint(), old_key);
  auto refused = log.lines_with("event=key-rollover-refused");
  ASSERT_EQ(refused.size(), 1u) << log.all();
  EXPECT_NE(refused[0].find("code=key-mismatch"), std::string::npos) << refused[0];
  EXPECT_NE(refused[0].find("kept=current"), std::string::npos) << refused[0];
}

TEST_F(HubKeysTest, ExpiredUntrustedOrOtherHubCertificatesAreRefused) {
  const std::string old_sha = sha_of(old_cert_);
  docaxis::test::CertSpec expired = hub_spec();
  expired.not_before_offset = -10 * 86400;
  expired.not_after_offset = -86400;
  const std::string e = issue("expired", expired);
  install(e + ".key", e + ".crt");
  EXPECT_EQ(keys_->reload("sighup").status().code(), "cert-expired");

  docaxis::test::CertSpec other = hub_spec();
  other.san_uris = {"urn:docaxis:hub:g12"};
  const std::string o = issue("other", other);
  install(o + ".key", o + ".crt");
  EXPECT_EQ(keys_->reload("sighup").status().code(), "hub-name-mismatch");

  // Issued by a CA the hub does not trust: the look-alike of the test PKI.
  const std::string u = (dir_ / "untrusted").string();
  ASSERT_TRUE(docaxis::test::issue_ec_certificate(pki() + "/root-ca.crt", pki() + "/hubs/h30.key", u,
                                                  hub_spec())
                  .ok());
  install(u + ".key", u + ".crt");
  EXPECT_EQ(keys_->reload("sighup").status().code(), "cert-untrusted");

  EXPECT_EQ(sign_and_verify(1), old_sha);
  EXPECT_EQ(keys_->current_certificate().sha256, old_sha);
}

TEST_F(HubKeysTest, ReceiptsSignedWhileTheKeyRollsOverAllVerify) {
  const std::string old_sha = sha_of(old_cert_);
  const std::string next = issue("next", hub_spec());
  const std::string new_sha = sha_of(next + ".crt");
  std::atomic<bool> stop{false};
  std::atomic<int> signed_old{0}, signed_new{0}, bad{0};
  std::vector<std::thread> signers;
  for (int t = 0; t < 2; ++t) {
    signers.emplace_back([&, t] {
      for (int n = 0; !stop; ++n) {
        const std::string sha = sign_and_verify(t * 100000 + n);
        if (sha == old_sha) ++signed_old;
        else if (sha == new_sha) ++signed_new;
        else ++bad;
      }
    });
  }
  while (signed_old < 4) std::this_thread::yield();
  install(next + ".key", next + ".crt");
  auto r = keys_->reload("sighup");
  const int new_before = signed_new;
  while (r.ok() && signed_new < new_before + 4) std::this_thread::yield();
  stop = true;
  for (auto& s : signers) s.join();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(signed_old, 0);
  EXPECT_GT(signed_new, 0);
}

}  // namespace
}  // namespace docaxis::server
