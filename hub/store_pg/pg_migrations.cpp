#include "store_pg/pg_migrations.hpp"

#include <iterator>
#include <string>

namespace docaxis::store::pg {
namespace {

struct Migration {
  const char* name;
  const char* sql;
};

constexpr Migration kMigrations[] = {
#include "store_pg/pg_migrations_sql.inc"
};

constexpr int64_t kMigrationLockKey = 0x646f6361786973 + 1;

constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version BIGINT NOT NULL,"
    "  updated_ms BIGINT NOT NULL)";

}  // namespace

int64_t latest_schema_version() { return static_cast<int64_t>(std::size(kMigrations)); }

Result<int64_t> schema_version(Conn& conn) {
  auto exists = conn.exec("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists) return exists.status();
  if (exists->text_at(0, 0) != "t") return int64_t{0};
  auto v = conn.exec("SELECT version FROM schema_version WHERE id = 1");
  if (!v) return v.status();
  return v->size() == 0 ? int64_t{0} : v->int_at(0, 0);
}

Status migrate(Conn& conn, int64_t now_ms, int64_t up_to) {
  const int64_t latest = latest_schema_version();
  const int64_t target = up_to > 0 && up_to < latest ? up_to : latest;
  for (;;) {
    if (Status s = conn.exec_script("BEGIN"); !s.ok()) return s;
    Status s = conn.exec("SELECT pg_advisory_xact_lock($1)", {num(kMigrationLockKey)}).status();
    Result<int64_t> current = s.ok() ? schema_version(conn) : Result<int64_t>(s);
    if (current && *current > latest) {
      (void)conn.exec_script("ROLLBACK");
      return Status("failed-precondition",
                    "the PostgreSQL store's schema version " + std::to_string(*current) +
                        " is newer than this docaxis-hub supports (" + std::to_string(latest) +
                        "): run the newer docaxis-hub, or restore a backup made by this one");
    }
    if (current && *current >= target) return conn.exec_script("COMMIT");
    const int64_t version = current ? *current + 1 : 0;
    const char* name = current ? kMigrations[version - 1].name : "?";
    if (current) s = conn.exec_script(kVersionTable);
    if (current && s.ok()) s = conn.exec_script(kMigrations[version - 1].sql);
    if (current && s.ok()) {
      s = conn.exec("INSERT INTO schema_version (id, version, updated_ms) VALUES (1, $1, $2) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                    "updated_ms = excluded.updated_ms",
                    {num(version), num(now_ms)})
              .status();
    }
    if (!current) s = current.status();
    if (s.ok()) s = conn.exec_script("COMMIT");
    if (!s.ok()) {
      if (conn.ok()) (void)conn.exec_script("ROLLBACK");
      return Status(s.code(), "PostgreSQL migration " + std::string(name) + " (version " +
                                  std::to_string(version) + "): " + s.message());
    }
  }
}

}  // namespace docaxis::store::pg
