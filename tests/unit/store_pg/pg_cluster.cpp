#include "pg_cluster.hpp"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace docaxis::store::testing {
namespace fs = std::filesystem;
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

Result<std::unique_ptr<PgCluster>> PgCluster::start(Options options) {
  const char* env = std::getenv("DOCAXIS_PG_BIN");
  const std::string bin = env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
  for (const char* tool : {"initdb", "postgres", "pg_ctl"}) {
    if (::access((bin + "/" + tool).c_str(), X_OK) != 0) {
      return Status("missing", bin + "/" + tool + " is missing (install postgresql-15, or set "
                               "DOCAXIS_PG_BIN)");
    }
  }
  std::unique_ptr<PgCluster> c(new PgCluster());
  c->bin_ = bin;
  c->options_ = std::move(options);
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      return Status("missing", "running as root and there is no `postgres` user to run the "
                               "server as (install postgresql-15)");
    }
    for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
      if (::access(path, X_OK) == 0) c->runuser_ = path;
    }
    if (c->runuser_.empty()) return Status("missing", "running as root and runuser is missing");
    if (::chown(c->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status("internal", "cannot chown " + c->dir_.string() + " to postgres");
    }
    c->as_postgres_ = true;
  }
  if (Status s = c->run({bin + "/initdb", "-D", c->dir_.file("data"), "-U", "docaxis",
                         "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"},
                        "initdb.log");
      !s.ok()) {
    return s;
  }
  std::ofstream conf(c->dir_.file("data/postgresql.conf"), std::ios::app);
  conf << "listen_addresses = '127.0.0.1'\nunix_socket_directories = '" << c->dir_.string()
       << "'\nfsync = " << (c->options_.fsync ? "on" : "off")
       << "\nmax_connections = 40\nlog_min_messages = warning\n"
       << c->options_.extra_conf << "\n";
  conf.close();
  c->port_ = free_port();
  if (Status s = c->pg_ctl_start(); !s.ok()) return s;
  return c;
}

PgCluster::~PgCluster() {
  if (running_) (void)stop("immediate");
}

Status PgCluster::run(const std::vector<std::string>& argv, const std::string& log_name) {
  std::vector<std::string> full;
  if (as_postgres_) full = {runuser_, "-u", "postgres", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  const std::string log = dir_.file(log_name);
  pid_t pid = ::fork();
  if (pid < 0) return Status("internal", "fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (auto& a : full) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status();
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 2000) text = text.substr(text.size() - 2000);
  return Status("internal", argv[0] + " failed: " + text);
}

Status PgCluster::pg_ctl_start() {
  Status s = run({bin_ + "/pg_ctl", "-D", dir_.file("data"), "-l", dir_.file("server.log"), "-w",
                  "-t", "60", "-o", "-p " + std::to_string(port_), "start"},
                 "pg_ctl.log");
  running_ = s.ok();
  return s;
}

Status PgCluster::stop(const std::string& mode) {
  Status s = run({bin_ + "/pg_ctl", "-D", dir_.file("data"), "-m", mode, "-w", "stop"},
                 "pg_ctl.log");
  if (s.ok()) running_ = false;
  return s;
}

Status PgCluster::start_again() { return pg_ctl_start(); }

std::string PgCluster::conninfo(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=docaxis dbname=" +
         (dbname.empty() ? "postgres" : dbname) + " connect_timeout=5";
}

Result<std::string> PgCluster::query(const std::string& sql, const std::string& dbname) {
  PGconn* conn = PQconnectdb(conninfo(dbname).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return Status("unavailable", why);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const auto st = PQresultStatus(res);
  Result<std::string> out = Status("internal", sql + ": " + PQresultErrorMessage(res));
  if (st == PGRES_COMMAND_OK) out = std::string();
  if (st == PGRES_TUPLES_OK) {
    out = PQntuples(res) > 0 && PQnfields(res) > 0 ? std::string(PQgetvalue(res, 0, 0))
                                                   : std::string();
  }
  PQclear(res);
  PQfinish(conn);
  return out;
}

Status PgCluster::sql(const std::string& sql, const std::string& dbname) {
  return query(sql, dbname).status();
}

PgCluster::StandbyReset::~StandbyReset() {
  (void)c->sql("ALTER SYSTEM RESET synchronous_standby_names");
  (void)c->sql("SELECT pg_reload_conf()");
}

std::unique_ptr<PgCluster::StandbyReset> PgCluster::await_a_standby_that_never_comes() {
  auto reset = std::make_unique<StandbyReset>(StandbyReset{this});
  if (!sql("ALTER SYSTEM SET synchronous_standby_names = 'nobody'").ok() ||
      !sql("SELECT pg_reload_conf()").ok()) {
    return nullptr;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return reset;
}

bool PgCluster::wait_for_syncrep(int pid) {
  for (int i = 0; i < 500; ++i) {
    auto r = query("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid) +
                   " AND wait_event = 'SyncRep'");
    if (r.ok() && *r == "1") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

Result<std::string> PgCluster::create_database() {
  const std::string name = "t" + std::to_string(++next_db_);
  if (Status s = sql("CREATE DATABASE " + name); !s.ok()) return s;
  return name;
}

PgCluster* shared_pg_cluster(std::string* why) {
  static std::once_flag once;
  static std::unique_ptr<PgCluster> cluster;
  static std::string reason;
  std::call_once(once, [] {
    auto c = PgCluster::start();
    if (c) {
      cluster = std::move(*c);
    } else {
      reason = c.status().to_string();
    }
  });
  if (why != nullptr) *why = reason;
  return cluster.get();
}

}  // namespace docaxis::store::testing
