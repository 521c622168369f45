// Internal to store_pg/: the PostgreSQL schema's versions (hub/store_pg/sql/NNNN_*.sql,
// embedded at configure time) and applying them.
#pragma once

#include <cstdint>

#include "common/status.hpp"
#include "store_pg/pg_conn.hpp"

namespace docaxis::store::pg {

int64_t latest_schema_version();
// The database's version (0: empty database).
Result<int64_t> schema_version(Conn& conn);
// Brings the database to the latest version (or `up_to` when 0 < up_to < latest), each step
// in its own transaction under an advisory lock, so hub nodes starting together migrate once.
// failed-precondition when the database's version is newer than this binary knows.
Status migrate(Conn& conn, int64_t now_ms, int64_t up_to = 0);

}  // namespace docaxis::store::pg
