// Internal to store/: the schema version table and the migrations from schemas/sql/.
//
// migrate() runs on the writer connection at open, before any other use. Each pending
// migration is applied in its own IMMEDIATE transaction together with the new version
// number, so a crash leaves the database at one version or the next, never between.
// Opening is idempotent: an up-to-date database is not touched.
#pragma once

#include <cstdint>

#include "common/status.hpp"
#include "store/sqlite_db.hpp"

namespace docaxis::store {

// 'DAXS': PRAGMA application_id of a docaxis store, so a foreign SQLite file is refused.
inline constexpr int64_t kApplicationId = 0x44415853;

// The schema version this build writes (= number of migrations it embeds).
int64_t latest_schema_version();

// The version recorded in the database (0 for a new, empty database).
Result<int64_t> schema_version(sqlite::Db& db);

// Brings the database to latest_schema_version() (or to `up_to`, when positive: tests build
// a store of an older version with it). Errors:
//   failed-precondition  the database is newer than this build, or not a docaxis store;
//   any code of sqlite_db.hpp's mapping for I/O or corruption.
Status migrate(sqlite::Db& db, int64_t now_ms, int64_t up_to = 0);

}  // namespace docaxis::store
