// Interop: the independent vectors (shared/xmldsig-vectors/MANIFEST.tsv): every row with a
// `strict` verdict is run through the hub's verifier as a generic enveloped document (signature
// a child of the root, no sender binding). ACCEPT rows must verify, REJECT rows must fail.
// Skipped, by name, when the shared folder is absent.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kStrictRows = 28;

struct Row {
  std::map<std::string, std::string> cells;
  const std::string& operator[](const std::string& k) const {
    static const std::string kEmpty;
    auto it = cells.find(k);
    return it == cells.end() ? kEmpty : it->second;
  }
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t')) out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.emplace_back();
  return out;
}

std::vector<Row> manifest(const fs::path& vectors) {
  std::istringstream in(read_bytes((vectors / "MANIFEST.tsv").string()));
  std::string line;
  std::vector<std::string> header;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split_tabs(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    Row row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row.cells[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

// The vector's own trust anchor (`--trusted-pem X` in its xmlsec1 args, relative to run_dir)
// when it ships one; otherwise the test PKI root, which trusts none of the vectors' keys.
std::string anchor_for(const fs::path& vectors, const Row& row) {
  std::istringstream args(row["args"]);
  std::string word, previous;
  while (args >> word) {
    if (previous == "--trusted-pem") {
      const fs::path p = vectors / row["run_dir"] / word;
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p).string();
    }
    previous = word;
  }
  return pki("root-ca.crt");
}

class InteropTest : public InteropShared {};

TEST_F(InteropTest, StrictVerdictsOfTheIndependentVectorsHold) {
  const fs::path vectors = fs::path(shared_dir()) / "xmldsig-vectors";
  const auto rows = manifest(vectors);
  ASSERT_FALSE(rows.empty()) << "no MANIFEST.tsv under " << vectors;

  std::map<std::string, std::shared_ptr<const TrustStore>> stores;
  std::size_t checked = 0, accepted = 0;
  VerifyPolicy policy;
  policy.bind_sender = false;
  for (const Row& row : rows) {
    const std::string& strict = row["strict"];
    if (strict.empty()) continue;
    ++checked;
    SCOPED_TRACE("vector " + row["id"] + " (" + row["file"] + "), strict " + strict);
    ASSERT_TRUE(strict == "ACCEPT" || strict == "REJECT") << "unknown strict value";

    const std::string anchor = anchor_for(vectors, row);
    auto& ts = stores[anchor];
    if (!ts) {
      TrustConfig config;
      config.anchor_files = {anchor};
      auto loaded = TrustStore::load(config);
      ASSERT_TRUE(loaded.ok()) << anchor << ": " << loaded.status().to_string();
      ts = *loaded;
    }
    Verifier verifier(ts);

    const std::string bytes = read_bytes((vectors / row["file"]).string());
    auto doc = edxml::parse_untrusted(bytes);
    Status verdict;
    if (!doc) {
      verdict = doc.status();
    } else {
      auto v = verifier.verify(*doc, Placement::kRootChild, "", policy);
      if (!v) verdict = v.status();
    }
    if (strict == "ACCEPT") {
      EXPECT_TRUE(verdict.ok()) << row["id"] << " must verify, got " << verdict.to_string();
      if (verdict.ok()) ++accepted;
    } else {
      EXPECT_FALSE(verdict.ok()) << row["id"] << " must be refused, but it verified";
    }
  }
  EXPECT_EQ(checked, kStrictRows) << "rows with a strict verdict in MANIFEST.tsv";
  EXPECT_EQ(accepted, 8u) << "the signxml enveloped vectors";
}

}  // namespace
}  // namespace docaxis::dsig::test
