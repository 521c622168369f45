// The two HubStore implementations behind one interface for the contract tests: the same
// scenario runs on SqliteStore (a file in a temporary folder) and on PgStore (a fresh
// database of the process's private PostgreSQL server, pg_cluster.hpp).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "../store/support.hpp"
#include "pg_cluster.hpp"
#include "store/sqlite_store.hpp"
#include "store/hub_store.hpp"
#include "store_pg/pg_store.hpp"

namespace docaxis::store::testing {

class SqliteBackend {
 public:
  static constexpr const char* kName = "sqlite";
  static constexpr bool kSegments = true;  // package bytes in segment files (retention)
  // Empty: ready. Otherwise why the backend cannot run (the test skips).
  std::string prepare() { return ""; }
  Result<std::unique_ptr<HubStore>> open(const int64_t* clock) {
    auto s = SqliteStore::open(options_for(dir_.file("spool.db"), clock));
    if (!s) return s.status();
    return std::unique_ptr<HubStore>(std::move(*s));
  }

 private:
  TempDir dir_;
};

class PgBackend {
 public:
  static constexpr const char* kName = "postgresql";
  static constexpr bool kSegments = false;  // bytes in packages.bytes
  std::string prepare() {
    std::string why;
    cluster_ = shared_pg_cluster(&why);
    if (cluster_ == nullptr) return "PostgreSQL 15 not available: " + why;
    auto db = cluster_->create_database();
    if (!db) return "cannot create a database: " + db.status().to_string();
    db_ = *db;
    return "";
  }
  Result<std::unique_ptr<HubStore>> open(const int64_t* clock) {
    PgStoreOptions o;
    o.conninfo = cluster_->conninfo(db_);
    if (clock != nullptr) o.clock = [clock] { return *clock; };
    auto s = PgStore::open(std::move(o));
    if (!s) return s.status();
    return std::unique_ptr<HubStore>(std::move(*s));
  }
  PgCluster* cluster() { return cluster_; }
  const std::string& db() const { return db_; }

 private:
  PgCluster* cluster_ = nullptr;
  std::string db_;
};

}  // namespace docaxis::store::testing
