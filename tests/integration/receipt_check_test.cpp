// `docaxis receipt check` (issue 12): a receipt counts only when its signer certificate carries
// urn:docaxis:hub:<IssuerHub>. Receipts signed here with the test PKI's hub and organ keys;
// the real docaxis binary checks them offline.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dsig/signer.hpp"
#include "edxml/receipt.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {
namespace {

const std::string kCli = env_or("DOCAXIS", DOCAXIS_CLI_BINARY);

edxml::DeliveryReceipt receipt_of(const std::string& issuer) {
  edxml::DeliveryReceipt r;
  r.receipt_id = issuer + "-12-1";
  r.document_id = "000.00.13.H30,2026/12/06,2/QD";
  r.sender = "000.00.13.H30";
  r.recipient = "000.00.01.G12";
  r.outcome = "delivered";
  r.delivered_sha256_hex = std::string(64, '0');
  r.hops = {{issuer, "2026-12-06T10:00:00Z", ""}};
  r.issued_at = "2026-12-06T10:00:01Z";
  r.issuer_hub = issuer;
  return r;
}

// Writes the receipt signed with <pki>/<base>.{key,crt} to <dir>/<name>.
fs::path write_signed(const fs::path& dir, const std::string& name, const std::string& base,
                      const edxml::DeliveryReceipt& r) {
  auto signer = dsig::Signer::load(kPki + "/" + base + ".key", kPki + "/" + base + ".crt",
                                   {kPki + "/" + base + ".chain.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  auto bytes = (*signer)->sign(edxml::write_receipt(r), dsig::Placement::kRootLastChild);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  std::ofstream(dir / name, std::ios::binary) << *bytes;
  return dir / name;
}

struct CheckRun {
  int exit_code = -1;
  std::string out;
};

CheckRun receipt_check(const fs::path& dir, const fs::path& file) {
  const fs::path out = dir / "check.out";
  const std::string cmd = "'" + kCli + "' receipt check --trust '" + kPki +
                          "/trust-anchors.pem' --intermediate '" + kPki + "/intermediates.pem' '" +
                          file.string() + "' > '" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read(out.string())};
}

TEST(ReceiptCheck, AcceptsOnlyTheHubTheReceiptNames) {
  const TempDir dir = temp_dir("receipt-check");
  fs::create_directories(dir);

  const CheckRun right = receipt_check(dir, write_signed(dir, "right.xml", "hubs/h30", receipt_of("h30")));
  EXPECT_EQ(right.exit_code, 0) << right.out;
  EXPECT_NE(right.out.find("OK "), std::string::npos) << right.out;
  EXPECT_NE(right.out.find("issuer=h30 signer=\"CN=docaxis hub h30"), std::string::npos)
      << right.out;

  // An organ's key chains to the same anchors, but it is no hub.
  const fs::path organ_signed =
      write_signed(dir, "organ.xml", "organs/000.00.13.H30", receipt_of("h30"));
  const CheckRun by_organ = receipt_check(dir, organ_signed);
  EXPECT_EQ(by_organ.exit_code, 1) << by_organ.out;
  EXPECT_EQ(by_organ.out.rfind("FAIL " + organ_signed.string() + " receipt-issuer-mismatch: receipt "
                            "\"h30-12-1\" names IssuerHub \"h30\" but its signer certificate "
                            "\"UID=000.00.13.H30,CN=Organ 000.00.13.H30",
                            0),
            0u)
      << by_organ.out;

  // Another hub's key, naming h30.
  const CheckRun other = receipt_check(dir, write_signed(dir, "other.xml", "hubs/national", receipt_of("h30")));
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.out.find("receipt-issuer-mismatch"), std::string::npos) << other.out;
  EXPECT_NE(other.out.find("the hub name(s) urn:docaxis:hub:national, not urn:docaxis:hub:h30"),
            std::string::npos)
      << other.out;
}

}  // namespace
}  // namespace docaxis::test
