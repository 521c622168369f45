// Interop: the writer, the strict schemas and the mutation loop on every real sample in
// shared/edxml-samples (the official SDK's packages and packages received from VXP). Skipped,
// by name, when the samples are absent; the same checks on generated packages are in
// writer_test.cpp, schema_test.cpp and malformed_test.cpp.
#include <gtest/gtest.h>

#include "edxml/reader.hpp"
#include "edxml/writer.hpp"
#include "schema_support.hpp"
#include "test_support.hpp"

namespace docaxis::edxml {
namespace {

using test::Schema;

class InteropWriterSamples : public test::InteropSamples {};
class InteropSchemaSamples : public test::InteropSamples {};
class InteropMalformedSamples : public test::InteropSamples {};

Package read_ok(std::string_view bytes) {
  Result<Package> p = read_package_bytes(bytes);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return p.ok() ? std::move(p).value() : Package{};
}

std::string rewritten(const std::string& sample) { return write_package(read_ok(test::read_sample(sample))); }

TEST_F(InteropWriterSamples, EverySampleRoundTripsFieldByField) {
  ASSERT_EQ(test::sample_names().size(), 16u);
  for (const std::string& name : test::sample_names()) {
    const Package original = read_ok(test::read_sample(name));
    const std::string written = write_package(original);
    const Package again = read_ok(written);
    EXPECT_TRUE(again.same_content(original)) << name << "\n" << written;
    EXPECT_EQ(again.header, original.header) << name;
    EXPECT_EQ(again.trace, original.trace) << name;
    EXPECT_EQ(again.attachments, original.attachments) << name;
  }
}

TEST_F(InteropWriterSamples, WriteReadWriteIsByteStable) {
  for (const std::string& name : test::sample_names()) {
    const std::string once = rewritten(name);
    EXPECT_EQ(write_package(read_ok(once)), once) << name;
  }
}

TEST_F(InteropSchemaSamples, RewrittenRealDocumentsValidate) {
  const Schema xsd("edxml-document.xsd");
  for (const char* name : {"edoc_update.edxml", "edoc_replacement.edxml", "edoc_revocation.edxml",
                           "received_from_vxp_2019_sdk_sample.edxml"}) {
    EXPECT_TRUE(xsd.validates(rewritten(name))) << name;
  }
}

TEST_F(InteropSchemaSamples, RewrittenRealDocumentsWithInvalidIdsDoNotValidate) {
  const Schema xsd("edxml-document.xsd");
  EXPECT_FALSE(xsd.validates(rewritten("edoc_new.edxml")));  // To 28.22.H17
  EXPECT_FALSE(xsd.validates(rewritten("received_from_vxp_2025_unsigned.edxml")));
}

TEST_F(InteropSchemaSamples, RealStatusesValidateAsTheyAreAndRewritten) {
  const Schema xsd("edxml-status.xsd");
  for (const std::string& name : test::sample_names()) {
    if (name.rfind("status_", 0) != 0) continue;
    EXPECT_TRUE(xsd.validates(rewritten(name))) << name;
    // xs:all: the real samples, children in SDK order, validate as they are.
    EXPECT_TRUE(xsd.validates(test::read_sample(name))) << name;
  }
}

TEST_F(InteropSchemaSamples, RealDocumentSamplesFailOnlyBecauseOfTheSdkSignature) {
  const Schema xsd("edxml-document.xsd");
  for (const char* name : {"edoc_update.edxml", "received_from_vxp_2019_sdk_sample.edxml"}) {
    std::string xml = test::read_sample(name);
    EXPECT_FALSE(xsd.validates(xml)) << name;
    xml.erase(xml.find("<Signature>"), xml.find("</Signature>") + 12 - xml.find("<Signature>"));
    EXPECT_TRUE(xsd.validates(xml)) << name;
  }
}

TEST_F(InteropMalformedSamples, RandomMutationsOfEverySampleNeverCrash) {
  std::mt19937 rng(20240601);
  int parsed = 0;
  for (const std::string& name : test::sample_names()) {
    parsed += test::read_mutations(test::read_sample(name), rng, 150);
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace docaxis::edxml
