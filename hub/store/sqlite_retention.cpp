// SqliteStore's RetentionStore (retention.hpp): releasing bytes, deleting sealed segments.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <string>
#include <utility>
#include <vector>

#include "store/segment_log.hpp"
#include "store/sqlite_rows.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::store {
namespace {

uint64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// A read-only connection of retention's own, for walks as long as the spool: neither the
// writer nor the shared read connection waits for them.
Result<std::unique_ptr<sqlite::Db>> open_side_reader(const std::string& path) {
  auto db = sqlite::Db::open(path);
  if (!db) return db.status();
  if (Status s = (*db)->exec("PRAGMA query_only = 1; PRAGMA busy_timeout = 5000"); !s.ok()) return s;
  return db;
}

// fdatasync of a file that may not exist (a WAL cut by a checkpoint).
Status sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status();
    return Status("unavailable", "cannot open " + path + ": " + std::strerror(err));
  }
  const int rc = ::fdatasync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status("unavailable", "cannot sync " + path + ": " + std::strerror(err));
  return Status();
}

}  // namespace

Result<RetentionPass> SqliteStore::release_expired(const RetentionPolicy& policy,
                                                   int64_t now_ms) {
  RetentionPass pass;
  if (!policy.any() || policy.batch == 0) return pass;
  // 1. The candidates, read on a connection of their own: the scan may walk past many held
  //    packages that are not due yet (a delivery still waiting), and neither the writer
  //    (ingest waits behind it) nor the shared read connection (polls wait) should pay for it.
  //    Received before the cutoff (a delivery cannot end before its package arrived), every
  //    delivery final and unchanged since before the cutoff. A receipt stored without a
  //    delivery (read by polling) ages from its arrival.
  struct Candidate {
    int64_t seq;
    int64_t cutoff;
    uint64_t size;
  };
  std::vector<Candidate> candidates;
  {
    auto db = open_side_reader(options_.path);
    if (!db) return db.status();
    auto find = (*db)->prepare(
        "SELECT p.seq, p.size FROM packages p INDEXED BY packages_held "
        "WHERE p.released_ms IS NULL AND p.message_type = ?1 AND p.received_ms < ?2 "
        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = p.seq AND "
        "(d.state IN ('waiting', 'in_flight') OR d.updated_ms >= ?2)) "
        "ORDER BY p.received_ms LIMIT ?3");
    if (!find) return find.status();
    const std::pair<const char*, int64_t> ages[] = {
        {"edoc", policy.edoc_ms}, {"status", policy.status_ms}, {"receipt", policy.receipt_ms}};
    for (const auto& [type, age] : ages) {
      if (age <= 0) continue;
      const int64_t cutoff = now_ms - age;
      find->reset();
      find->bind(1, std::string_view(type)).bind(2, cutoff);  // a literal: static
      find->bind(3, static_cast<int64_t>(policy.batch));
      uint32_t found = 0;
      Status rows = each_row(*find, [&] {
        candidates.push_back({find->int_at(0), cutoff, static_cast<uint64_t>(find->int_at(1))});
        ++found;
        return Status();
      });
      if (!rows.ok()) return rows;
      pass.full = pass.full || found >= policy.batch;
    }
  }
  if (candidates.empty()) return pass;
  // 2. The release, on the writer: each candidate checked again in the transaction (an
  //    operator may have retried one of its deliveries since), so a package with a delivery
  //    waiting or in flight is never released.
  Status s = write([&](sqlite::Db& db) -> Status {
    pass.packages = 0;
    pass.bytes = 0;
    auto release = db.prepare(
        "UPDATE packages SET released_ms = ?2, bytes = x'' WHERE seq = ?1 AND released_ms IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = ?1 AND "
        "(d.state IN ('waiting', 'in_flight') OR d.updated_ms >= ?3))");
    if (!release) return release.status();
    for (const Candidate& c : candidates) {
      release->bind(1, c.seq).bind(2, now_ms).bind(3, c.cutoff);
      if (Status r = release->run(); !r.ok()) return r;
      if (db.changes() == 1) {
        ++pass.packages;
        pass.bytes += c.size;
      }
    }
    if (pass.packages == 0) return Status();
    auto totals = db.prepare(
        "UPDATE retention_totals SET released_packages = released_packages + ?1, "
        "released_bytes = released_bytes + ?2, last_release_ms = ?3 WHERE id = 1");
    if (!totals) return totals.status();
    totals->bind(1, static_cast<int64_t>(pass.packages));
    totals->bind(2, static_cast<int64_t>(pass.bytes)).bind(3, now_ms);
    return totals->run();
  });
  if (!s.ok()) return s;
  return pass;
}

Result<SegmentReclaim> SqliteStore::reclaim_segments() {
  // Chosen on the writer thread, inside its transaction: below the segment appends go to
  // (sealed), and with no unreleased row, this batch's uncommitted ones included. Deleted only
  // after that batch committed (write() returns then): no row that may be read refers to them.
  std::vector<std::pair<int64_t, uint64_t>> doomed;
  Status chosen = write([&](sqlite::Db& db) -> Status {
    doomed.clear();
    const int64_t current = segments_->current_segment();
    auto on_disk = segments_->list();
    if (!on_disk) return on_disk.status();
    auto held = db.prepare(
        "SELECT 1 FROM packages INDEXED BY packages_held_by_segment "
        "WHERE segment = ?1 AND released_ms IS NULL AND segment IS NOT NULL LIMIT 1");
    if (!held) return held.status();
    for (const auto& [segment, size] : *on_disk) {
      if (segment >= current) break;
      held->bind(1, static_cast<int64_t>(segment));
      auto row = held->step();
      if (!row) return row.status();
      const bool in_use = *row;
      held->reset();
      if (!in_use) doomed.emplace_back(segment, size);
    }
    return Status();
  });
  if (!chosen.ok()) return chosen;
  SegmentReclaim out;
  if (doomed.empty()) return out;
  // The releases must be on disk before any file goes: with fsync "normal" a commit is not
  // synced, and a power loss could bring back held rows whose segment was deleted. The WAL
  // holds every commit not yet checkpointed, the database the rest.
  for (const std::string& file : {options_.path + "-wal", options_.path}) {
    if (Status synced = sync_file(file); !synced.ok()) return synced;
  }
  Status failed;
  for (const auto& [segment, size] : doomed) {
    auto removed = segments_->remove(segment);
    if (!removed.ok()) {
      failed = removed.status();  // the next pass tries again
      break;
    }
    if (!*removed) continue;  // already gone (deleted before a crash): not counted twice
    ++out.segments;
    out.bytes += size;
  }
  if (out.segments > 0) {
    Status counted = write([&](sqlite::Db& db) -> Status {
      auto totals = db.prepare(
          "UPDATE retention_totals SET segments_removed = segments_removed + ?1, "
          "segment_bytes_freed = segment_bytes_freed + ?2 WHERE id = 1");
      if (!totals) return totals.status();
      totals->bind(1, static_cast<int64_t>(out.segments)).bind(2, static_cast<int64_t>(out.bytes));
      return totals->run();
    });
    if (failed.ok()) failed = counted;
  }
  if (!failed.ok()) return failed;
  return out;
}

Result<SpoolUsage> SqliteStore::usage() {
  SpoolUsage u;
  u.database_bytes = file_bytes(options_.path);
  u.wal_bytes = file_bytes(options_.path + "-wal");
  auto on_disk = segments_->list();
  if (!on_disk) return on_disk.status();
  for (const auto& entry : *on_disk) {
    ++u.segments;
    u.segment_bytes += entry.second;
  }
  // Its own connection: counting the held packages walks an index as long as the spool, and
  // the shared read connection (polls, deliveries) would wait for it.
  auto db = open_side_reader(options_.path);
  if (!db) return db.status();
  auto totals = (*db)->prepare(
      "SELECT released_packages, released_bytes, segments_removed, segment_bytes_freed, "
      "last_release_ms, (SELECT count(*) FROM packages WHERE released_ms IS NULL) "
      "FROM retention_totals WHERE id = 1");
  if (!totals) return totals.status();
  auto row = totals->step();
  if (!row) return row.status();
  if (*row) {
    u.released_packages = static_cast<uint64_t>(totals->int_at(0));
    u.released_bytes = static_cast<uint64_t>(totals->int_at(1));
    u.segments_removed = static_cast<uint64_t>(totals->int_at(2));
    u.segment_bytes_freed = static_cast<uint64_t>(totals->int_at(3));
    u.last_release_ms = totals->int_at(4);
    u.held_packages = static_cast<uint64_t>(totals->int_at(5));
  }
  return u;
}

}  // namespace docaxis::store
