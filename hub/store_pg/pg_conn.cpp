#include "store_pg/pg_conn.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace docaxis::store::pg {
namespace {

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string code_for_sqlstate(const std::string& state) {
  if (state.empty() || state.rfind("08", 0) == 0) return "unavailable";
  if (state == "57P01" || state == "57P02" || state == "57P03" || state == "25006" ||
      state == "57014") {
    return "unavailable";
  }
  if (state.rfind("53", 0) == 0) return "resource-exhausted";
  if (state == "22021" || state == "22P05") return "invalid-argument";  // not UTF-8, or NUL
  if (state == "40001" || state == "40P01" || state == "55P03") return "store-busy";
  if (state == "XX001" || state == "XX002") return "data-loss";
  return "internal";
}

namespace {

Status failure(PGconn* conn, const PGresult* res) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  std::string text = trimmed(res != nullptr ? PQresultErrorMessage(res) : "");
  if (text.empty()) text = trimmed(PQerrorMessage(conn));
  if (PQstatus(conn) == CONNECTION_BAD && sqlstate.empty()) {
    return Status("unavailable", "PostgreSQL connection lost: " + text);
  }
  std::string prefix = sqlstate.empty() ? "" : "[" + sqlstate + "] ";
  if (sqlstate == "25006") prefix += "the server is read-only (a demoted primary?): ";
  if (sqlstate == "53100") prefix += "the database server's disk is full: ";
  return Status(code_for_sqlstate(sqlstate), "PostgreSQL: " + prefix + text);
}

}  // namespace

Param text(std::string v) { return Param{std::move(v), false}; }
Param num(int64_t v) { return Param{std::to_string(v), false}; }
Param null() { return Param{std::nullopt, false}; }
Param bytes(std::string v) { return Param{std::move(v), true}; }

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string int_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i == 0 ? "" : ",") + std::to_string(values[i]);
  return out + "}";
}

Rows::Rows(pg_result* res) : res_(res) {}
Rows::Rows(Rows&& o) noexcept : res_(std::exchange(o.res_, nullptr)) {}
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (res_ != nullptr) PQclear(res_);
    res_ = std::exchange(o.res_, nullptr);
  }
  return *this;
}
Rows::~Rows() {
  if (res_ != nullptr) PQclear(res_);
}
int Rows::size() const { return res_ != nullptr ? PQntuples(res_) : 0; }
bool Rows::null_at(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }
std::string Rows::text_at(int row, int col) const {
  return std::string(PQgetvalue(res_, row, col), static_cast<size_t>(PQgetlength(res_, row, col)));
}
int64_t Rows::int_at(int row, int col) const {
  return null_at(row, col) ? 0 : std::strtoll(PQgetvalue(res_, row, col), nullptr, 10);
}
std::string Rows::bytea_at(int row, int col) const {
  size_t len = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row, col)), &len);
  if (raw == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(raw), len);
  PQfreemem(raw);
  return out;
}
uint64_t Rows::affected() const {
  const char* n = res_ != nullptr ? PQcmdTuples(res_) : "";
  return *n != '\0' ? std::strtoull(n, nullptr, 10) : 0;
}

std::string Rows::command() const { return res_ != nullptr ? PQcmdStatus(res_) : ""; }

Conn::Conn(pg_conn* c, std::string conninfo) : conn_(c), conninfo_(std::move(conninfo)) {
  PQsetNoticeReceiver(conn_, &Conn::on_notice, this);
}

Conn::~Conn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<std::unique_ptr<Conn>> Conn::connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return Status("resource-exhausted", "libpq could not allocate a connection");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return Status("unavailable", "cannot connect to PostgreSQL: " + why);
  }
  return std::unique_ptr<Conn>(new Conn(c, conninfo));
}

void Conn::on_notice(void* self, const pg_result* res) {
  auto* conn = static_cast<Conn*>(self);
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  std::lock_guard lock(conn->notice_mu_);
  if (conn->notices_.size() < 64) {
    conn->notices_.push_back({state != nullptr ? state : "", severity != nullptr ? severity : "",
                              primary != nullptr ? primary : ""});
  }
}

std::vector<Notice> Conn::take_notices() {
  std::lock_guard lock(notice_mu_);
  return std::exchange(notices_, {});
}

void Conn::clear_notices() {
  std::lock_guard lock(notice_mu_);
  notices_.clear();
}

Result<Rows> Conn::exec(const std::string& sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params) {
    // A text parameter is a C string to libpq: a NUL would silently cut the value (two
    // document ids differing after a NUL would share a duplicate key).
    if (!p.binary && p.value && p.value->find('\0') != std::string::npos) {
      return Status("invalid-argument", "a text value holds a NUL byte, which PostgreSQL "
                                        "text cannot store");
    }
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "dx" + std::to_string(prepared_.size() + 1);
    PGresult* prep = PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()),
                               nullptr);
    if (prep == nullptr || PQresultStatus(prep) != PGRES_COMMAND_OK) {
      Status s = failure(conn_, prep);
      if (prep != nullptr) PQclear(prep);
      return s;
    }
    PQclear(prep);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                 values.data(), lengths.data(), formats.data(), 0);
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(res);
  Status s = failure(conn_, res);
  if (res != nullptr) PQclear(res);
  return s;
}

Status Conn::exec_script(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status() : failure(conn_, res);
  if (res != nullptr) PQclear(res);
  return s;
}

bool Conn::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Conn::reset() {
  prepared_.clear();  // prepared statements live as long as their session
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status("unavailable", "cannot reconnect to PostgreSQL: " + trimmed(PQerrorMessage(conn_)));
  }
  return Status();
}

int Conn::backend_pid() const { return PQbackendPID(conn_); }

bool retryable(const Status& s) {
  const std::string state = sqlstate_of(s);
  return state == "40001" || state == "40P01";
}

std::string sqlstate_of(const Status& s) {
  const std::string& m = s.message();
  const auto at = m.find('[');
  if (at == std::string::npos || m.size() < at + 7 || m[at + 6] != ']') return "";
  return m.substr(at + 1, 5);
}

}  // namespace docaxis::store::pg
