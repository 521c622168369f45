// Internal to store_pg/: one libpq connection (RAII), parameterised statements, and the
// mapping of PostgreSQL errors (SQLSTATE) to the store's codes. libpq is included here and
// in pg_conn.cpp only.
//
// Error mapping (Status::code()):
//   connection lost / refused (no SQLSTATE, class 08)        unavailable
//   57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
//     cannot_connect_now (server starting or stopping)      unavailable
//   25006 read_only_sql_transaction (a demoted primary,
//     a hot standby)                                        unavailable
//   57014 query_canceled                                    unavailable
//   53100 disk_full, 53200 out_of_memory, class 53          resource-exhausted
//   40001 serialization_failure, 40P01 deadlock_detected,
//     55P03 lock_not_available                              store-busy (retryable(): true
//                                                           for 40001/40P01: the writer
//                                                           re-runs the whole transaction)
//   22021 character_not_in_repertoire (text not UTF-8, a NUL),
//     22P05 untranslatable_character                        invalid-argument
//   XX001 data_corrupted, XX002 index_corrupted             data-loss
//   anything else                                           internal
// The SQLSTATE is kept at the start of the message ("[57P01] ...").
//
// Notices: every notice or warning the server sends on this connection is recorded (SQLSTATE
// and text) until clear_notices(); the writer reads them after COMMIT to detect a commit
// whose wait for synchronous replication was cancelled (pg_writer.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"

struct pg_conn;
struct pg_result;

namespace docaxis::store::pg {

// A parameter: text (NULL when absent) or binary (bytea).
struct Param {
  std::optional<std::string> value;
  bool binary = false;
};
Param text(std::string v);
Param num(int64_t v);
Param null();
Param bytes(std::string v);
template <typename T>
Param opt_num(const std::optional<T>& v) {
  return v ? num(static_cast<int64_t>(*v)) : null();
}

// PostgreSQL array literals for text[] / bigint[] parameters (every element quoted and
// escaped: any text is safe).
std::string text_array(const std::vector<std::string>& values);
std::string int_array(const std::vector<int64_t>& values);
// Free text from outside (a peer's rejection description, an error) made storable as
// PostgreSQL text: invalid UTF-8 and NUL become U+FFFD. SQLite stores such bytes as they are;
// refusing them here would let one peer's bad description fail a whole batch of transitions.
std::string storable_text(std::string_view text);

// A query's rows (text format). Owned; movable.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* res);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  ~Rows();
  int size() const;
  bool null_at(int row, int col) const;
  std::string text_at(int row, int col) const;
  int64_t int_at(int row, int col) const;  // 0 when NULL
  std::string bytea_at(int row, int col) const;  // decoded from the hex text form
  uint64_t affected() const;                     // rows changed by an UPDATE/DELETE
  std::string command() const;                   // the command tag ("COMMIT", "ROLLBACK")

 private:
  pg_result* res_ = nullptr;
};

struct Notice {
  std::string sqlstate;
  std::string severity;
  std::string message;
};

// What every session of the store is held to, whatever the conninfo, PGOPTIONS or the role's
// settings say (appended to the libpq `options`, so a PQreset keeps them): warnings reach the
// client (client_min_messages = warning: a cancelled wait for synchronous replication is a
// WARNING), commits wait for the synchronous standby (synchronous_commit = on), UTF-8 text,
// and time limits so that a dead or frozen node cannot hold a lock or a session for long
// (idle_in_transaction_session_timeout 30 s, lock_timeout 15 s, statement_timeout 60 s, which
// also bounds a COMMIT's wait for a standby). TCP keepalives and tcp_user_timeout (10 s)
// unless the conninfo sets them: a server gone without a FIN is noticed.
inline constexpr const char* kPinnedOptions =
    "-c client_min_messages=warning -c synchronous_commit=on -c client_encoding=UTF8 "
    "-c idle_in_transaction_session_timeout=30s -c lock_timeout=15s -c statement_timeout=60s";

struct ConnSettings {
  // Refuse (unavailable) a server whose synchronous_standby_names is empty: its commits would
  // be acknowledged without any standby. For hub clusters (issue 17); off for a lone server.
  bool require_synchronous_standby = false;
};

class Conn {
 public:
  // Connects (blocking; honour connect_timeout in the conninfo) with kPinnedOptions, then
  // checks the server: UTF8 encoding (failed-precondition otherwise) and, when asked, a
  // synchronous standby configured. unavailable when the server cannot be reached; the
  // conninfo itself never appears in an error (it may hold a password).
  static Result<std::unique_ptr<Conn>> connect(const std::string& conninfo,
                                               ConnSettings settings = {});
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs one statement with $1..$n parameters, prepared once per session (the SQL text is
  // the cache key); a failure is mapped (see above).
  Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs statements without parameters (several separated by ';' allowed).
  Status exec_script(const std::string& sql);  // only comments: ok, nothing done

  // The connection is up (as far as libpq knows) and not stale: a session that answered
  // 25006 (read-only: a demoted primary), 57P01/57P02/57P03 is stale, so that the next
  // reset() runs host selection again (target_session_attrs finds the new primary).
  bool ok() const;
  Status reset();       // reconnects in place, then the same checks as connect(), then
                        // the session setup below
  // Runs after each successful reset() (not at connect()): what the session must hold again
  // (PgStore's writer takes its node lock back). A failure marks the session stale, so the
  // next use resets again.
  void set_session_setup(std::function<Status(Conn&)> setup) { setup_ = std::move(setup); }
  int backend_pid() const;
  const std::string& conninfo() const { return conninfo_; }

  std::vector<Notice> take_notices();
  void clear_notices();

 private:
  Conn(pg_conn* c, std::string conninfo, ConnSettings settings);
  static void on_notice(void* self, const pg_result* res);
  Status check_server();
  Status failure(const pg_result* res);
  pg_conn* conn_;
  std::string conninfo_;
  ConnSettings settings_;
  bool stale_ = false;
  std::function<Status(Conn&)> setup_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::mutex notice_mu_;
  std::vector<Notice> notices_;
};

// The store code for a SQLSTATE (the table above; "" = no SQLSTATE: a lost connection).
std::string code_for_sqlstate(const std::string& sqlstate);
// True for the codes a whole transaction is re-run for (40001, 40P01).
bool retryable(const Status& s);
// The SQLSTATE of a mapped Status ("" when none).
std::string sqlstate_of(const Status& s);

}  // namespace docaxis::store::pg
