// Writer output validates against schemas/*.xsd (libxml2 xmlschemas). Which deviations of the
// real samples the strict schemas catch: interop_samples_test.cpp.
#include <gtest/gtest.h>

#include <memory>

#include "edxml/reader.hpp"
#include "edxml/receipt.hpp"
#include "edxml/writer.hpp"
#include "schema_support.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

using test::Schema;

std::string rewritten(const std::string& name) {
  Result<Package> p = read_package_bytes(test::read_generated(name));
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return p.ok() ? write_package(*p) : std::string();
}

TEST(Schema, AllSchemasLoad) {
  EXPECT_TRUE(Schema("edxml-document.xsd").loaded());
  EXPECT_TRUE(Schema("edxml-status.xsd").loaded());
  EXPECT_TRUE(Schema("docaxis-receipt.xsd").loaded());
}

TEST(Schema, WrittenDocumentsValidate) {
  const Schema xsd("edxml-document.xsd");
  for (const char* name :
       {"edoc_new.edxml", "edoc_update.edxml", "edoc_replacement.edxml", "edoc_revocation.edxml"}) {
    EXPECT_TRUE(xsd.validates(rewritten(name))) << name;
  }
}

TEST(Schema, WrittenDocumentWithAnXmlDsigSignatureValidates) {
  std::string xml = rewritten("edoc_update.edxml");
  xml.insert(xml.find("    </edXML:edXMLHeader>"),
             "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/>"
             "</ds:Signature>");
  EXPECT_TRUE(Schema("edxml-document.xsd").validates(xml));
}

TEST(Schema, WrittenDocumentsWithInvalidIdsDoNotValidate) {
  const Schema xsd("edxml-document.xsd");
  Result<Package> p = read_package_bytes(test::read_generated("edoc_new.edxml"));
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_TRUE(xsd.validates(write_package(*p)));
  Package bad_to = *p;
  bad_to.header.to[0].organ_id = "28.22.H17";
  EXPECT_FALSE(xsd.validates(write_package(bad_to)));
  Package bad_from = *p;
  bad_from.header.from.organ_id = "vxp.saas.03";
  EXPECT_FALSE(xsd.validates(write_package(bad_from)));
}

TEST(Schema, WrittenStatusesValidate) {
  const Schema xsd("edxml-status.xsd");
  int statuses = 0;
  for (const std::string& name : test::generated_names()) {
    if (name.rfind("status_", 0) != 0) continue;
    ++statuses;
    EXPECT_TRUE(xsd.validates(rewritten(name))) << name;
  }
  EXPECT_EQ(statuses, 9);
}

TEST(Schema, WrittenReceiptsValidateSignedOrNot) {
  DeliveryReceipt r;
  r.receipt_id = "r-1";
  r.document_id = "d-1";
  r.sender = "000.00.00.G22";
  r.recipient = "000.00.13.H53";
  r.outcome = "rejected";
  r.delivered_sha256_hex = sha256_hex("x");
  r.hops = {{"hub-a", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"}};
  r.issued_at = "2025-01-01T00:00:02.5Z";
  r.issuer_hub = "hub-a";
  r.reason = "signature-invalid";
  r.policy_relaxations = {"unsigned"};
  ASSERT_TRUE(validate_receipt(r).ok());
  const Schema xsd("docaxis-receipt.xsd");
  std::string xml = write_receipt(r);
  EXPECT_TRUE(xsd.validates(xml));
  xml.insert(xml.rfind("</DeliveryReceipt>"),
             "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>");
  EXPECT_TRUE(xsd.validates(xml));
  r.outcome = "lost";
  EXPECT_FALSE(xsd.validates(write_receipt(r)));
}

}  // namespace
}  // namespace docaxis::edxml
