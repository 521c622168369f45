// Internal to store/: RAII handles for one SQLite connection and its prepared statements,
// and the mapping from SQLite result codes to the store's Status codes. Nothing outside
// store/ includes this header (sqlite3.h is confined here).
//
// Thread context: a Db and its statements are used by one thread at a time (the writer
// thread, the checkpointer thread, or a reader under SqliteStore's read mutex); SQLite is in
// multi-thread mode.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace docaxis::store::sqlite {

// SQLite primary result code -> store code:
//   BUSY, LOCKED -> store-busy; FULL, NOMEM -> resource-exhausted; CORRUPT, NOTADB ->
//   data-loss; IOERR, CANTOPEN, PROTOCOL, READONLY, PERM -> unavailable; TOOBIG ->
//   invalid-argument; CONSTRAINT and anything else -> internal.
Status status_from_code(int rc, std::string_view what, std::string_view detail);

class Db;

// A prepared statement borrowed from the connection's cache; reset and unbound when the
// handle goes away. Bind errors are remembered and reported by step().
class Stmt {
 public:
  Stmt(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
    other.stmt_ = nullptr;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  // Parameters are 1-based, as in SQL (?1, ?2 ...). Text and blobs are copied only if
  // the statement outlives them (SQLITE_STATIC: the caller's buffer must stay alive until
  // the last step(), which is always the case inside one store call).
  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, std::string_view text);
  Stmt& bind_blob(int index, std::string_view bytes);
  Stmt& bind_null(int index);

  // true: a row is available; false: done. Errors mapped with status_from_code.
  Result<bool> step();
  // Steps to completion (for statements that return no rows), then resets the statement so
  // it can be bound again (bindings are kept until rebound).
  Status run();
  // Makes a stepped statement ready to be bound and stepped again (bindings are kept).
  void reset();

  int64_t int_at(int col) const;
  bool null_at(int col) const;
  std::string text_at(int col) const;
  std::string blob_at(int col) const;

 private:
  void note_bind(int rc) {
    if (bind_rc_ == 0 && rc != 0) bind_rc_ = rc;
  }
  Db* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;
};

class Db {
 public:
  // Opens (creating if absent) the database file in read-write mode.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more SQL statements that return no rows we need.
  Status exec(std::string_view sql);
  // One statement without results, from the statement cache: for the SAVEPOINT, RELEASE,
  // BEGIN and COMMIT run for every job and batch (exec() parses its SQL on every call).
  Status run_cached(std::string_view sql);
  // Runs a single-row, single-column query (e.g. a PRAGMA) and returns the value as text.
  Result<std::string> query_text(std::string_view sql);
  // A RESTART WAL checkpoint on this connection (no transaction of its own may be open):
  // true when it completed, false when a reader kept it from finishing (busy_timeout).
  bool checkpoint_restart();
  // From the per-connection statement cache (prepared once, SQLITE_PREPARE_PERSISTENT).
  Result<Stmt> prepare(std::string_view sql);

  // False once SQLite has rolled a transaction back on its own (I/O, full, busy errors).
  bool in_transaction() const;
  int64_t last_insert_rowid() const;
  int64_t changes() const;
  // Status for `rc` with this connection's error message.
  Status error(int rc, std::string_view what) const;
  // Called after each commit on this connection with the WAL's size in frames (sqlite3_wal_hook);
  // on the committing thread.
  void on_wal_commit(std::function<void(int frames)> fn);
  // Pages this connection has written to its journal (the WAL) since it opened, spills
  // included (SQLITE_DBSTATUS_CACHE_WRITE). Call on the connection's own thread.
  int64_t pages_written();

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::function<void(int)> wal_hook_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace docaxis::store::sqlite
