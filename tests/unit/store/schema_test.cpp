// Opening a store: migrations, versions, the single-opener lock, foreign and corrupt files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

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
