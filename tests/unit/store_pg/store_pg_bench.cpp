// store_pg_bench: ingest throughput of PgStore against SqliteStore in the same run
// (BENCHMARKS.md, "PostgreSQL store"). Each run ingests --packages packages of --size
// random bytes, one recipient each, keeping --window ingests outstanding (ingest_async, as
// the AMQP layer does), into a fresh store: SqliteStore (fsync full) in a temporary folder,
// PgStore in a fresh database of a private PostgreSQL 15 server started here (fsync on,
// synchronous_commit on, no standby). The two alternate, --runs times each; the median
// packages/s of each is printed.
//   store_pg_bench [--packages 3000] [--size 12800] [--window 256] [--runs 5]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../store/support.hpp"
#include "pg_cluster.hpp"
#include "store/sqlite_store.hpp"
#include "store_pg/pg_store.hpp"

using namespace docaxis::store;
using namespace docaxis::store::testing;

namespace {

double run_ingest(Store& store, int packages, size_t size, int window, const std::string& tag) {
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0, failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < packages; ++i) {
    StoredPackage p = make_package("000.00.00.A01", tag + "-" + std::to_string(i),
                                   binary_bytes(tag + std::to_string(i), size));
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return outstanding < window; });
      ++outstanding;
    }
    store.ingest_async(std::move(p), {{"000.00.00.B01", "hub-b", 0}},
                       [&](docaxis::Result<IngestOutcome> r) {
                         std::lock_guard lock(mu);
                         if (!r.ok()) ++failures;
                         --outstanding;
                         cv.notify_all();
                       });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return outstanding == 0; });
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failures != 0) std::fprintf(stderr, "%s: %d ingests failed\n", tag.c_str(), failures);
  return packages / secs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int packages = 3000, window = 256, runs = 5;
  size_t size = 12800;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const long v = std::strtol(argv[i + 1], nullptr, 10);
    if (a == "--packages") packages = static_cast<int>(v);
    else if (a == "--size") size = static_cast<size_t>(v);
    else if (a == "--window") window = static_cast<int>(v);
    else if (a == "--runs") runs = static_cast<int>(v);
  }
  PgCluster::Options opts;
  opts.fsync = true;
  opts.extra_conf = "synchronous_commit = on\nshared_buffers = 256MB\nmax_wal_size = 2GB\n";
  auto cluster = PgCluster::start(opts);
  if (!cluster) {
    std::fprintf(stderr, "no PostgreSQL: %s\n", cluster.status().to_string().c_str());
    return 1;
  }
  std::vector<double> sqlite_rates, pg_rates;
  for (int r = 0; r < runs; ++r) {
    {
      TempDir dir;
      auto s = SqliteStore::open(options_for(dir.file("spool.db")));
      if (!s) return std::fprintf(stderr, "%s\n", s.status().to_string().c_str()), 1;
      sqlite_rates.push_back(run_ingest(**s, packages, size, window, "s" + std::to_string(r)));
    }
    {
      auto db = (*cluster)->create_database();
      if (!db) return std::fprintf(stderr, "%s\n", db.status().to_string().c_str()), 1;
      PgStoreOptions o;
      o.conninfo = (*cluster)->conninfo(*db);
      auto s = PgStore::open(o);
      if (!s) return std::fprintf(stderr, "%s\n", s.status().to_string().c_str()), 1;
      pg_rates.push_back(run_ingest(**s, packages, size, window, "p" + std::to_string(r)));
      std::printf("  postgresql: %llu commits (mean batch %.1f)\n",
                  static_cast<unsigned long long>((*s)->commits()),
                  packages / static_cast<double>(std::max<uint64_t>(1, (*s)->commits())));
    }
    std::printf("run %d: sqlite %.0f packages/s, postgresql %.0f packages/s\n", r + 1,
                sqlite_rates.back(), pg_rates.back());
    std::fflush(stdout);
  }
  std::printf("median of %d runs (%d packages of %zu bytes, window %d): sqlite %.0f/s, "
              "postgresql %.0f/s\n",
              runs, packages, size, window, median(sqlite_rates), median(pg_rates));
  return 0;
}
