// hub/vxp/auth.hpp: the SDK's HMAC over the raw sign-header, parameters only from the signed
// JSON, and every refusal by its code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vxp/auth.hpp"

namespace docaxis::vxp {
namespace {

// The worked example of the axis HTTP API note (made-up secret): an independent vector
// (`printf '%s' '<json>' | openssl dgst -sha256 -hmac '<secret>'`).
const std::string kSecret = "FAKE-secret-for-local-recorder-only+0123456789/AB=";
const std::string kSystem = "000.00.13.H30";
const std::string kSignHeader =
    R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-timestamp":"22112026T014605+0358","XroadVnpt-Content-Type":"application/json"})";
const std::string kMac = "b05d61cd2eb8cdd4103dbc1c3643bd9ac739d65e20d9886fd29a1b4354ab8a70";

SecretLookup one_system(const std::string& id = kSystem, const std::string& secret = kSecret) {
  return [id, secret](std::string_view asked) -> const std::string* {
    return asked == id ? &secret : nullptr;
  };
}

// The headers a client sends for `sign_header` (every signed parameter also as its own header,
// as the SDK does).
std::vector<Header> request(const std::string& sign_header, const std::string& secret = kSecret,
                            const std::string& system = kSystem) {
  return {{"Content-Type", "application/json"},
          {"XroadVnpt-systemid", system},
          {"XroadVnpt-sign-header", sign_header},
          {"XroadVnpt-hash-header", sign_header_mac(secret, sign_header)},
          {"XroadVnpt-version", "3.0.201608"}};
}

TEST(VxpAuth, TheNotesWorkedExampleVerifies) {
  EXPECT_EQ(sign_header_mac(kSecret, kSignHeader), kMac);
  std::vector<Header> h = {{"XroadVnpt-systemid", kSystem},
                           {"XroadVnpt-timestamp", "22112026T014605+0358"},
                           {"XroadVnpt-Content-Type", "application/json"},
                           {"XroadVnpt-sign-header-key", "systemid;timestamp;Content-Type"},
                           {"XroadVnpt-sign-header", kSignHeader},
                           {"XroadVnpt-hash-header", kMac}};
  auto params = authenticate(h, one_system());
  ASSERT_TRUE(params.ok()) << params.status().to_string();
  EXPECT_EQ(params->system_id(), kSystem);
  ASSERT_EQ(params->items().size(), 3u);
  EXPECT_EQ(params->items()[0].first, "systemid");  // signed order, prefix removed
  EXPECT_EQ(params->items()[2].first, "Content-Type");
  ASSERT_NE(params->find("timestamp"), nullptr);
  EXPECT_EQ(*params->find("timestamp"), "22112026T014605+0358");
}

TEST(VxpAuth, HeaderNamesAreCaseInsensitiveAndUppercaseHexIsAccepted) {
  std::vector<Header> h = {{"xroadvnpt-SYSTEMID", kSystem},
                           {"XROADVNPT-SIGN-HEADER", kSignHeader},
                           {"xroadvnpt-hash-header", "B05D61CD2EB8CDD4103DBC1C3643BD9AC739D65E20D9886FD29A1B4354AB8A70"}};
  EXPECT_TRUE(authenticate(h, one_system()).ok());
}

TEST(VxpAuth, ParametersComeOnlyFromTheSignedJson) {
  const std::string sign = R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-docId":"abc"})";
  auto h = request(sign);
  h.push_back({"XroadVnpt-status", "done"});        // not signed: ignored
  h.push_back({"XroadVnpt-docId", "abc"});           // signed and equal: fine
  auto params = authenticate(h, one_system());
  ASSERT_TRUE(params.ok()) << params.status().to_string();
  EXPECT_EQ(params->find("status"), nullptr);
  ASSERT_NE(params->find("docId"), nullptr);
  EXPECT_EQ(*params->find("docid"), "abc");  // looked up ignoring case
}

TEST(VxpAuth, LookupPrefersTheExactSpellingAndRefusesAnAmbiguousOne) {
  SignedParams p("s", {{"docid", "old"}, {"docId", "new"}});
  ASSERT_NE(p.find("docId"), nullptr);
  EXPECT_EQ(*p.find("docId"), "new");
  EXPECT_EQ(*p.find("docid"), "old");
  EXPECT_EQ(p.find("DOCID"), nullptr);  // two members, differing values, none exact
  SignedParams same("s", {{"docid", "x"}, {"docId", "x"}});
  ASSERT_NE(same.find("DOCID"), nullptr);
}

TEST(VxpAuth, AParameterHeaderThatDiffersFromItsSignedValueIsRefused) {
  const std::string sign = R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-from":"000.00.13.H30"})";
  auto h = request(sign);
  h.push_back({"XroadVnpt-From", "000.00.00.G22"});
  auto r = authenticate(h, one_system());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "param-mismatch");
}

TEST(VxpAuth, MissingAndRepeatedAuthenticationHeadersAreRefused) {
  for (const char* drop : {"XroadVnpt-systemid", "XroadVnpt-sign-header", "XroadVnpt-hash-header"}) {
    auto h = request(kSignHeader);
    std::erase_if(h, [&](const Header& x) { return x.name == drop; });
    auto r = authenticate(h, one_system());
    ASSERT_FALSE(r.ok()) << drop;
    EXPECT_EQ(r.status().code(), "auth-header-missing") << drop;
  }
  auto h = request(kSignHeader);
  h.push_back({"XroadVnpt-Sign-Header", kSignHeader});
  auto r = authenticate(h, one_system());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "auth-header-repeated");
}

TEST(VxpAuth, UnknownSystemAndWrongSecretAreRefused) {
  auto unknown = authenticate(request(kSignHeader), one_system("000.00.00.G22"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), "unknown-system");
  auto wrong = authenticate(request(kSignHeader, kSecret + "x"), one_system());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), "bad-hmac");
}

TEST(VxpAuth, TheMacCoversTheExactBytesOfTheSignHeader) {
  auto h = request(kSignHeader);
  // Same JSON value, one byte of spacing more: the HMAC no longer holds.
  for (Header& x : h) {
    if (x.name == "XroadVnpt-sign-header") x.value.insert(1, " ");
  }
  auto r = authenticate(h, one_system());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad-hmac");
  // An empty or truncated hash-header never matches.
  auto t = request(kSignHeader);
  for (Header& x : t) {
    if (x.name == "XroadVnpt-hash-header") x.value.resize(10);
  }
  EXPECT_EQ(authenticate(t, one_system()).status().code(), "bad-hmac");
}

TEST(VxpAuth, CorrectlySignedButMalformedSignHeadersAreRefused) {
  const std::vector<std::string> bad = {
      "not json",
      R"(["XroadVnpt-systemid","000.00.13.H30"])",
      R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-n":1})",
      R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-o":{"a":"b"}})",
      R"({"XroadVnpt-systemid":"000.00.13.H30","systemid":"x"})",
      R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-":"x"})",
      R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-from":"a","XroadVnpt-from":"b"})",
      R"({"XroadVnpt-systemid":"000.00.13.H30","XroadVnpt-from":"a","xroadvnpt-FROM":"b"})",
      R"({"XroadVnpt-systemid":"000.00.00.G22"})",
      R"({"XroadVnpt-timestamp":"x"})",
      "{\"XroadVnpt-systemid\":\"000.00.13.H30\",\"XroadVnpt-n\":\"\xc3\x28\"}",
  };
  for (const std::string& sign : bad) {
    auto r = authenticate(request(sign), one_system());
    ASSERT_FALSE(r.ok()) << sign;
    EXPECT_EQ(r.status().code(), "bad-sign-header") << sign;
  }
}

}  // namespace
}  // namespace docaxis::vxp
