#include "store/migrations.hpp"

#include <iterator>
#include <string>
#include <string_view>

#include "store/legacy_verdict.hpp"

namespace docaxis::store {
namespace {

struct Migration {
  const char* name;
  const char* sql;
};

constexpr Migration kMigrations[] = {
#include "store/migrations_sql.inc"
};

constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);";

Status check_application_id(sqlite::Db& db) {
  auto id = db.query_text("PRAGMA application_id");
  if (!id) return id.status();
  int64_t value = std::stoll(*id);
  if (value != 0 && value != kApplicationId) {
    return Status("failed-precondition",
                  "the database file is not a docaxis store (application_id " + *id + ")");
  }
  return Status();
}

}  // namespace

int64_t latest_schema_version() { return static_cast<int64_t>(std::size(kMigrations)); }

Result<int64_t> schema_version(sqlite::Db& db) {
  auto exists = db.query_text(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return exists.status();
  if (*exists == "0") return int64_t{0};
  auto stmt = db.prepare("SELECT version FROM schema_version WHERE id = 1");
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  return *row ? stmt->int_at(0) : int64_t{0};
}

Status migrate(sqlite::Db& db, int64_t now_ms, int64_t up_to) {
  if (Status s = check_application_id(db); !s.ok()) return s;
  auto current = schema_version(db);
  if (!current) return current.status();
  const int64_t latest = latest_schema_version();
  const int64_t target = up_to > 0 && up_to < latest ? up_to : latest;
  if (*current > latest) {
    return Status("failed-precondition",
                  "the store's schema version " + std::to_string(*current) +
                      " is newer than this docaxis-hub supports (" + std::to_string(latest) +
                      "): run the newer docaxis-hub, or restore a backup made by this one");
  }
  for (int64_t version = *current + 1; version <= target; ++version) {
    const Migration& m = kMigrations[version - 1];
    if (Status s = db.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = db.exec(kVersionTable);
    if (s.ok()) s = db.exec(m.sql);
    // A step SQL cannot do well: the verdict sentences of older rows, read into the columns.
    if (s.ok() && std::string_view(m.name) == "0004_structured_verdict.sql") {
      s = backfill_legacy_verdicts(db);
    }
    if (s.ok()) s = db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    if (s.ok()) {
      auto stmt = db.prepare(
          "INSERT INTO schema_version (id, version, updated_ms) VALUES (1, ?1, ?2) "
          "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
          "updated_ms = excluded.updated_ms");
      s = stmt ? stmt->bind(1, version).bind(2, now_ms).run() : stmt.status();
    }
    if (s.ok()) s = db.exec("COMMIT");
    if (!s.ok()) {
      (void)db.exec("ROLLBACK");
      return Status(s.code(), "migration " + std::string(m.name) + " (version " +
                                  std::to_string(version) + "): " + s.message());
    }
  }
  return Status();
}

}  // namespace docaxis::store
