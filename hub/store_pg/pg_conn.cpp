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

Status failure_of(PGconn* conn, const PGresult* res) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  // The primary message only: DETAIL lines may quote row values (package bytes in hex).
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string text = trimmed(primary);
  if (text.empty()) text = trimmed(PQerrorMessage(conn));
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  if (PQstatus(conn) == CONNECTION_BAD && sqlstate.empty()) {
    return Status("unavailable", "PostgreSQL connection lost: " + text);
  }
  std::string prefix = sqlstate.empty() ? "" : "[" + sqlstate + "] ";
  if (sqlstate == "25006") prefix += "the server is read-only (a demoted primary?): ";
  if (sqlstate == "53100") prefix += "the database server's disk is full: ";
  return Status(code_for_sqlstate(sqlstate), "PostgreSQL: " + prefix + text);
}

bool stale_state(const std::string& sqlstate) {
  return sqlstate == "25006" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
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

std::string storable_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool good = len != 0 && c != 0 && i + len <= n;
    for (size_t k = 1; good && k < len; ++k) good = (s[i + k] & 0xC0) == 0x80;
    if (good && len > 1) {  // overlong forms, surrogates, beyond U+10FFFF
      uint32_t cp = c & (0xFF >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
      good = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
             !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
    }
    if (good) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
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

Conn::Conn(pg_conn* c, std::string conninfo, ConnSettings settings)
    : conn_(c), conninfo_(std::move(conninfo)), settings_(settings) {
  PQsetNoticeReceiver(conn_, &Conn::on_notice, this);
}

Status Conn::failure(const pg_result* res) {
  Status s = failure_of(conn_, res);
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && stale_state(state)) stale_ = true;
  return s;
}

Status Conn::check_server() {
  PGresult* res = PQexec(conn_, "SELECT current_setting('server_encoding'), "
                                "current_setting('synchronous_standby_names')");
  if (res == nullptr || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
    Status s = failure(res);
    if (res != nullptr) PQclear(res);
    return s;
  }
  const std::string encoding = PQgetvalue(res, 0, 0), standbys = PQgetvalue(res, 0, 1);
  PQclear(res);
  if (encoding != "UTF8") {
    return Status("failed-precondition", "the PostgreSQL database's encoding is " + encoding +
                                             ", not UTF8 (create it WITH ENCODING 'UTF8')");
  }
  if (settings_.require_synchronous_standby && standbys.empty()) {
    stale_ = true;
    return Status("unavailable", "the PostgreSQL server has no synchronous standby configured "
                                 "(synchronous_standby_names is empty): its commits would be "
                                 "acknowledged without a standby");
  }
  return Status();
}

Conn::~Conn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<std::unique_ptr<Conn>> Conn::connect(const std::string& conninfo, ConnSettings settings) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (parsed == nullptr) {
    if (error != nullptr) PQfreemem(error);  // it may quote the conninfo, password included
    return Status("invalid-argument", "the PostgreSQL conninfo does not parse");
  }
  std::vector<std::string> keys, values;
  std::string options;
  bool keepalive_set = false, user_timeout_set = false;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    if (key == "options") {
      options = o->val;
      continue;
    }
    keepalive_set = keepalive_set || key.rfind("keepalives", 0) == 0;
    user_timeout_set = user_timeout_set || key == "tcp_user_timeout";
    keys.push_back(key);
    values.push_back(o->val);
  }
  PQconninfoFree(parsed);
  if (options.empty()) {
    if (const char* env = std::getenv("PGOPTIONS")) options = env;  // explicit options hide it
  }
  keys.push_back("options");
  values.push_back(options.empty() ? kPinnedOptions : options + " " + kPinnedOptions);
  if (!keepalive_set) {
    for (const auto& [k, v] : {std::pair{"keepalives", "1"}, {"keepalives_idle", "5"},
                               {"keepalives_interval", "2"}, {"keepalives_count", "3"}}) {
      keys.push_back(k);
      values.push_back(v);
    }
  }
  if (!user_timeout_set) {
    keys.push_back("tcp_user_timeout");
    values.push_back("10000");
  }
  std::vector<const char*> k, v;
  for (size_t i = 0; i < keys.size(); ++i) {
    k.push_back(keys[i].c_str());
    v.push_back(values[i].c_str());
  }
  k.push_back(nullptr);
  v.push_back(nullptr);
  PGconn* c = PQconnectdbParams(k.data(), v.data(), 0);
  if (c == nullptr) return Status("resource-exhausted", "libpq could not allocate a connection");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return Status("unavailable", "cannot connect to PostgreSQL: " + why);
  }
  std::unique_ptr<Conn> conn(new Conn(c, conninfo, settings));
  if (Status s = conn->check_server(); !s.ok()) return s;
  return conn;
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
      Status s = failure(prep);
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
  Status s = failure(res);
  if (res != nullptr) PQclear(res);
  return s;
}

Status Conn::exec_script(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  // An empty script (only comments: a placeholder migration) is PGRES_EMPTY_QUERY: nothing to do.
  Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
                 ? Status()
                 : failure(res);
  if (res != nullptr) PQclear(res);
  return s;
}

bool Conn::ok() const { return !stale_ && PQstatus(conn_) == CONNECTION_OK; }

Status Conn::reset() {
  prepared_.clear();  // prepared statements live as long as their session
  stale_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status("unavailable", "cannot reconnect to PostgreSQL: " + trimmed(PQerrorMessage(conn_)));
  }
  if (Status s = check_server(); !s.ok() || !setup_) return s;
  Status s = setup_(*this);
  if (!s.ok()) stale_ = true;
  return s;
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
