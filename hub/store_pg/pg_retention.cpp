// PgStore's RetentionStore (store/retention.hpp). The bytes live in packages.bytes: releasing
// a package sets released_ms and bytes = NULL in its row (the TOAST space is reused after
// autovacuum; the files do not shrink without VACUUM FULL). There are no segment files, so
// reclaim_segments deletes nothing and answers zeros.
#include <string>
#include <utility>
#include <vector>

#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_store.hpp"

namespace docaxis::store {

using pg::num;
using pg::text;

Status PgStore::side_read(const std::function<Status(pg::Conn&)>& fn) {
  auto conn = pg::Conn::connect(options_.conninfo, {options_.require_synchronous_standby});
  if (!conn) return conn.status();
  return fn(**conn);
}

Result<RetentionPass> PgStore::release_expired(const RetentionPolicy& policy, int64_t now_ms) {
  RetentionPass pass;
  if (!policy.any() || policy.batch == 0) return pass;
  // 1. The candidates, on a connection of this call's own (the scan may walk past many held
  //    packages not due yet; neither the writer nor the shared read connection waits for it):
  //    received before the cutoff, every delivery final and unchanged since before it. A
  //    receipt stored without a delivery (read by polling) ages from its arrival.
  struct Candidate {
    int64_t seq;
    int64_t cutoff;
    uint64_t size;
  };
  std::vector<Candidate> candidates;
  Status found = side_read([&](pg::Conn& c) -> Status {
    const std::pair<const char*, int64_t> ages[] = {
        {"edoc", policy.edoc_ms}, {"status", policy.status_ms}, {"receipt", policy.receipt_ms}};
    for (const auto& [type, age] : ages) {
      if (age <= 0) continue;
      const int64_t cutoff = now_ms - age;
      auto rows = c.exec(
          "SELECT p.seq, p.size FROM packages p WHERE p.released_ms IS NULL "
          "AND p.message_type = $1 AND p.received_ms < $2 "
          "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = p.seq AND "
          "(d.state IN ('waiting', 'in_flight') OR d.updated_ms >= $2)) "
          "ORDER BY p.received_ms, p.seq LIMIT $3",
          {text(type), num(cutoff), num(policy.batch)});
      if (!rows) return rows.status();
      for (int i = 0; i < rows->size(); ++i) {
        candidates.push_back({rows->int_at(i, 0), cutoff, static_cast<uint64_t>(rows->int_at(i, 1))});
      }
      pass.full = pass.full || static_cast<uint32_t>(rows->size()) >= policy.batch;
    }
    return Status();
  });
  if (!found.ok()) return found;
  if (candidates.empty()) return pass;
  // 2. The release, on the writer, each candidate checked again. The package row is locked
  //    first, by a statement of its own: an operator's retry (retry_now locks the package
  //    row too) has then committed, and the check below, a new statement with a new
  //    snapshot, sees its fresh waiting delivery. So a package with a delivery waiting or in
  //    flight is never released, even with several nodes.
  Status s = write([&](pg::Conn& c) -> Status {
    pass.packages = 0;
    pass.bytes = 0;
    for (const Candidate& cand : candidates) {
      auto locked = c.exec(
          "SELECT 1 FROM packages WHERE seq = $1 AND released_ms IS NULL FOR UPDATE",
          {num(cand.seq)});
      if (!locked) return locked.status();
      if (locked->size() == 0) continue;  // released or purged meanwhile
      auto released = c.exec(
          "UPDATE packages SET released_ms = $2, bytes = NULL WHERE seq = $1 "
          "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = $1 AND "
          "(d.state IN ('waiting', 'in_flight') OR d.updated_ms >= $3))",
          {num(cand.seq), num(now_ms), num(cand.cutoff)});
      if (!released) return released.status();
      if (released->affected() == 1) {
        ++pass.packages;
        pass.bytes += cand.size;
      }
    }
    if (pass.packages == 0) return Status();
    return c.exec(
                "UPDATE retention_totals SET released_packages = released_packages + $1, "
                "released_bytes = released_bytes + $2, last_release_ms = $3 WHERE id = 1",
                {num(static_cast<int64_t>(pass.packages)), num(static_cast<int64_t>(pass.bytes)),
                 num(now_ms)})
        .status();
  });
  if (!s.ok()) return s;
  return pass;
}

Result<SegmentReclaim> PgStore::reclaim_segments() { return SegmentReclaim{}; }

Result<SpoolUsage> PgStore::usage() {
  // database_bytes: pg_database_size of the store's database (every table, index and TOAST,
  // the free space autovacuum keeps for reuse included). The WAL is the server's, shared by
  // every database of the cluster, and there are no segment files: those fields stay 0.
  SpoolUsage u;
  Status s = side_read([&](pg::Conn& c) -> Status {
    auto rows = c.exec(
        "SELECT pg_database_size(current_database()), released_packages, released_bytes, "
        "last_release_ms, (SELECT count(*) FROM packages WHERE released_ms IS NULL) "
        "FROM retention_totals WHERE id = 1");
    if (!rows) return rows.status();
    if (rows->size() != 1) return Status("data-loss", "retention_totals has no row");
    u.database_bytes = static_cast<uint64_t>(rows->int_at(0, 0));
    u.released_packages = static_cast<uint64_t>(rows->int_at(0, 1));
    u.released_bytes = static_cast<uint64_t>(rows->int_at(0, 2));
    u.last_release_ms = rows->int_at(0, 3);
    u.held_packages = static_cast<uint64_t>(rows->int_at(0, 4));
    return Status();
  });
  if (!s.ok()) return s;
  return u;
}

}  // namespace docaxis::store
