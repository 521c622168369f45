// hub/vxp/answer.hpp: the answers the SDK reads, and the ErrorCode table as documented.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "model/codes.hpp"
#include "vxp/answer.hpp"

namespace docaxis::vxp {
namespace {

bool is_ascii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

TEST(VxpAnswer, OkAnswersCarryTheBaseFieldsAsStringsThenTheirOwn) {
  const std::string a = ok_answer({{"DocId", "68edb8c8c2dcb14db773ce44"}, {"count", 3}});
  EXPECT_EQ(a, R"({"status":"OK","ErrorCode":"0","ErrorDesc":"","DocId":"68edb8c8c2dcb14db773ce44","count":3})");
  EXPECT_EQ(ok_answer(), R"({"status":"OK","ErrorCode":"0","ErrorDesc":""})");
}

TEST(VxpAnswer, FailAnswersNameTheCodeAndStayAscii) {
  const std::string a = fail_answer("bad-hmac", "tr\xc6\xb0\xe1\xbb\x9dng H\xc3\xb2" "a \xff", {{"DocId", ""}});
  EXPECT_TRUE(is_ascii(a)) << a;
  auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["status"], "FAIL");
  EXPECT_EQ(j["ErrorCode"], "104");
  EXPECT_EQ(j["DocId"], "");
  const std::string desc = j["ErrorDesc"];
  EXPECT_EQ(desc.rfind("docaxis:bad-hmac: tr\xc6\xb0\xe1\xbb\x9dng H\xc3\xb2" "a ", 0), 0u) << desc;
}

TEST(VxpAnswer, EveryRefusalCodeOfTheHubMapsOntoADocumentedErrorCode) {
  std::set<std::string> documented;
  for (const ApiError& e : api_errors()) documented.insert(std::string(e.error_code));
  for (const model::RefusalCode& r : model::refusal_codes()) {
    const std::string n(error_code_for(r.code));
    EXPECT_TRUE(documented.count(n)) << r.code << " -> " << n;
    EXPECT_NE(n, "0") << r.code;
    if (r.cls == model::CodeClass::kTransient) {
      EXPECT_EQ(n, "500") << r.code;
    }
  }
  EXPECT_EQ(error_code_for("signature-invalid"), "310");
  EXPECT_EQ(error_code_for("malformed-xml"), "300");
  EXPECT_EQ(error_code_for("no-route"), "320");
  EXPECT_EQ(error_code_for("duplicate-conflict"), "330");
  EXPECT_EQ(error_code_for("store-busy"), "500");
  EXPECT_EQ(error_code_for("hash-file-mismatch"), "200");
  EXPECT_EQ(error_code_for("released"), "411");  // a package whose bytes retention released
  EXPECT_EQ(error_code_for("never-registered"), "340");
  EXPECT_EQ(error_code_for(""), "340");
}

TEST(VxpAnswer, TheReadmeTableIsTheTable) {
  std::ifstream in(DOCAXIS_VXP_README);
  ASSERT_TRUE(in) << DOCAXIS_VXP_README;
  std::string line;
  bool inside = false;
  std::vector<std::vector<std::string>> rows;
  const std::regex row(R"(^\| `(\d+)` \| (.*?) \| (.*) \|$)");
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) inside = line == "## Error codes";
    std::smatch m;
    if (inside && std::regex_match(line, m, row)) rows.push_back({m[1], m[2], m[3]});
  }
  const auto table = api_errors();
  ASSERT_EQ(rows.size(), table.size()) << "hub/vxp/README.md and answer.cpp list different codes";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], table[i].error_code);
    std::string name = rows[i][1];
    if (name.size() >= 2 && name.front() == '`') name = name.substr(1, name.size() - 2);
    EXPECT_EQ(name, table[i].name) << rows[i][0];
    EXPECT_EQ(rows[i][2], table[i].meaning) << rows[i][0];
  }
}

}  // namespace
}  // namespace docaxis::vxp
