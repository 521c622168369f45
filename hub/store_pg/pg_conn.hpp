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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

class Conn {
 public:
  // Connects (blocking; honour connect_timeout in the conninfo). unavailable on failure.
  static Result<std::unique_ptr<Conn>> connect(const std::string& conninfo);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs one statement with $1..$n parameters, prepared once per session (the SQL text is
  // the cache key); a failure is mapped (see above).
  Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs statements without parameters (several separated by ';' allowed).
  Status exec_script(const std::string& sql);

  bool ok() const;      // the connection is up (as far as libpq knows)
  Status reset();       // reconnects in place
  int backend_pid() const;
  const std::string& conninfo() const { return conninfo_; }

  std::vector<Notice> take_notices();
  void clear_notices();

 private:
  Conn(pg_conn* c, std::string conninfo);
  static void on_notice(void* self, const pg_result* res);
  pg_conn* conn_;
  std::string conninfo_;
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
