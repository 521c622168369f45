// A private PostgreSQL 15 server for tests: initdb in a temporary folder, `postgres` on
// 127.0.0.1 at a free port with its unix socket in that folder, stopped (immediate) and
// removed when the PgCluster goes. As root (initdb and postgres refuse to run as root) the
// folder is given to the `postgres` system user of Debian's package and every server program
// runs under `runuser -u postgres --`.
//
// Binaries: $DOCAXIS_PG_BIN, else /usr/lib/postgresql/15/bin. When they (or, as root, the
// postgres user) are missing, start() fails with code "missing" naming what is missing, and
// the tests GTEST_SKIP with that message (CI installs postgresql-15: there they run).
// libpq is used here to administer the server, as another program would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "temp_dir.hpp"

namespace docaxis::store::testing {

class PgCluster {
 public:
  struct Options {
    bool fsync = false;  // tests: off (speed); the benchmark turns it on
    std::string extra_conf;  // lines appended to postgresql.conf
  };
  static Result<std::unique_ptr<PgCluster>> start(Options options);
  static Result<std::unique_ptr<PgCluster>> start() { return start(Options{}); }
  ~PgCluster();

  // A fresh, empty database; its name.
  Result<std::string> create_database();
  std::string conninfo(const std::string& dbname) const;
  // Runs `sql` (no result wanted) on `dbname`; "" = the maintenance database.
  Status sql(const std::string& sql, const std::string& dbname = "");
  // The first column of the first row, as text ("" when none).
  Result<std::string> query(const std::string& sql, const std::string& dbname = "");

  // From now until the returned guard goes (null when the server refused): every commit waits
  // for a synchronous standby named 'nobody' that never connects. The guard resets the
  // setting, so later tests on the shared server never wait.
  struct StandbyReset {
    PgCluster* c;
    ~StandbyReset();
  };
  std::unique_ptr<StandbyReset> await_a_standby_that_never_comes();
  // Waits (up to 5 s) until backend `pid` waits for synchronous replication.
  bool wait_for_syncrep(int pid);

  // pg_ctl stop -m fast|immediate|smart, and start again (same port, same data).
  Status stop(const std::string& mode);
  Status start_again();
  int port() const { return port_; }

 private:
  PgCluster() : dir_("pg") {}
  Status run(const std::vector<std::string>& argv, const std::string& log_name);
  Status pg_ctl_start();

  ::docaxis::test::TempDir dir_;
  std::string bin_;
  bool as_postgres_ = false;
  std::string runuser_;
  int port_ = 0;
  int next_db_ = 0;
  bool running_ = false;
  Options options_;
};

// The process's shared cluster for tests (started on first use, stopped at exit); null with
// the reason in *why when it cannot start.
PgCluster* shared_pg_cluster(std::string* why);

}  // namespace docaxis::store::testing
