// Opening a store: migrations, versions, the single-opener lock, foreign and corrupt files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "store/migrations.hpp"
#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::make_package;
using testing::to_local;

// Runs `sql` on the file with plain SQLite, as another program (or another version) would.
void tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

int64_t version_in_file(const std::string& path) {
  return testing::query_int(path, "SELECT version FROM schema_version");
}

TEST(SchemaTest, ReopeningRunsMigrationsIdempotentlyAndKeepsData) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  uint64_t seq = 0;
  {
    auto store = SqliteStore::open(testing::options_for(path));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    seq = (*store)->ingest(make_package("000.00.01.H01", "d", "bytes"), to_local({"r"}))->seq;
  }
  const int64_t version = version_in_file(path);
  EXPECT_GE(version, 1);
  for (int i = 0; i < 2; ++i) {
    auto store = SqliteStore::open(testing::options_for(path));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    EXPECT_EQ((*store)->load_package(seq)->bytes, "bytes");
    EXPECT_TRUE((*store)->check_integrity().ok());
  }
  EXPECT_EQ(version_in_file(path), version);
}

// Migration 0007 rebuilt the duplicate keys with the document id first and dropped two
// indexes: an older store's keys, document lookups and DocId lookups must survive it.
TEST(SchemaTest, AVersion6StoreKeepsItsDuplicateKeysAndLookupsWhenItsIndexesNarrow) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto db = sqlite::Db::open(path);
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    ASSERT_TRUE(migrate(**db, 1, 6).ok());
  }
  ASSERT_EQ(version_in_file(path), 6);
  const StoredPackage old = make_package("000.00.01.H01", "doc-6", "<old/>");
  tamper(path,
         "INSERT INTO packages (seq, message_type, sender, document_id, sha256_hex, received_ms, "
         "from_endpoint, relaxations, hops, verdict, size, bytes) VALUES (7, 'edoc', "
         "'000.00.01.H01', 'doc-6', '" + old.sha256_hex + "', 1, 'x', '[]', '[]', 'signed', 6, "
         "CAST('<old/>' AS BLOB));"
         "INSERT INTO dedup_keys (sender, document_id, message_type, sha256_hex, seq, created_ms) "
         "VALUES ('000.00.01.H01', 'doc-6', 'edoc', '" + old.sha256_hex + "', 7, 1);"
         "INSERT INTO dedup_keys (sender, document_id, message_type, sha256_hex, seq, created_ms, "
         "about_seq, about_delivery) VALUES ('000.00.01.H01', 'purged', 'edoc', '" +
         std::string(64, 'e') + "', NULL, 1, 41, 42);"
         "INSERT INTO deliveries (seq, recipient, next_hop, state, next_attempt_ms, created_ms, "
         "updated_ms) VALUES (7, 'g12', 'local', 'waiting', 1, 1, 1);");

  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(version_in_file(path), latest_schema_version());
  EXPECT_EQ(testing::query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                     "('packages_by_document', 'packages_by_sha256')"), 0);
  EXPECT_EQ(testing::query_int(path, "SELECT count(*) FROM dedup_keys"), 2);
  EXPECT_EQ(testing::query_int(path, "SELECT about_seq * 100 + about_delivery FROM dedup_keys "
                                     "WHERE document_id = 'purged'"), 4142);
  // The key leads with the document id, so lookups by it need no index of their own.
  EXPECT_EQ(testing::query_int(path, "SELECT count(*) FROM pragma_index_xinfo("
                                     "'sqlite_autoindex_dedup_keys_1') WHERE seqno = 0 "
                                     "AND name = 'document_id'"), 1);
  EXPECT_EQ(testing::query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = "
                                     "'packages_by_doc_id'"), 1);
  // The same package again is the duplicate of seq 7; other bytes under its key conflict; the
  // purged key (a tombstone) still recognises its document.
  auto again = (*store)->ingest(make_package("000.00.01.H01", "doc-6", "<old/>"), to_local({"g12"}));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(again->seq, 7u);
  EXPECT_EQ((*store)->ingest(make_package("000.00.01.H01", "doc-6", "<new/>"), to_local({"g12"}))
                .status().code(), "duplicate-conflict");
  auto purged = make_package("000.00.01.H01", "purged", "<p/>");
  purged.sha256_hex = std::string(64, 'e');
  EXPECT_EQ((*store)->ingest(std::move(purged), to_local({"g12"}))->kind,
            IngestOutcome::Kind::kDuplicate);
  // By document id (doc show), and by DocId (the HTTP API).
  auto by_doc = (*store)->packages_with_document_id("doc-6");
  ASSERT_TRUE(by_doc.ok());
  EXPECT_EQ(*by_doc, std::vector<uint64_t>{7});
  EXPECT_TRUE((*store)->packages_with_document_id("purged")->empty());
  auto found = (*store)->find_for({"g12"}, old.sha256_hex.substr(0, 24));
  ASSERT_TRUE(found.ok()) << found.status().to_string();
  EXPECT_EQ(found->delivery.seq, 7u);
  EXPECT_EQ((*store)->load_package(7)->bytes, "<old/>");
  // A new package after the migration, found both ways too.
  auto fresh = (*store)->ingest(make_package("000.00.01.H01", "doc-7", "<new/>"), to_local({"g12"}));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*(*store)->packages_with_document_id("doc-7"), std::vector<uint64_t>{fresh->seq});
  EXPECT_TRUE((*store)->check_integrity().ok());
}

TEST(SchemaTest, DatabaseFromANewerVersionIsRefusedWithAClearError) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  { ASSERT_TRUE(SqliteStore::open(testing::options_for(path)).ok()); }
  tamper(path, "UPDATE schema_version SET version = 99");
  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "failed-precondition");
  EXPECT_NE(store.status().message().find("schema version 99 is newer"), std::string::npos)
      << store.status().message();
}

TEST(SchemaTest, ForeignSqliteFileIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.file("other.db");
  tamper(path, "PRAGMA application_id = 7; CREATE TABLE t (x)");
  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "failed-precondition");
}

TEST(SchemaTest, SecondOpenOfTheSameStoreIsRefusedWhileTheFirstIsOpen) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  auto first = SqliteStore::open(testing::options_for(path));
  ASSERT_TRUE(first.ok());
  auto second = SqliteStore::open(testing::options_for(path));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), "failed-precondition");
  first->reset();
  EXPECT_TRUE(SqliteStore::open(testing::options_for(path)).ok());
}

TEST(SchemaTest, CorruptDatabaseIsReportedAsDataLossAtOpen) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto store = SqliteStore::open(testing::options_for(path));
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 50; ++i) {
      std::string id = "d" + std::to_string(i);
      ASSERT_TRUE((*store)->ingest(make_package("000.00.01.H01", id, testing::binary_bytes(id, 3000)),
                                   to_local({"r"})).ok());
    }
  }  // closing the last connection checkpoints the WAL into the main file
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    const std::string garbage(3 * 4096, '\xa5');
    f.seekp(4096);  // pages 2-4: b-tree pages of the tables created first
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto store = SqliteStore::open(testing::options_for(path));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "data-loss") << store.status().to_string();
}

TEST(SchemaTest, MissingDirectoryIsUnavailable) {
  testing::TempDir dir;
  auto store = SqliteStore::open(testing::options_for(dir.file("no/such/dir/spool.db")));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "unavailable");
}

TEST(SchemaTest, FsyncModeParsesTheTwoConfigValues) {
  EXPECT_EQ(parse_fsync_mode("full"), FsyncMode::kFull);
  EXPECT_EQ(parse_fsync_mode("normal"), FsyncMode::kNormal);
  EXPECT_FALSE(parse_fsync_mode("off").has_value());
}

}  // namespace
}  // namespace docaxis::store
