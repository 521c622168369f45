// ops_bench: what one /metrics scrape and the status page's store queries cost on a spool
// with a long history and many inboxes with a backlog (issue 16).
//
//   ops_bench [--history 10000,100000,1000000] [--inboxes 10,1000,10000] [--backlog 5]
//             [--history-inboxes 10000] [--runs 5] [--dir DIR]
//
// A store is created through SqliteStore (the real schema) with one real package; then, with
// plain SQLite and the store closed, its package and delivery rows are cloned (every column
// copied from the real row, ids, digests, recipients and states set per row) to make:
//   - history: packages with one delivery each, spread over --history-inboxes inboxes, 99 %
//     'delivered' and 1 % 'dead', their bytes held (not released by retention: the spool
//     usage's count of held packages walks them all, the costlier case);
//   - backlog: --backlog waiting deliveries (one package each) per inbox, in the first I of
//     --inboxes inboxes.
// For each history size (growing), for each I: the store is opened (no check on open) and each
// read is timed --runs times: render_metrics (the store's families only, as the hub renders
// them: pending_by_destination + usage), pending_by_destination, queue_by_destination (what
// the admin commands queue.list, peer.list and stats each run), usage, and the dead letters'
// count and first 50 (dlq.list). The backlog of one I is delivered (an UPDATE, attempt rows
// by the schema's triggers) before the next history size. Prints median and max in ms.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "server/hub_metrics.hpp"
#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

using namespace docaxis;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<long long> list_of(const std::string& text) {
  std::vector<long long> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::atoll(item.c_str()));
  return out;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sql failed: %s\n  %s\n", err != nullptr ? err : "?", sql.c_str());
    std::exit(1);
  }
}

long long scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  long long v = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}

std::vector<std::string> columns(sqlite3* db, const std::string& table) {
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, ("PRAGMA table_info(" + table + ")").c_str(), -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  }
  sqlite3_finalize(st);
  return out;
}

// INSERT INTO `table` (every column) SELECT the template row's values, with `set` replacing
// some columns by expressions of n (the CTE's counter, from ?1 to ?2).
std::string clone_sql(sqlite3* db, const std::string& table, const std::string& template_where,
                      const std::vector<std::pair<std::string, std::string>>& set) {
  std::string cols, exprs;
  for (const std::string& c : columns(db, table)) {
    std::string e = "t." + c;
    for (const auto& [name, expr] : set) {
      if (name == c) e = expr;
    }
    cols += (cols.empty() ? "" : ", ") + c;
    exprs += (exprs.empty() ? "" : ", ") + e;
  }
  return "WITH RECURSIVE c(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM c WHERE n < ?2) "
         "INSERT INTO " + table + " (" + cols + ") SELECT " + exprs + " FROM c, " + table +
         " AS t WHERE " + template_where;
}

void run_range(sqlite3* db, const std::string& sql, long long from, long long to) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "prepare: %s\n  %s\n", sqlite3_errmsg(db), sql.c_str());
    std::exit(1);
  }
  sqlite3_bind_int64(st, 1, from);
  sqlite3_bind_int64(st, 2, to);
  if (sqlite3_step(st) != SQLITE_DONE) {
    std::fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
  sqlite3_finalize(st);
}

// Rows n in [from, to]: package seq = delivery id = n. `recipient` and `state` are SQL of n.
void add_rows(sqlite3* db, long long from, long long to, const std::string& recipient,
              const std::string& state, const std::string& doc_prefix) {
  const std::string t0 = "(SELECT min(seq) FROM packages)";
  run_range(db, clone_sql(db, "packages", "t.seq = " + t0,
                          {{"seq", "n"}, {"document_id", "'" + doc_prefix + "-' || n"},
                           {"sha256_hex", "printf('%064d', n)"},
                           {"received_ms", "t.received_ms + n"}}),
            from, to);
  run_range(db, clone_sql(db, "deliveries", "t.id = (SELECT min(id) FROM deliveries)",
                          {{"id", "n"}, {"seq", "n"}, {"recipient", recipient}, {"state", state},
                           {"attempts", state == "'waiting'" ? "n % 2" : "1"},
                           {"next_attempt_ms", "t.created_ms + n"},
                           {"created_ms", "t.created_ms + n"}, {"updated_ms", "t.created_ms + n + 500"}}),
            from, to);
}

struct Timing {
  double median = 0, max = 0;
};

Timing time_it(int runs, const std::function<bool()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    if (!fn()) {
      std::fprintf(stderr, "a timed read failed\n");
      std::exit(1);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long long> histories = {10'000, 100'000, 1'000'000};
  std::vector<long long> inbox_counts = {10, 1000, 10'000};
  long long backlog = 5, history_inboxes = 10'000;
  int runs = 5;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const std::string v = i + 1 < argc ? argv[i + 1] : "";
    ++i;
    if (k == "--history") histories = list_of(v);
    else if (k == "--inboxes") inbox_counts = list_of(v);
    else if (k == "--backlog") backlog = std::atoll(v.c_str());
    else if (k == "--history-inboxes") history_inboxes = std::atoll(v.c_str());
    else if (k == "--runs") runs = std::atoi(v.c_str());
    else if (k == "--dir") dir = v;
    else {
      std::fprintf(stderr, "usage: ops_bench [--history N,N..] [--inboxes N,N..] [--backlog N] "
                           "[--history-inboxes N] [--runs N] [--dir DIR]\n");
      return 2;
    }
  }
  std::sort(histories.begin(), histories.end());
  std::sort(inbox_counts.begin(), inbox_counts.end());
  if (runs < 1 || backlog < 1 || history_inboxes < 1 || histories.empty() || inbox_counts.empty()) return 2;
  std::unique_ptr<test::TempDir> temp;
  if (dir.empty()) {
    temp = std::make_unique<test::TempDir>("ops-bench");
    dir = temp->path().string();
  }
  const std::string path = dir + "/ops.db";
  store::SqliteStoreOptions o;
  o.path = path;
  o.check_on_open = store::OpenCheck::kNone;
  o.clock = wall_ms;
  {  // the template rows, written by the store itself
    auto s = store::SqliteStore::open(o);
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().to_string().c_str());
      return 1;
    }
    store::StoredPackage p;
    p.message_type = "edoc";
    p.sender = "000.00.01.H01";
    p.document_id = "template";
    p.bytes = std::string(12'800, 'x');
    p.sha256_hex = std::string(64, 'a');
    p.received_ms = wall_ms();
    p.from_endpoint = "bench";
    auto r = (*s)->ingest(std::move(p), {store::DeliverySpec{"inbox-template", std::string(store::kLocalHop)}});
    if (!r.ok()) {
      std::fprintf(stderr, "ingest: %s\n", r.status().to_string().c_str());
      return 1;
    }
  }
  std::printf("ops_bench: history spread over %lld inboxes (99%% delivered, 1%% dead, bytes held), "
              "%d runs per read, spool %s\n", history_inboxes, runs, path.c_str());
  std::printf("%9s %7s %8s | %-16s %-16s %-16s %-16s %-16s\n", "history", "inboxes", "waiting",
              "render_metrics", "pending_by_dest", "queue_by_dest", "usage", "dlq count+50");
  std::printf("%9s %7s %8s | %-16s %-16s %-16s %-16s %-16s\n", "", "backlog", "", "median/max ms",
              "median/max ms", "median/max ms", "median/max ms", "median/max ms");
  long long next = 1'000;  // row ids past the template
  long long filled = 0;
  for (long long h : histories) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; BEGIN");
    // Earlier backlogs are delivered (the triggers write their attempt rows) and count as history.
    exec(db, "UPDATE deliveries SET state = 'delivered' WHERE state = 'waiting'");
    if (h > filled) {
      const std::string recipient = "'inbox-' || (n % " + std::to_string(history_inboxes) + ")";
      add_rows(db, next, next + (h - filled) - 1, recipient,
               "CASE WHEN n % 100 = 0 THEN 'dead' ELSE 'delivered' END", "h");
      next += h - filled;
      filled = h;
    }
    exec(db, "COMMIT");
    long long with_backlog = 0;
    for (long long inboxes : inbox_counts) {
      exec(db, "BEGIN");
      // Inboxes [with_backlog, inboxes) get their backlog: `backlog` waiting deliveries each.
      const long long rows = (inboxes - with_backlog) * backlog;
      if (rows > 0) {
        add_rows(db, next, next + rows - 1,
                 "'inbox-' || (" + std::to_string(with_backlog) + " + (n - " + std::to_string(next) +
                     ") % " + std::to_string(inboxes - with_backlog) + ")",
                 "'waiting'", "b");
        next += rows;
      }
      with_backlog = inboxes;
      exec(db, "COMMIT");
      exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
      const long long total = scalar(db, "SELECT count(*) FROM deliveries");
      const long long waiting = scalar(db, "SELECT count(*) FROM deliveries WHERE state = 'waiting'");
      auto opened = store::SqliteStore::open(o);
      if (!opened.ok()) {
        std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
        return 1;
      }
      store::SqliteStore& st = **opened;
      server::MetricsSources src;
      src.hub_name = "bench";
      src.store = &st;
      src.clock_ms = wall_ms;
      std::size_t bytes = 0;
      const Timing metrics = time_it(runs, [&] { bytes = server::render_metrics(src).size(); return bytes > 0; });
      const Timing pending = time_it(runs, [&] { return st.pending_by_destination().ok(); });
      const Timing queue = time_it(runs, [&] { return st.queue_by_destination().ok(); });
      const Timing usage = time_it(runs, [&] { return st.usage().ok(); });
      const Timing dlq = time_it(runs, [&] {
        store::DeliveryFilter f;
        f.states = {store::DeliveryState::kDead};
        f.limit = 50;
        return st.count_deliveries(f).ok() && st.find_deliveries(f).ok();
      });
      std::printf("%9lld %7lld %8lld | %7.1f/%-8.1f %7.1f/%-8.1f %7.1f/%-8.1f %7.1f/%-8.1f %7.1f/%-8.1f  "
                  "(%lld deliveries, metrics text %zu bytes)\n",
                  total - waiting, inboxes, waiting, metrics.median, metrics.max, pending.median,
                  pending.max, queue.median, queue.max, usage.median, usage.max, dlq.median, dlq.max,
                  total, bytes);
      std::fflush(stdout);
    }
    sqlite3_close(db);
  }
  return 0;
}
