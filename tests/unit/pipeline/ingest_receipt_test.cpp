// Receipts relayed by a peer (link address "receipt"), issue 12: a receipt counts only when its
// signer certificate carries urn:docaxis:hub:<IssuerHub>; it goes only to the organ that sent
// the document, through the hub the document entered; and a forged receipt cannot occupy a
// hub's receipt id.
#include "dsig/signer.hpp"
#include "edxml/receipt.hpp"
#include "support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::HasSubstr;

const model::ConnectionIdentity kNational{true, kNationalSubject, "", "", ""};

// A delivered receipt, as hub `issuer` would issue it for a document H30 sent through this hub.
edxml::DeliveryReceipt receipt(const std::string& issuer, const std::string& id) {
  edxml::DeliveryReceipt r;
  r.receipt_id = id;
  r.document_id = "000.00.13.H30,2026/12/06,1/QD";
  r.sender = kH30;
  r.recipient = kG22;
  r.outcome = "delivered";
  r.delivered_sha256_hex = std::string(64, 'a');
  r.hops = {{kHub, "2026-12-06T10:00:00Z", "2026-12-06T10:00:01Z"},
            {issuer, "2026-12-06T10:00:02Z", ""}};
  r.issued_at = "2026-12-06T10:00:03Z";
  r.issuer_hub = issuer;
  return r;
}

// Signed with <pki>/<base>.key and .crt (a hub: "hubs/national", an organ: "organs/...").
std::string signed_by(const std::string& base, const edxml::DeliveryReceipt& r) {
  auto signer = dsig::Signer::load(pki(base + ".key"), pki(base + ".crt"),
                                   {pki(base + ".chain.pem")});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  if (!signer.ok()) return {};
  EXPECT_TRUE(edxml::validate_receipt(r).ok());
  auto bytes = (*signer)->sign(edxml::write_receipt(r), dsig::Placement::kRootLastChild);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.ok() ? *bytes : std::string();
}

TEST_F(IngestTest, AReceiptSignedByTheHubItNamesGoesToTheOriginalSender) {
  start(hub_config());
  const Status s = submit_as(kNational, signed_by("hubs/national", receipt("national", "national-7-3")),
                             "receipt", {"national@5"});
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto list = packages();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].message_type, "receipt");
  EXPECT_EQ(list[0].sender, "national");  // duplicate key: (IssuerHub, ReceiptId, receipt)
  EXPECT_EQ(list[0].document_id, "national-7-3");
  auto stored = store_->load_package(list[0].seq);
  ASSERT_TRUE(stored.ok()) << stored.status().to_string();
  const store::PackageVerdict& v = stored->verdict;
  EXPECT_EQ(v.form, store::PackageVerdict::Form::kRelayedReceipt);
  EXPECT_EQ(v.receipt_issuer, "national");
  EXPECT_EQ(v.receipt_outcome, "delivered");
  EXPECT_EQ(v.about_document, "000.00.13.H30,2026/12/06,1/QD");
  EXPECT_EQ(v.relayed_by, "national");
  EXPECT_TRUE(v.is_signed);
  EXPECT_THAT(v.signer_subject, HasSubstr("national"));
  // Another hub's receipt: its seq and delivery are that hub's, not fields here.
  EXPECT_FALSE(v.about_seq.has_value());
  EXPECT_FALSE(v.about_delivery.has_value());
  EXPECT_THAT(store::describe_verdict(*stored),
              HasSubstr("receipt for 000.00.13.H30,2026/12/06,1/QD (delivered) issued by national"));
  const auto d = deliveries(list[0].seq);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].recipient, kH30);
  EXPECT_EQ(d[0].next_hop, store::kLocalHop);
}

TEST_F(IngestTest, AReceiptSignedByAnOrganKeyNamingAHubIsRefused) {
  start(hub_config());
  const Status s = submit_as(kNational, signed_by("organs/000.00.00.G22", receipt("national", "national-7-3")),
                             "receipt", {"national@5"});
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("IssuerHub \"national\""));
  EXPECT_THAT(s.message(), HasSubstr("UID=000.00.00.G22"));
  EXPECT_THAT(s.message(), HasSubstr("no hub name"));
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestTest, AReceiptSignedByAnotherHubIsRefused) {
  start(hub_config());
  // g12's key, naming national as the issuer.
  Status s = submit_as(kNational, signed_by("hubs/g12", receipt("national", "national-7-3")),
                       "receipt", {"national@5"});
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("urn:docaxis:hub:g12"));
  // national's key, naming g12 as the issuer.
  s = submit_as(kNational, signed_by("hubs/national", receipt("g12", "g12-1-1")), "receipt",
                {"g12@4", "national@5"});
  EXPECT_EQ(s.code(), "receipt-issuer-mismatch") << s.to_string();
  EXPECT_TRUE(packages().empty());
}

TEST_F(IngestTest, AForgedReceiptCannotTakeTheIdOfTheGenuineOne) {
  start(hub_config());
  // The forger knows the predictable id and is first.
  auto forged = receipt("national", "national-7-3");
  forged.delivered_sha256_hex = std::string(64, 'f');
  EXPECT_EQ(submit_as(kNational, signed_by("hubs/h30", forged), "receipt", {"national@5"}).code(),
            "receipt-issuer-mismatch");
  const Status genuine = submit_as(kNational, signed_by("hubs/national", receipt("national", "national-7-3")),
                                   "receipt", {"national@5"});
  EXPECT_TRUE(genuine.ok()) << genuine.to_string();  // not a duplicate-conflict
  ASSERT_EQ(packages().size(), 1u);
}

TEST_F(IngestTest, AReceiptForADocumentThatEnteredElsewhereIsNotHandedToOurOrgan) {
  start(hub_config());
  // H30 is served here, but this document entered the axis at g12: the receipt is not H30's.
  auto r = receipt("national", "national-8-1");
  r.hops = {{"g12", "2026-12-06T10:00:00Z", "2026-12-06T10:00:01Z"},
            {"national", "2026-12-06T10:00:02Z", ""}};
  const Status s = submit_as(kNational, signed_by("hubs/national", r), "receipt", {"national@5"});
  EXPECT_EQ(s.code(), "receipt-misrouted") << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("entered the axis at hub g12"));
  EXPECT_TRUE(packages().empty());
}

}  // namespace
}  // namespace docaxis::engine::test
