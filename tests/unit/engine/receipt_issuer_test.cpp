// ReceiptIssuer against fakes: the receipt is built, signed through the ReceiptSigner port and
// routed to the sender; a signer failure passes through; none for receipts.
#include "edxml/receipt.hpp"
#include "edxml/text.hpp"
#include "edxml/xml_doc.hpp"
#include "engine/receipts.hpp"
#include "engine_support.hpp"

namespace docaxis::engine::test {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

class ReceiptIssuerTest : public EngineTest {
 protected:
  void SetUp() override {
    start();  // builds routes_
    issuer_ = std::make_unique<ReceiptIssuer>(store_, signer_, *routes_, nullptr, kHub,
                                              [this] { return now_ms_.load(); });
  }
  // A stored document From H30 to `recipient` via `hop`; returns its delivery.
  store::Delivery stored(const std::string& message_type, const std::string& recipient,
                         const std::string& hop) {
    store::StoredPackage p;
    p.message_type = message_type;
    p.sender = kH30;
    p.document_id = "doc-1";
    p.bytes = "document bytes";
    p.sha256_hex = edxml::sha256_hex(p.bytes);
    p.received_ms = now_ms_.load() - 1000;
    p.hops = {{kHub, now_ms_.load() - 1000}};
    auto r = store_.ingest(p, {store::DeliverySpec{recipient, hop, 0}});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    auto ds = store_.deliveries_of(r->seq);
    EXPECT_TRUE(ds.ok() && ds->size() == 1u);
    return ds->at(0);
  }

  docaxis::test::FakeSigner signer_;
  std::unique_ptr<ReceiptIssuer> issuer_;
};

TEST_F(ReceiptIssuerTest, DeliveredLocallyMakesASignedReceiptRoutedToTheSender) {
  const auto d = stored("edoc", kG12, std::string(store::kLocalHop));
  auto f = issuer_->make_receipt(d, "delivered");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_TRUE(f->has_value());
  const auto& pkg = (*f)->package;
  EXPECT_EQ(signer_.calls(), 1u);
  EXPECT_EQ(pkg.message_type, "receipt");
  EXPECT_EQ(pkg.sender, kHub);
  EXPECT_EQ(pkg.document_id, std::string(kHub) + "-" + std::to_string(d.seq) + "-" +
                                 std::to_string(d.id));
  // The receipt's subject as fields, from which its id above was made.
  EXPECT_EQ(pkg.verdict.form, store::PackageVerdict::Form::kIssuedReceipt);
  EXPECT_EQ(pkg.verdict.about_seq, d.seq);
  EXPECT_EQ(pkg.verdict.about_delivery, d.id);
  EXPECT_EQ(pkg.verdict.receipt_issuer, kHub);
  EXPECT_EQ(pkg.verdict.receipt_outcome, "delivered");
  EXPECT_EQ(pkg.verdict.about_document, "doc-1");
  EXPECT_EQ(pkg.verdict.about_sha256, edxml::sha256_hex("document bytes"));
  EXPECT_EQ(store::describe_verdict(pkg),
            "issued by " + std::string(kHub) + " for delivery " + std::to_string(d.id) +
                " (delivered, document doc-1, sha256 " + edxml::sha256_hex("document bytes") + ")");
  EXPECT_THAT(pkg.bytes, EndsWith(docaxis::test::FakeSigner::kMark));
  EXPECT_THAT(pkg.bytes, HasSubstr("doc-1"));
  EXPECT_EQ(pkg.sha256_hex, edxml::sha256_hex(pkg.bytes));
  ASSERT_EQ((*f)->recipients.size(), 1u);
  EXPECT_EQ((*f)->recipients[0].recipient, kH30);
  EXPECT_EQ((*f)->recipients[0].next_hop, store::kLocalHop);
}

TEST_F(ReceiptIssuerTest, ARecipientsOverlongReasonIsCutNotTheReceiptLost) {
  store::Delivery d = stored("edoc", kG12, std::string(store::kLocalHop));
  // 1,200 characters, two bytes each: over validate_receipt's 1,000-character bound.
  std::string why;
  for (int i = 0; i < 1200; ++i) why += "\xC4\x91";  // U+0111
  d.last_error = "refused by the recipient (vxp:dms): " + why;
  auto f = issuer_->make_receipt(d, "refused");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_TRUE(f->has_value());
  auto doc = edxml::parse_untrusted((*f)->package.bytes.substr(
      0, (*f)->package.bytes.size() - std::string(docaxis::test::FakeSigner::kMark).size()));
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  auto r = edxml::read_receipt(*doc);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(edxml::text::char_count(r->reason), 1000u);
  EXPECT_THAT(r->reason, EndsWith("\xC4\x91..."));  // cut between characters
  EXPECT_THAT(r->reason, ::testing::StartsWith("refused by the recipient (vxp:dms): "));
}

TEST_F(ReceiptIssuerTest, SignerFailurePassesThrough) {
  signer_.fail_with(Status("bad-key", "the hub key is unusable"));
  const auto d = stored("edoc", kG12, std::string(store::kLocalHop));
  auto f = issuer_->make_receipt(d, "refused");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), "bad-key");
  EXPECT_EQ(f.status().message(), "the hub key is unusable");
}

TEST_F(ReceiptIssuerTest, NoReceiptForAReceiptNorForAHandOverToAPeer) {
  auto f = issuer_->make_receipt(stored("receipt", kG12, std::string(store::kLocalHop)),
                                 "delivered");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_value());
  store::Delivery to_peer = stored("edoc", kG22, "national");
  f = issuer_->make_receipt(to_peer, "delivered");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_value());
  EXPECT_EQ(signer_.calls(), 0u);
}

}  // namespace
}  // namespace docaxis::engine::test
