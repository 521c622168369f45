// The registry of refusal codes is the one source of is_transient and of README.md's table.
#include "model/codes.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/wire.hpp"

namespace docaxis::model {
namespace {

struct Row {
  std::string code, cls, decided_by, meaning;
};

// The rows of the table under "## Refusal codes" in README.md.
std::vector<Row> readme_rows() {
  std::ifstream in(DOCAXIS_README);
  std::string line;
  bool in_section = false;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Refusal codes";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(2));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      const auto b = cell.find_first_not_of(' ');
      const auto e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    if (cells.size() < 4) continue;
    rows.push_back({cells[0].substr(1, cells[0].size() - 2), cells[1], cells[2], cells[3]});
  }
  return rows;
}

TEST(Codes, ReadmeTableIsTheRegistry) {
  const auto rows = readme_rows();
  const auto codes = refusal_codes();
  ASSERT_FALSE(rows.empty()) << "no \"## Refusal codes\" table in " << DOCAXIS_README;
  ASSERT_EQ(rows.size(), codes.size()) << "README.md and hub/model/codes.cpp list different codes";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("row " + std::to_string(i) + ": " + rows[i].code);
    EXPECT_EQ(rows[i].code, codes[i].code);
    EXPECT_EQ(rows[i].cls, codes[i].cls == CodeClass::kTransient ? "transient" : "permanent");
    EXPECT_EQ(rows[i].decided_by, codes[i].decided_by);
    EXPECT_EQ(rows[i].meaning, codes[i].meaning);
  }
}

TEST(Codes, EachCodeOnceAndKebabCase) {
  std::set<std::string_view> seen;
  for (const RefusalCode& c : refusal_codes()) {
    EXPECT_TRUE(seen.insert(c.code).second) << "listed twice: " << c.code;
    for (char ch : c.code) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '-') << c.code;
    EXPECT_FALSE(c.meaning.empty()) << c.code;
    EXPECT_EQ(find_refusal_code(c.code), &c);
  }
}

TEST(Codes, TransientAreExactlyTheRetryableOnes) {
  for (const char* code :
       {"store-busy", "unavailable", "resource-exhausted", "overloaded", "internal"}) {
    EXPECT_TRUE(is_transient(code)) << code;
  }
  for (const char* code : {"digest-mismatch", "too-large", "bad-hops", "duplicate-conflict",
                           "no-route", "bad-message"}) {
    EXPECT_FALSE(is_transient(code)) << code;
  }
  // An unknown code is a refusal the sender can read, never a silent retry loop.
  EXPECT_FALSE(is_transient("no-such-code"));
  EXPECT_EQ(find_refusal_code("no-such-code"), nullptr);
}

TEST(Wire, ConditionsAndInboxAddresses) {
  EXPECT_EQ(wire::condition("bad-hops"), "docaxis:bad-hops");
  EXPECT_EQ(wire::inbox_address("000.00.13.H30"), "inbox/000.00.13.H30");
}

}  // namespace
}  // namespace docaxis::model
