#include "agent/package_info.hpp"

#include <gtest/gtest.h>

#include "dsig/dsig_init.hpp"
#include "edxml/reader.hpp"
#include "packages.hpp"

namespace docaxis::agent {
namespace {

// A generated package (tests/support/packages.hpp): edoc_new is 000.00.13.H30's document
// 74/STTTT-VP to the Ministry of Finance; the statuses answer it.
std::string sample(const std::string& name) {
  std::string bytes = fixtures::standard_package(name);
  EXPECT_FALSE(bytes.empty()) << name;
  return bytes;
}

class PackageInfoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dsig::init_dsig(); }
};

TEST_F(PackageInfoTest, DocumentsGoToEdocAndStatusPackagesToStatus) {
  auto doc = inspect_package(sample("edoc_new.edxml"));
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  EXPECT_EQ(doc->address, client::Address::kEdoc);
  EXPECT_EQ(doc->document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
  EXPECT_FALSE(doc->signed_xmldsig);  // generated packages are unsigned
  auto st = inspect_package(sample("status_rejection_02.edxml"));
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  EXPECT_EQ(st->address, client::Address::kStatus);
  EXPECT_EQ(st->status_code, "02");
  EXPECT_EQ(st->label().rfind("status=02 response-for=", 0), 0u) << st->label();
}

TEST_F(PackageInfoTest, WhatCannotBeModelledIsRefusedWithTheReadersCode) {
  EXPECT_EQ(inspect_package("not xml").status().code(), "malformed-xml");
  EXPECT_EQ(inspect_package("<a/>").status().code(), "not-edxml");
}

TEST_F(PackageInfoTest, ArrivedStatusAnswersTheDocumentAndReadsBackAsStatus01) {
  const auto when = std::chrono::system_clock::now();
  auto s = arrived_status(sample("edoc_new.edxml"), "000.00.01.G12", "Bộ Tài chính", when);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  auto pkg = edxml::read_package_bytes(*s);
  ASSERT_TRUE(pkg.ok()) << pkg.status().to_string();
  EXPECT_EQ(pkg->kind, edxml::PackageKind::status);
  EXPECT_FALSE(pkg->has_errors()) << pkg->first_error().to_string();
  EXPECT_EQ(pkg->header.status_code, "01");
  EXPECT_EQ(pkg->header.from.organ_id, "000.00.01.G12");
  EXPECT_EQ(pkg->header.from.organ_name, "Bộ Tài chính");
  ASSERT_EQ(pkg->header.response_for.size(), 1u);
  const auto& rf = pkg->header.response_for[0];
  EXPECT_EQ(rf.document_id, "000.00.13.H30,2024/03/15,74/STTTT-VP");
  EXPECT_EQ(rf.organ_id, "000.00.13.H30");  // the document's From
  EXPECT_EQ(rf.code, "74/STTTT-VP");        // CodeNumber/CodeNotation
  EXPECT_EQ(rf.promulgation_date, "2024/03/15");
  EXPECT_EQ(pkg->header.timestamp.size(), 19u);
  auto info = inspect_package(*s);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->address, client::Address::kStatus);
}

TEST_F(PackageInfoTest, AStatusIsNotAnsweredWithAStatus) {
  auto s = arrived_status(sample("status_inbox_01.edxml"), "000.00.01.G12", "",
                          std::chrono::system_clock::now());
  EXPECT_EQ(s.status().code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::agent
