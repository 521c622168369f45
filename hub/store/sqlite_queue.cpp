// SqliteStore: the delivery queue (claims, transitions, the sweeper), its reads, and purge.
#include <algorithm>
#include <memory>
#include <utility>

#include "store/group_commit.hpp"
#include "store/package_codec.hpp"
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

void SqliteStore::claim_due_for_async(const std::string& next_hop, int64_t now,
                                      std::vector<ClaimQuota> quotas, ClaimCallback done) {
  struct State {
    std::string hop;
    std::vector<ClaimQuota> quotas;
    std::vector<Delivery> claimed;
  };
  auto st = std::make_shared<State>(State{next_hop, std::move(quotas), {}});
  WriteJob job;
  job.apply = [st, now](sqlite::Db& db) -> Status {
    auto by_recipient = db.prepare(
        "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, updated_ms = ?3 "
        "WHERE id IN (SELECT id FROM deliveries WHERE next_hop = ?1 AND recipient = ?2 "
        "AND state = 'waiting' AND next_attempt_ms <= ?3 ORDER BY next_attempt_ms, id LIMIT ?4) "
        "RETURNING " DOCAXIS_DELIVERY_COLUMNS);
    if (!by_recipient) return by_recipient.status();
    auto by_hop = db.prepare(
        "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, updated_ms = ?2 "
        "WHERE id IN (SELECT id FROM deliveries WHERE next_hop = ?1 "
        "AND state = 'waiting' AND next_attempt_ms <= ?2 ORDER BY next_attempt_ms, id LIMIT ?3) "
        "RETURNING " DOCAXIS_DELIVERY_COLUMNS);
    if (!by_hop) return by_hop.status();
    st->claimed.clear();
    for (const ClaimQuota& q : st->quotas) {
      if (q.limit == 0) continue;
      const std::string& hop = q.next_hop.empty() ? st->hop : q.next_hop;
      sqlite::Stmt& stmt = q.recipient.empty() ? *by_hop : *by_recipient;
      if (q.recipient.empty()) {
        stmt.bind(1, hop).bind(2, now).bind(3, static_cast<int64_t>(q.limit));
      } else {
        stmt.bind(1, hop).bind(2, q.recipient).bind(3, now).bind(4, static_cast<int64_t>(q.limit));
      }
      auto rows = read_all(stmt);
      stmt.reset();
      if (!rows) return rows.status();
      for (auto& d : *rows) st->claimed.push_back(std::move(d));
    }
    return Status();
  };
  job.done = [st, done = std::move(done)](Status s) {
    if (!s.ok()) return done(std::move(s));
    std::stable_sort(st->claimed.begin(), st->claimed.end(), [](const Delivery& a, const Delivery& b) {
      return std::pair(a.next_attempt_ms, a.id) < std::pair(b.next_attempt_ms, b.id);
    });
    done(std::move(st->claimed));
  };
  writer_->submit(std::move(job));
}

namespace {

TransitionResult failed(Status s) {
  TransitionResult r;
  r.status = std::move(s);
  return r;
}

}  // namespace

TransitionResult SqliteStore::apply_one(sqlite::Db& db, const Transition& t, int64_t now) {
  TransitionResult out;
  auto current = db.prepare("SELECT state FROM deliveries WHERE id = ?1");
  if (!current) return failed(current.status());
  current->bind(1, static_cast<int64_t>(t.id));
  auto found = current->step();
  if (!found) return failed(found.status());
  if (!*found) return failed(Status("not-found", "no delivery with id " + std::to_string(t.id)));
  const std::string state_name = current->text_at(0);
  current->reset();
  const auto to = check_transition(t.id, t.kind, state_name);
  if (!to) return failed(to.status());
  auto stmt = db.prepare(
      "UPDATE deliveries SET state = ?2, updated_ms = ?3, "
      "next_attempt_ms = coalesce(?4, next_attempt_ms), last_error = coalesce(?5, last_error), "
      "unanswered = unanswered + ?6 WHERE id = ?1 RETURNING " DOCAXIS_DELIVERY_COLUMNS);
  if (!stmt) return failed(stmt.status());
  stmt->bind(1, static_cast<int64_t>(t.id)).bind(2, to_string(*to)).bind(3, now);
  t.kind == TransitionKind::kRetry ? stmt->bind(4, t.next_attempt_ms) : stmt->bind_null(4);
  t.kind == TransitionKind::kDelivered ? stmt->bind_null(5) : stmt->bind(5, t.error);
  stmt->bind(6, static_cast<int64_t>(counts_unanswered(t) ? 1 : 0));
  auto row = stmt->step();
  if (!row) return failed(row.status());
  if (!*row) return failed(Status("internal", "delivery " + std::to_string(t.id) + " vanished"));
  auto d = read_delivery(*stmt);
  stmt->reset();  // no statement may be pending when the follow-up's savepoint opens
  if (!d) return failed(d.status());
  out.delivery = std::move(*d);
  out.changed = state_name != to_string(*to);
  if (out.changed && t.follow_up && is_terminal(*to)) {
    // Its own savepoint: a failing follow-up leaves the transition applied.
    if (Status sp = db.run_cached("SAVEPOINT follow_up"); !sp.ok()) return failed(sp);
    IngestOutcome stored;
    out.follow_up_status = validate(t.follow_up->package, t.follow_up->recipients);
    if (out.follow_up_status.ok()) {
      out.follow_up_status =
          ingest_in_transaction(db, t.follow_up->package, t.follow_up->recipients, stored);
    }
    if (out.follow_up_status.ok()) {
      out.follow_up_seq = stored.seq;
      if (Status r = db.run_cached("RELEASE follow_up"); !r.ok()) return failed(r);
    } else if (Status r = db.run_cached("ROLLBACK TO follow_up"); !r.ok()) {
      return failed(r);
    } else if (Status rel = db.run_cached("RELEASE follow_up"); !rel.ok()) {
      return failed(rel);
    } else if (follow_up_fails_the_job(out.follow_up_status)) {
      // The receipt could not be written (its segment: I/O, disk full): the transition must
      // not commit without it. The apply job fails (none of it commits) and its caller
      // retries, as after an I/O error inside SQLite.
      return failed(out.follow_up_status);
    }
  }
  return out;
}

void SqliteStore::apply_async(std::vector<Transition> transitions, ApplyCallback done) {
  struct State {
    std::vector<Transition> transitions;
    std::vector<TransitionResult> results;
  };
  auto st = std::make_shared<State>(State{std::move(transitions), {}});
  uint64_t weight = 0;
  for (const auto& t : st->transitions) {
    if (t.follow_up) weight += t.follow_up->package.bytes.size();
  }
  WriteJob job;
  job.apply = [this, st](sqlite::Db& db) -> Status {
    const int64_t now = now_ms();
    st->results.clear();
    for (const Transition& t : st->transitions) {
      TransitionResult r = apply_one(db, t, now);
      // Per-item refusals are answers; anything else (I/O, corruption) fails the batch.
      const std::string& code = r.status.code();
      if (!r.status.ok() && code != "not-found" && code != "failed-precondition") return r.status;
      st->results.push_back(std::move(r));
    }
    return Status();
  };
  job.done = [this, st, done = std::move(done)](Status s) {
    if (!s.ok()) return done(std::move(s));
    for (const auto& r : st->results) {
      if (r.follow_up_seq) packages_stored_.fetch_add(1, std::memory_order_relaxed);
    }
    done(std::move(st->results));
  };
  job.weight_bytes = weight;
  writer_->submit(std::move(job));
}

Result<std::vector<Delivery>> SqliteStore::overdue_waiting(int64_t created_before_ms,
                                                           uint32_t limit) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare("SELECT " DOCAXIS_DELIVERY_COLUMNS
                               " FROM deliveries WHERE state = 'waiting' AND created_ms < ?1 "
                               "ORDER BY created_ms, id LIMIT ?2");
  if (!stmt) return stmt.status();
  stmt->bind(1, created_before_ms).bind(2, static_cast<int64_t>(limit));
  return read_all(*stmt);
}

Result<uint64_t> SqliteStore::recover_in_flight(int64_t updated_before_ms) {
  const int64_t now = now_ms();
  uint64_t recovered = 0;
  Status s = write([&](sqlite::Db& db) -> Status {
    auto stmt = db.prepare(
        "UPDATE deliveries SET state = 'waiting', next_attempt_ms = ?2, updated_ms = ?2, "
        "unanswered = unanswered + 1, "
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
