#include "store/sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace docaxis::store::sqlite {

Status status_from_code(int rc, std::string_view what, std::string_view detail) {
  std::string message = std::string(what) + ": " + std::string(detail) + " (" +
                        sqlite3_errstr(rc) + ", SQLite code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status("store-busy", std::move(message));
    case SQLITE_FULL:
    case SQLITE_NOMEM: return Status("resource-exhausted", std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status("data-loss", std::move(message));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_PERM: return Status("unavailable", std::move(message));
    case SQLITE_TOOBIG: return Status("invalid-argument", std::move(message));
    default: return Status("internal", std::move(message));
  }
}

// --- Stmt ------------------------------------------------------------------------------

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view text) {
  note_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC,
                                SQLITE_UTF8));
  return *this;
}

Stmt& Stmt::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must not bind as NULL (bind_blob with nullptr does): use zeroblob.
  if (bytes.empty()) {
    note_bind(sqlite3_bind_zeroblob(stmt_, index, 0));
  } else {
    note_bind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC));
  }
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_rc_ != 0) return db_->error(bind_rc_, "binding a parameter");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, sqlite3_sql(stmt_));
}

Status Stmt::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.status();
    if (!*r) {
      sqlite3_reset(stmt_);  // ready to be bound and run again
      return Status();
    }
  }
}

void Stmt::reset() { sqlite3_reset(stmt_); }

int64_t Stmt::int_at(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::null_at(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Stmt::text_at(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::string Stmt::blob_at(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

// --- Db --------------------------------------------------------------------------------

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* handle = nullptr;
  // NOMUTEX: each connection is confined to one thread at a time by the store itself.
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = handle != nullptr ? sqlite3_errmsg(handle) : "cannot allocate";
    sqlite3_close_v2(handle);
    return status_from_code(rc, "opening " + path, detail);
  }
  sqlite3_extended_result_codes(handle, 1);
  return std::unique_ptr<Db>(new Db(handle));
}

bool Db::checkpoint_restart() {
  return sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr) ==
         SQLITE_OK;
}

int64_t Db::pages_written() {
  int current = 0, highwater = 0;
  if (sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0) != SQLITE_OK) {
    return 0;
  }
  return current;
}

void Db::on_wal_commit(std::function<void(int)> fn) {
  wal_hook_ = std::move(fn);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        auto* db = static_cast<Db*>(self);
        if (db->wal_hook_) db->wal_hook_(frames);
        return SQLITE_OK;
      },
      this);
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::exec(std::string_view sql) {
  std::string copy(sql);
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status() : error(rc, copy);
}

Status Db::run_cached(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.status();
  return stmt->run();
}

Result<std::string> Db::query_text(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status("internal", "no row from " + std::string(sql));
  return stmt->text_at(0);
}

Result<Stmt> Db::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return Stmt(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, "preparing " + key);
  cache_.emplace(std::move(key), stmt);
  return Stmt(this, stmt);
}

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Db::changes() const { return sqlite3_changes64(db_); }

Status Db::error(int rc, std::string_view what) const {
  return status_from_code(rc, what, sqlite3_errmsg(db_));
}

}  // namespace docaxis::store::sqlite
