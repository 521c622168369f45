// SqliteStore: the delivery queue (claims, transitions, the sweeper), its reads, and purge.
#include <algorithm>
#include <utility>

#include "store/sqlite_db.hpp"
#include "store/sqlite_rows.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::store {
namespace {

Result<std::vector<Delivery>> read_all(sqlite::Stmt& stmt) {
  std::vector<Delivery> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.status();
    if (!*row) return out;
    auto d = read_delivery(stmt);
    if (!d) return d.status();
    out.push_back(std::move(*d));
  }
}

}  // namespace

Result<std::vector<Delivery>> SqliteStore::claim_due(const std::string& next_hop,
                                                     int64_t now, uint32_t limit) {
  std::vector<Delivery> claimed;
  Status s = write([&](sqlite::Db& db) -> Status {
    auto stmt = db.prepare(
        "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, updated_ms = ?2 "
        "WHERE id IN (SELECT id FROM deliveries WHERE next_hop = ?1 AND state = 'waiting' "
        "AND next_attempt_ms <= ?2 ORDER BY next_attempt_ms, id LIMIT ?3) "
        "RETURNING " DOCAXIS_DELIVERY_COLUMNS);
    if (!stmt) return stmt.status();
    stmt->bind(1, next_hop).bind(2, now).bind(3, static_cast<int64_t>(limit));
    auto rows = read_all(*stmt);
    if (!rows) return rows.status();
    claimed = std::move(*rows);
    return Status();
  });
  if (!s.ok()) return s;
  // RETURNING yields rows in no defined order.
  std::sort(claimed.begin(), claimed.end(), [](const Delivery& a, const Delivery& b) {
    return std::pair(a.next_attempt_ms, a.id) < std::pair(b.next_attempt_ms, b.id);
  });
  return claimed;
}

Result<Delivery> SqliteStore::transition(uint64_t id, const char* verb,
                                         const char* allowed_from_sql, DeliveryState to,
                                         std::optional<int64_t> next_attempt_ms,
                                         std::optional<std::string> error) {
  const std::string sql =
      std::string("UPDATE deliveries SET state = ?2, updated_ms = ?3, ") +
      "next_attempt_ms = coalesce(?4, next_attempt_ms), last_error = coalesce(?5, last_error) "
      "WHERE id = ?1 AND state IN (" + allowed_from_sql + ") RETURNING " +
      DOCAXIS_DELIVERY_COLUMNS;
  const int64_t now = now_ms();
  std::optional<Delivery> out;
  Status s = write([&](sqlite::Db& db) -> Status {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.status();
    stmt->bind(1, static_cast<int64_t>(id)).bind(2, to_string(to)).bind(3, now);
    next_attempt_ms ? stmt->bind(4, *next_attempt_ms) : stmt->bind_null(4);
    error ? stmt->bind(5, *error) : stmt->bind_null(5);
    auto row = stmt->step();
    if (!row) return row.status();
    if (*row) {
      auto d = read_delivery(*stmt);
      if (!d) return d.status();
      out = std::move(*d);
      return Status();
    }
    auto state = db.prepare("SELECT state FROM deliveries WHERE id = ?1");
    if (!state) return state.status();
    state->bind(1, static_cast<int64_t>(id));
    auto found = state->step();
    if (!found) return found.status();
    if (!*found) return Status("not-found", "no delivery with id " + std::to_string(id));
    return Status("failed-precondition", "delivery " + std::to_string(id) + " is " +
                                             state->text_at(0) + ": cannot " + verb);
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

Result<Delivery> SqliteStore::mark_delivered(uint64_t id) {
  return transition(id, "mark it delivered", "'waiting', 'in_flight', 'delivered'",
                    DeliveryState::kDelivered, std::nullopt, std::nullopt);
}

Result<Delivery> SqliteStore::mark_refused(uint64_t id, const std::string& reason) {
  return transition(id, "mark it refused", "'waiting', 'in_flight'", DeliveryState::kRefused,
                    std::nullopt, reason);
}

Result<Delivery> SqliteStore::schedule_retry(uint64_t id, int64_t next_attempt_ms,
                                             const std::string& error) {
  return transition(id, "schedule a retry", "'in_flight'", DeliveryState::kWaiting,
                    next_attempt_ms, error);
}

Result<Delivery> SqliteStore::mark_dead(uint64_t id, const std::string& reason) {
  return transition(id, "mark it dead", "'waiting', 'in_flight'", DeliveryState::kDead,
                    std::nullopt, reason);
}

Result<uint64_t> SqliteStore::recover_in_flight(int64_t updated_before_ms) {
  const int64_t now = now_ms();
  uint64_t recovered = 0;
  Status s = write([&](sqlite::Db& db) -> Status {
    auto stmt = db.prepare(
        "UPDATE deliveries SET state = 'waiting', next_attempt_ms = ?2, updated_ms = ?2, "
        "last_error = 'recovered: in flight without outcome since ' || updated_ms "
        "WHERE state = 'in_flight' AND updated_ms < ?1");
    if (!stmt) return stmt.status();
    stmt->bind(1, updated_before_ms).bind(2, now);
    if (Status r = stmt->run(); !r.ok()) return r;
    recovered = static_cast<uint64_t>(db.changes());
    return Status();
  });
  if (!s.ok()) return s;
  return recovered;
}

Result<std::vector<Delivery>> SqliteStore::deliveries_of(uint64_t seq) {
  std::lock_guard lock(read_mu_);
  auto exists = reader_->prepare("SELECT 1 FROM packages WHERE seq = ?1");
  if (!exists) return exists.status();
  exists->bind(1, static_cast<int64_t>(seq));
  auto found = exists->step();
  if (!found) return found.status();
  if (!*found) return Status("not-found", "no package with seq " + std::to_string(seq));
  auto stmt = reader_->prepare("SELECT " DOCAXIS_DELIVERY_COLUMNS
                               " FROM deliveries WHERE seq = ?1 ORDER BY id");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(seq));
  return read_all(*stmt);
}

Result<Delivery> SqliteStore::load_delivery(uint64_t id) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare("SELECT " DOCAXIS_DELIVERY_COLUMNS
                               " FROM deliveries WHERE id = ?1");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(id));
  auto rows = read_all(*stmt);
  if (!rows) return rows.status();
  if (rows->empty()) return Status("not-found", "no delivery with id " + std::to_string(id));
  return std::move(rows->front());
}

Result<std::vector<HopQueueStats>> SqliteStore::queue_stats() {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(
      "SELECT next_hop, "
      "  sum(state = 'waiting' AND attempts = 0), sum(state = 'waiting' AND attempts > 0), "
      "  sum(state = 'in_flight'), sum(state = 'delivered'), sum(state = 'refused'), "
      "  sum(state = 'dead'), "
      "  min(CASE WHEN state IN ('waiting', 'in_flight') THEN created_ms END), "
      "  min(CASE WHEN state = 'waiting' THEN next_attempt_ms END) "
      "FROM deliveries GROUP BY next_hop ORDER BY next_hop");
  if (!stmt) return stmt.status();
  std::vector<HopQueueStats> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return out;
    HopQueueStats h;
    h.next_hop = stmt->text_at(0);
    uint64_t* counts[] = {&h.waiting, &h.retrying, &h.in_flight, &h.delivered, &h.refused,
                          &h.dead};
    for (int i = 0; i < 6; ++i) *counts[i] = static_cast<uint64_t>(stmt->int_at(1 + i));
    if (!stmt->null_at(7)) h.oldest_pending_created_ms = stmt->int_at(7);
    if (!stmt->null_at(8)) h.next_attempt_ms = stmt->int_at(8);
    out.push_back(std::move(h));
  }
}

Result<uint64_t> SqliteStore::purge(int64_t before_ms, uint32_t limit) {
  uint64_t purged = 0;
  Status s = write([&](sqlite::Db& db) -> Status {
    auto candidates = db.prepare(
        "SELECT p.seq FROM packages p WHERE p.received_ms < ?1 AND NOT EXISTS ("
        "  SELECT 1 FROM deliveries d WHERE d.seq = p.seq AND "
        "  (d.state IN ('waiting', 'in_flight') OR d.updated_ms >= ?1)) "
        "ORDER BY p.seq LIMIT ?2");
    if (!candidates) return candidates.status();
    candidates->bind(1, before_ms).bind(2, static_cast<int64_t>(limit));
    std::vector<int64_t> seqs;
    for (;;) {
      auto row = candidates->step();
      if (!row) return row.status();
      if (!*row) break;
      seqs.push_back(candidates->int_at(0));
    }
    // The key stays as a tombstone (seq NULL): a re-send is still a duplicate.
    for (const char* sql : {"UPDATE dedup_keys SET seq = NULL WHERE seq = ?1",
                            "DELETE FROM deliveries WHERE seq = ?1",
                            "DELETE FROM packages WHERE seq = ?1"}) {
      auto stmt = db.prepare(sql);
      if (!stmt) return stmt.status();
      for (int64_t seq : seqs) {
        stmt->bind(1, seq);
        if (Status r = stmt->run(); !r.ok()) return r;
      }
    }
    purged = seqs.size();
    return Status();
  });
  if (!s.ok()) return s;
  return purged;
}

}  // namespace docaxis::store
