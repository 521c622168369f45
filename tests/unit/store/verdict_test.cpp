// The verdict as columns (schema version 4): every form round-trips through the store, the
// sentence is derived from the fields, and a database left at version 3 by an older hub is
// migrated: its rows keep their sentence, their columns are filled from it best effort, and
// the receipts it holds (tombstones included) are found by the package they are about.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "store/migrations.hpp"
#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;
using testing::to_local;

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string column_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out = "<no row>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    out = t != nullptr ? reinterpret_cast<const char*>(t) : "<null>";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

StoredPackage relaxed_relayed_package() {
  StoredPackage p = make_package("000.00.04.G14", "doc-1", "<x>1</x>");
  p.relaxations = {"unsigned", "legacy-sha1"};
  p.verdict = {};
  p.verdict.unsigned_note = "no Signature element";
  p.verdict.relaxation_reason = "old client; until June";
  p.verdict.relayed_by = "national";
  p.verdict.left_to_earlier_hubs = {{"000.00.01.G01", "south"}, {"000.00.01.G02", "north"}};
  return p;
}

TEST(VerdictTest, EveryFormRoundTripsThroughTheColumnsAndTheSentenceIsDerived) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  StoredPackage signed_pkg = make_package("000.00.13.H30", "doc-0", "<x>0</x>");
  signed_pkg.verdict.signer_subject = "CN=H30; O=Gov";  // "; " inside: no longer ambiguous
  StoredPackage relaxed = relaxed_relayed_package();
  StoredPackage relayed_receipt = make_package("national", "national-7-3", "<r>7</r>");
  relayed_receipt.message_type = "receipt";
  relayed_receipt.verdict = {};
  relayed_receipt.verdict.form = PackageVerdict::Form::kRelayedReceipt;
  relayed_receipt.verdict.is_signed = true;
  relayed_receipt.verdict.signer_subject = "CN=national";
  relayed_receipt.verdict.signature_method = "ecdsa";
  relayed_receipt.verdict.relayed_by = "national";
  relayed_receipt.verdict.receipt_issuer = "national";
  relayed_receipt.verdict.receipt_outcome = "delivered";
  relayed_receipt.verdict.about_document = "doc-9";
  StoredPackage issued = make_package("h30", "h30-1-1", "<r>1</r>");
  issued.message_type = "receipt";
  issued.verdict = {};
  issued.verdict.form = PackageVerdict::Form::kIssuedReceipt;
  issued.verdict.receipt_issuer = "h30";
  issued.verdict.receipt_outcome = "rejected";
  issued.verdict.about_document = "doc-0";
  issued.verdict.about_sha256 = std::string(64, 'b');
  issued.verdict.about_seq = 1;
  issued.verdict.about_delivery = 1;

  EXPECT_EQ(describe_verdict(signed_pkg), "signed by CN=H30; O=Gov; rsa-sha256");
  EXPECT_EQ(describe_verdict(relaxed),
            "unsigned: no Signature element; relaxed: unsigned,legacy-sha1 (old client; until "
            "June); relayed by national; left to earlier hubs: 000.00.01.G01 (via south),"
            "000.00.01.G02 (via north)");
  EXPECT_EQ(describe_verdict(relayed_receipt),
            "receipt for doc-9 (delivered) issued by national, signed by CN=national; relayed by "
            "national");
  EXPECT_EQ(describe_verdict(issued), "issued by h30 for delivery 1 (rejected, document doc-0, "
                                      "sha256 " + std::string(64, 'b') + ")");

  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  for (StoredPackage* p : {&signed_pkg, &relaxed, &relayed_receipt, &issued}) {
    auto r = (*store)->ingest(*p, to_local({"r"}));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    p->seq = r->seq;
    auto back = (*store)->load_package(r->seq);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, *p) << describe_verdict(*p);
    // The sentence column is written for sqlite3 readers, from the fields.
    EXPECT_EQ(column_text(path, "SELECT verdict FROM packages WHERE seq = " +
                                    std::to_string(r->seq)),
              describe_verdict(*p));
  }
  EXPECT_EQ(column_text(path, "SELECT signer FROM packages WHERE seq = " +
                                  std::to_string(signed_pkg.seq)),
            "CN=H30; O=Gov");
  EXPECT_EQ(column_text(path, "SELECT relayed_by FROM packages WHERE seq = " +
                                  std::to_string(relaxed.seq)),
            "national");
  EXPECT_EQ(column_text(path, "SELECT about_delivery FROM dedup_keys WHERE document_id = 'h30-1-1'"),
            "1");
  // Only the migration writes a legacy verdict.
  StoredPackage legacy = make_package("000.00.13.H30", "doc-L", "<x>L</x>");
  legacy.verdict.form = PackageVerdict::Form::kLegacy;
  EXPECT_EQ((*store)->ingest(legacy, to_local({"r"})).status().code(), "invalid-argument");
}

// A spool as a version-3 hub left it: the first three migrations, then rows with the
// sentences the engine wrote before version 4.
void make_version_3_store(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  for (const char* file : {"0001_initial.sql", "0002_unanswered_and_recipient_claims.sql",
                           "0003_attempts_history_admin.sql"}) {
    const std::string sql = read_text(std::string(DOCAXIS_SCHEMA_SQL_DIR) + "/" + file);
    ASSERT_FALSE(sql.empty()) << file;
    exec(db, sql);
  }
  exec(db,
       "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT "
       "NULL, updated_ms INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 3, 0); "
       "PRAGMA application_id = 1145133139;  -- 'DAXS'");
  const std::string sha(64, 'c');
  struct Row { const char* type; const char* sender; const char* doc; std::string verdict; };
  const Row rows[] = {
      {"edoc", "000.00.04.G14", "doc-1",
       "signed by CN=G14,O=Gov; http://alg#rsa-sha256; relaxed: legacy-sha1 (old client); "
       "relayed by national; left to earlier hubs: 000.00.01.G01 (via south),000.00.01.G02 "
       "(via north)"},
      {"edoc", "000.00.13.H30", "doc-2", "unsigned: no Signature element"},
      {"receipt", "national", "national-7-3",
       "receipt for doc-9 (expired) issued by national, signed by CN=national; relayed by peer1"},
      {"receipt", "h30", "h30-1-5",
       "issued by h30 for delivery 5 (delivered, document doc-1, sha256 " + sha + ")"},
      {"edoc", "000.00.13.H30", "doc-3", "something an operator wrote by hand"},
  };
  for (const Row& r : rows) {
    exec(db, std::string("INSERT INTO packages (message_type, sender, document_id, sha256_hex, "
                         "received_ms, from_endpoint, relaxations, hops, verdict, size, bytes) "
                         "VALUES ('") + r.type + "', '" + r.sender + "', '" + r.doc + "', '" +
                 sha + "', 1000, 'x', '[]', '[]', '" + r.verdict + "', 1, x'00');"
                 "INSERT INTO dedup_keys VALUES ('" + r.sender + "', '" + r.doc + "', '" +
                 r.type + "', '" + sha + "', last_insert_rowid(), 1000);");
  }
  // Purged receipts: ours about package 1 (delivery 6), and a relayed one's tombstone.
  exec(db, "INSERT INTO dedup_keys VALUES ('h30', 'h30-1-6', 'receipt', '" + sha + "', NULL, 900);"
           "INSERT INTO dedup_keys VALUES ('south', 'south-1-2', 'receipt', '" + sha + "', NULL, 900);"
           "INSERT INTO dedup_keys VALUES ('h30', 'h30-odd', 'receipt', '" + sha + "', NULL, 900);");
  sqlite3_close(db);
}

TEST(VerdictTest, AVersion3StoreIsMigratedAndItsSentencesFillTheColumnsBestEffort) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  make_version_3_store(path);
  ASSERT_EQ(column_text(path, "SELECT version FROM schema_version"), "3");
  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(column_text(path, "SELECT version FROM schema_version"),
            std::to_string(latest_schema_version()));

  auto p1 = (*store)->load_package(1);
  ASSERT_TRUE(p1.ok()) << p1.status().to_string();
  const PackageVerdict& v1 = p1->verdict;
  EXPECT_EQ(v1.form, PackageVerdict::Form::kLegacy);
  EXPECT_TRUE(v1.is_signed);
  EXPECT_EQ(v1.signer_subject, "CN=G14,O=Gov");
  EXPECT_EQ(v1.signature_method, "http://alg#rsa-sha256");
  EXPECT_EQ(v1.relaxation_reason, "old client");
  EXPECT_EQ(v1.relayed_by, "national");
  EXPECT_EQ(v1.left_to_earlier_hubs,
            (std::vector<LeftRecipient>{{"000.00.01.G01", "south"}, {"000.00.01.G02", "north"}}));
  // The sentence stays the one stored, word for word.
  EXPECT_EQ(describe_verdict(*p1), v1.legacy_text);
  EXPECT_EQ(v1.legacy_text.substr(0, 23), "signed by CN=G14,O=Gov;");

  auto p2 = (*store)->load_package(2);
  ASSERT_TRUE(p2.ok());
  EXPECT_FALSE(p2->verdict.is_signed);
  EXPECT_EQ(p2->verdict.unsigned_note, "no Signature element");

  auto p3 = (*store)->load_package(3);
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(p3->verdict.about_document, "doc-9");
  EXPECT_EQ(p3->verdict.receipt_outcome, "expired");
  EXPECT_EQ(p3->verdict.receipt_issuer, "national");
  EXPECT_EQ(p3->verdict.signer_subject, "CN=national");
  EXPECT_EQ(p3->verdict.relayed_by, "peer1");
  EXPECT_FALSE(p3->verdict.about_seq.has_value());

  auto p4 = (*store)->load_package(4);
  ASSERT_TRUE(p4.ok());
  EXPECT_EQ(p4->verdict.receipt_issuer, "h30");
  EXPECT_EQ(p4->verdict.receipt_outcome, "delivered");
  EXPECT_EQ(p4->verdict.about_document, "doc-1");
  EXPECT_EQ(p4->verdict.about_sha256, std::string(64, 'c'));
  EXPECT_EQ(p4->verdict.about_seq, 1u);
  EXPECT_EQ(p4->verdict.about_delivery, 5u);

  auto p5 = (*store)->load_package(5);  // unrecognised: the sentence only
  ASSERT_TRUE(p5.ok());
  EXPECT_EQ(p5->verdict.legacy_text, "something an operator wrote by hand");
  EXPECT_FALSE(p5->verdict.is_signed);
  EXPECT_TRUE(p5->verdict.signer_subject.empty());

  // The receipts about package 1: the stored one and the purged one, by their fields.
  auto keys = (*store)->receipts_about("h30", 1);
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].document_id, "h30-1-5");
  EXPECT_EQ((*keys)[0].seq, 4u);
  EXPECT_EQ((*keys)[0].about_delivery, 5u);
  EXPECT_EQ((*keys)[1].document_id, "h30-1-6");
  EXPECT_FALSE((*keys)[1].seq.has_value());
  EXPECT_EQ((*keys)[1].about_delivery, 6u);
  EXPECT_TRUE((*store)->check_integrity().ok());

  // New rows next to the migrated ones are of the new form.
  auto fresh = (*store)->ingest(make_package("000.00.13.H30", "doc-new", "<x>n</x>"), to_local({"r"}));
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  EXPECT_EQ((*store)->load_package(fresh->seq)->verdict.form, PackageVerdict::Form::kPackage);
}

}  // namespace
}  // namespace docaxis::store
