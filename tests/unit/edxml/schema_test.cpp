// Writer output validates against schemas/*.xsd (libxml2 xmlschemas). Real samples are
// checked too, to document which deviations the strict schemas catch.
#include <gtest/gtest.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include <memory>

#include "edxml/reader.hpp"
#include "edxml/receipt.hpp"
#include "edxml/writer.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

std::string schema_dir() { return test::source_dir() + "/schemas/"; }

// The hub installs a deny-all external entity loader (xml_doc.cpp). Loading a schema and its
// xs:include needs files, so while a schema is parsed this loader admits files under
// schemas/ only.
xmlParserInputPtr schema_dir_loader(const char* url, const char*, xmlParserCtxtPtr ctxt) {
  std::string_view u = url != nullptr ? url : "";
  if (u.starts_with("file://")) u.remove_prefix(7);
  const std::string dir = schema_dir();
  if (!u.starts_with(dir) || u.find("..") != std::string_view::npos) return nullptr;
  return xmlNewInputFromFile(ctxt, std::string(u).c_str());
}

class Schema {
 public:
  explicit Schema(const std::string& file) {
    init_xml_library();
    const xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(schema_dir_loader);
    const std::string path = schema_dir() + file;
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(path.c_str());
    schema_ = xmlSchemaParse(pctx);
    xmlSchemaFreeParserCtxt(pctx);
    xmlSetExternalEntityLoader(previous);
  }
  ~Schema() { xmlSchemaFree(schema_); }
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;
  bool loaded() const { return schema_ != nullptr; }

  // True when `xml` parses and validates; errors are silenced (the verdict is what matters).
  bool validates(const std::string& xml) const {
    Result<XmlDoc> doc = parse_untrusted(xml);
    if (!doc.ok() || schema_ == nullptr) return false;
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema_);
    xmlSchemaSetValidStructuredErrors(
        vctx, [](void*, xmlErrorPtr) {}, nullptr);
    const int rc = xmlSchemaValidateDoc(vctx, doc->get());
    xmlSchemaFreeValidCtxt(vctx);
    return rc == 0;
  }

 private:
  xmlSchemaPtr schema_ = nullptr;
};

std::string rewritten(const std::string& sample) {
  Result<Package> p = read_package_bytes(test::read_sample(sample));
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
  for (const char* name : {"edoc_update.edxml", "edoc_replacement.edxml", "edoc_revocation.edxml",
                           "received_from_vxp_2019_sdk_sample.edxml"}) {
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
  EXPECT_FALSE(xsd.validates(rewritten("edoc_new.edxml")));  // To 28.22.H17
  EXPECT_FALSE(xsd.validates(rewritten("received_from_vxp_2025_unsigned.edxml")));
}

TEST(Schema, WrittenStatusesValidate) {
  const Schema xsd("edxml-status.xsd");
  for (const std::string& name : test::sample_names()) {
    if (name.rfind("status_", 0) != 0) continue;
    EXPECT_TRUE(xsd.validates(rewritten(name))) << name;
    // xs:all: the real samples, children in SDK order, validate as they are.
    EXPECT_TRUE(xsd.validates(test::read_sample(name))) << name;
  }
}

TEST(Schema, RealDocumentSamplesFailOnlyBecauseOfTheSdkSignature) {
  const Schema xsd("edxml-document.xsd");
  for (const char* name : {"edoc_update.edxml", "received_from_vxp_2019_sdk_sample.edxml"}) {
    std::string xml = test::read_sample(name);
    EXPECT_FALSE(xsd.validates(xml)) << name;
    xml.erase(xml.find("<Signature>"), xml.find("</Signature>") + 12 - xml.find("<Signature>"));
    EXPECT_TRUE(xsd.validates(xml)) << name;
  }
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
