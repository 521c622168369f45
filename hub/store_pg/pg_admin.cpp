// PgStore: the AdminStore half (store/admin_store.hpp) — the queue inspector's reads and the
// operator's retries and dead-letter purge, with SqliteStore's contract and orderings (text
// ordered in byte order, COLLATE "C", as SQLite's BINARY). The attempt history is written by
// the trigger of sql/0002_admin.sql, not here.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_rows.hpp"
#include "store_pg/pg_store.hpp"

namespace docaxis::store {

using pg::num;
using pg::text;

namespace {

// The delivery columns of `deliveries d` (read_delivery's order), then the package's.
constexpr const char* kListingColumns =
    "d.id, d.seq, d.recipient, d.next_hop, d.state, d.attempts, d.next_attempt_ms, "
    "d.last_error, d.created_ms, d.updated_ms, d.unanswered, "
    "p.message_type, p.sender, p.document_id, p.size, p.received_ms";

// WHERE clause for a DeliveryFilter over `deliveries d JOIN packages p`, with its parameters
// ($1, $2, ...). The SQL text depends only on which filters are set, so the prepared
// statements stay few.
struct Where {
  std::string sql;
  std::vector<pg::Param> params;

  void add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
  std::string param(pg::Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
  }
};

Where where_of(const DeliveryFilter& f) {
  Where w;
  if (!f.states.empty()) {
    std::vector<std::string> names;
    for (DeliveryState s : f.states) names.emplace_back(to_string(s));
    w.add("d.state = ANY(" + w.param(text(pg::text_array(names))) + "::text[])");
  }
  if (f.attempted) w.add(*f.attempted ? "d.attempts > 0" : "d.attempts = 0");
  if (f.seq) w.add("d.seq = " + w.param(num(static_cast<int64_t>(*f.seq))));
  // Through the duplicate key, which leads with the document id.
  if (f.document_id) {
    w.add("d.seq IN (SELECT seq FROM dedup_keys WHERE document_id = " +
          w.param(text(*f.document_id)) + ")");
  }
  if (f.sender) w.add("p.sender = " + w.param(text(*f.sender)));
  if (f.recipient) w.add("d.recipient = " + w.param(text(*f.recipient)));
  if (f.received_since_ms) w.add("p.received_ms >= " + w.param(num(*f.received_since_ms)));
  if (f.received_until_ms) w.add("p.received_ms < " + w.param(num(*f.received_until_ms)));
  if (f.updated_since_ms) w.add("d.updated_ms >= " + w.param(num(*f.updated_since_ms)));
  if (f.updated_before_ms) w.add("d.updated_ms < " + w.param(num(*f.updated_before_ms)));
  if (f.before_id != 0) w.add("d.id < " + w.param(num(static_cast<int64_t>(f.before_id))));
  return w;
}

Status append_listings(const Result<pg::Rows>& rows, std::vector<DeliveryListing>& out) {
  if (!rows) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    auto d = pg::read_delivery(*rows, i);
    if (!d) return d.status();
    DeliveryListing l;
    l.delivery = std::move(*d);
    l.message_type = rows->text_at(i, 11);
    l.sender = rows->text_at(i, 12);
    l.document_id = rows->text_at(i, 13);
    l.size = static_cast<uint64_t>(rows->int_at(i, 14));
    l.received_ms = rows->int_at(i, 15);
    out.push_back(std::move(l));
  }
  return Status();
}

std::optional<int64_t> opt_int(const pg::Rows& r, int row, int col) {
  if (r.null_at(row, col)) return std::nullopt;
  return r.int_at(row, col);
}

}  // namespace

Result<std::vector<DestinationStats>> PgStore::destination_rows(bool finished, const char* from) {
  std::vector<DestinationStats> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    auto rows = c.exec(
        std::string("SELECT * FROM (SELECT next_hop, CASE WHEN next_hop = 'local' THEN recipient ELSE '' END "
                    "AS dest, count(*) FILTER (WHERE state = 'waiting' AND attempts = 0), "
                    "count(*) FILTER (WHERE state = 'waiting' AND attempts > 0), "
                    "count(*) FILTER (WHERE state = 'in_flight'), ") +
        (finished ? "count(*) FILTER (WHERE state = 'delivered'), "
                    "count(*) FILTER (WHERE state = 'refused'), "
                  : "0, 0, ") +
        "count(*) FILTER (WHERE state = 'dead'), "
        "min(created_ms) FILTER (WHERE state IN ('waiting', 'in_flight')), "
        "min(next_attempt_ms) FILTER (WHERE state = 'waiting') " +
        from + " GROUP BY next_hop, dest) s ORDER BY next_hop COLLATE \"C\", dest COLLATE \"C\"");
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      DestinationStats d;
      d.next_hop = rows->text_at(i, 0);
      d.recipient = rows->text_at(i, 1);
      uint64_t* counts[] = {&d.waiting, &d.retrying, &d.in_flight, &d.delivered, &d.refused,
                            &d.dead};
      for (int k = 0; k < 6; ++k) *counts[k] = static_cast<uint64_t>(rows->int_at(i, 2 + k));
      d.oldest_pending_created_ms = opt_int(*rows, i, 8);
      d.next_attempt_ms = opt_int(*rows, i, 9);
      out.push_back(std::move(d));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<DestinationStats>> PgStore::pending_by_destination() {
  // deliveries_by_state (state, updated_ms) serves the condition.
  return destination_rows(false,
                          "FROM deliveries WHERE state IN ('waiting', 'in_flight', 'dead')");
}

Result<std::vector<DestinationStats>> PgStore::queue_by_destination() {
  return destination_rows(true, "FROM deliveries");
}

Result<std::vector<DeliveryListing>> PgStore::find_deliveries(const DeliveryFilter& f) {
  Where w = where_of(f);
  const std::string limit = w.param(num(f.limit));
  const std::string sql = std::string("SELECT ") + kListingColumns +
                          " FROM deliveries d JOIN packages p ON p.seq = d.seq" + w.sql +
                          " ORDER BY d.id DESC LIMIT " + limit;
  std::vector<DeliveryListing> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    return append_listings(c.exec(sql, w.params), out);
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> PgStore::count_deliveries(const DeliveryFilter& f) {
  const Where w = where_of(f);
  const std::string sql =
      "SELECT count(*) FROM deliveries d JOIN packages p ON p.seq = d.seq" + w.sql;
  uint64_t n = 0;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec(sql, w.params);
    if (!rows) return rows.status();
    n = static_cast<uint64_t>(rows->int_at(0, 0));
    return Status();
  });
  if (!s.ok()) return s;
  return n;
}

Result<std::vector<uint64_t>> PgStore::packages_with_document_id(const std::string& id) {
  std::vector<uint64_t> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    auto rows = c.exec(
        "SELECT seq FROM dedup_keys WHERE document_id = $1 AND seq IS NOT NULL ORDER BY seq",
        {text(id)});
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) out.push_back(static_cast<uint64_t>(rows->int_at(i, 0)));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<AttemptRecord>> PgStore::attempts_of(uint64_t seq) {
  std::vector<AttemptRecord> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    auto rows = c.exec(
        "SELECT delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, "
        "no_outcome FROM delivery_attempts WHERE seq = $1 ORDER BY ended_ms, id",
        {num(static_cast<int64_t>(seq))});
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      AttemptRecord a;
      a.delivery_id = static_cast<uint64_t>(rows->int_at(i, 0));
      a.seq = static_cast<uint64_t>(rows->int_at(i, 1));
      a.recipient = rows->text_at(i, 2);
      a.attempt = static_cast<uint32_t>(rows->int_at(i, 3));
      a.started_ms = opt_int(*rows, i, 4);
      a.ended_ms = rows->int_at(i, 5);
      a.result = rows->text_at(i, 6);
      a.error = rows->text_at(i, 7);
      a.no_outcome = rows->text_at(i, 8) == "t";
      out.push_back(std::move(a));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<RetiredDelivery>> PgStore::history_of(uint64_t seq) {
  std::vector<RetiredDelivery> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    // The delivery columns in DOCAXIS_PG_DELIVERY_COLUMNS' order, so read_delivery applies.
    auto rows = c.exec(
        "SELECT id, seq, recipient, next_hop, state, attempts, 0, last_error, created_ms, "
        "updated_ms, unanswered, retired_ms, retired_by, replaced_by "
        "FROM delivery_history WHERE seq = $1 ORDER BY id",
        {num(static_cast<int64_t>(seq))});
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      auto d = pg::read_delivery(*rows, i);
      if (!d) return d.status();
      RetiredDelivery r;
      r.delivery = std::move(*d);
      r.retired_ms = rows->int_at(i, 11);
      r.retired_by = rows->text_at(i, 12);
      if (auto v = opt_int(*rows, i, 13)) r.replaced_by = static_cast<uint64_t>(*v);
      out.push_back(std::move(r));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<StoredKey>> PgStore::receipts_about(const std::string& issuer,
                                                      uint64_t about_seq) {
  std::vector<StoredKey> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    auto rows = c.exec(
        "SELECT sender, document_id, message_type, sha256_hex, seq, created_ms, about_seq, "
        "about_delivery FROM dedup_keys WHERE sender = $1 AND about_seq = $2 "
        "AND message_type = 'receipt' ORDER BY about_delivery, document_id COLLATE \"C\"",
        {text(issuer), num(static_cast<int64_t>(about_seq))});
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      StoredKey k;
      k.sender = rows->text_at(i, 0);
      k.document_id = rows->text_at(i, 1);
      k.message_type = rows->text_at(i, 2);
      k.sha256_hex = rows->text_at(i, 3);
      if (auto v = opt_int(*rows, i, 4)) k.seq = static_cast<uint64_t>(*v);
      k.created_ms = rows->int_at(i, 5);
      if (auto v = opt_int(*rows, i, 6)) k.about_seq = static_cast<uint64_t>(*v);
      if (auto v = opt_int(*rows, i, 7)) k.about_delivery = static_cast<uint64_t>(*v);
      out.push_back(std::move(k));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<OrganActivity> PgStore::organ_activity(const std::string& organ) {
  OrganActivity a;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec(
        "SELECT (SELECT max(received_ms) FROM packages WHERE sender = $1), "
        "(SELECT max(ended_ms) FROM delivery_attempts WHERE recipient = $1 AND result IN "
        "('accepted', 'rejected', 'late-accepted', 'late-rejected', 'acknowledged', 'declined'))",
        {text(organ)});
    if (!rows) return rows.status();
    a.last_sent_ms = opt_int(*rows, 0, 0);
    a.last_answered_ms = opt_int(*rows, 0, 1);
    return Status();
  });
  if (!s.ok()) return s;
  return a;
}

Result<std::vector<RetryResult>> PgStore::retry_now(const RetryRequest& req, int64_t now) {
  std::vector<RetryResult> results;
  Status s = write([&](pg::Conn& c) -> Status {
    results.clear();  // a retried batch starts over
    for (uint64_t id : req.ids) {
      RetryResult r;
      r.id = id;
      // Locked: no other node's transition, retry or purge changes it meanwhile.
      auto found = c.exec("SELECT " DOCAXIS_PG_DELIVERY_COLUMNS
                          " FROM deliveries WHERE id = $1 FOR UPDATE",
                          {num(static_cast<int64_t>(id))});
      if (!found) return found.status();
      if (found->size() == 0) {
        r.status = Status("not-found", "no delivery with id " + std::to_string(id));
        results.push_back(std::move(r));
        continue;
      }
      auto d = pg::read_delivery(*found, 0);
      if (!d) return d.status();
      r.was = d->state;
      const bool allowed = (d->state == DeliveryState::kWaiting && req.allow_waiting) ||
                           (d->state == DeliveryState::kDead && req.allow_dead) ||
                           (d->state == DeliveryState::kRefused && req.allow_refused);
      if (!allowed) {
        r.status = Status("failed-precondition",
                          "delivery " + std::to_string(id) + " is " +
                              std::string(to_string(d->state)) + ": not retried");
        results.push_back(std::move(r));
        continue;
      }
      // The package row locked (shared) too: a release by retention on another node either
      // committed before (seen here) or waits for this commit and then sees the new delivery.
      auto released = c.exec("SELECT released_ms FROM packages WHERE seq = $1 FOR SHARE",
                             {num(static_cast<int64_t>(d->seq))});
      if (!released) return released.status();
      if (released->size() == 1 && !released->null_at(0, 0)) {
        r.status = Status("failed-precondition",
                          "delivery " + std::to_string(id) + ": the bytes of package " +
                              std::to_string(d->seq) +
                              " were released by retention, there is nothing to send: not retried");
        results.push_back(std::move(r));
        continue;
      }
      if (d->state == DeliveryState::kWaiting) {
        // Pull it forward; never push a delivery that is already due further away.
        auto due = c.exec(
            "UPDATE deliveries SET next_attempt_ms = least(next_attempt_ms, $2) WHERE id = $1 "
            "AND state = 'waiting' RETURNING " DOCAXIS_PG_DELIVERY_COLUMNS,
            {num(static_cast<int64_t>(id)), num(now)});
        if (!due) return due.status();
        if (due->size() != 1) return Status("internal", "delivery " + std::to_string(id) + " vanished");
        auto after = pg::read_delivery(*due, 0);
        if (!after) return after.status();
        r.now = std::move(*after);
        results.push_back(std::move(r));
        continue;
      }
      // Retire the ended row, then queue a fresh delivery for the same (seq, recipient): one
      // statement, so the history row names its replacement.
      auto fresh = c.exec(
          "WITH old AS (DELETE FROM deliveries WHERE id = $1 RETURNING *), "
          "fresh AS (INSERT INTO deliveries (seq, recipient, next_hop, state, attempts, "
          "next_attempt_ms, last_error, created_ms, updated_ms, unanswered) "
          "SELECT seq, recipient, next_hop, 'waiting', 0, $2, '', $2, $2, 0 FROM old "
          "RETURNING " DOCAXIS_PG_DELIVERY_COLUMNS "), "
          "h AS (INSERT INTO delivery_history (id, seq, recipient, next_hop, state, attempts, "
          "unanswered, last_error, created_ms, updated_ms, retired_ms, retired_by, replaced_by) "
          "SELECT old.id, old.seq, old.recipient, old.next_hop, old.state, old.attempts, "
          "old.unanswered, old.last_error, old.created_ms, old.updated_ms, $2, $3, fresh.id "
          "FROM old, fresh) SELECT * FROM fresh",
          {num(static_cast<int64_t>(id)), num(now), text(pg::storable_text(req.who))});
      if (!fresh) return fresh.status();
      if (fresh->size() != 1) {
        return Status("internal", "no row for the retried delivery " + std::to_string(id));
      }
      auto after = pg::read_delivery(*fresh, 0);
      if (!after) return after.status();
      r.now = std::move(*after);
      results.push_back(std::move(r));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return results;
}

Result<PurgeDeadResult> PgStore::purge_dead(int64_t before_ms, uint32_t limit) {
  PurgeDeadResult out;
  Status s = write([&](pg::Conn& c) -> Status {
    out = PurgeDeadResult();
    // Rows another node holds (a retry in progress) are left for the next call.
    auto picked = c.exec(std::string("SELECT ") + kListingColumns +
                             " FROM deliveries d JOIN packages p ON p.seq = d.seq "
                             "WHERE d.state = 'dead' AND d.updated_ms < $1 "
                             "ORDER BY d.updated_ms, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
                         {num(before_ms), num(limit)});
    if (Status e = append_listings(picked, out.purged); !e.ok()) return e;
    for (const DeliveryListing& l : out.purged) {
      const auto id = static_cast<int64_t>(l.delivery.id);
      const auto seq = static_cast<int64_t>(l.delivery.seq);
      if (auto r = c.exec("DELETE FROM deliveries WHERE id = $1", {num(id)}); !r) return r.status();
      if (auto r = c.exec("DELETE FROM delivery_attempts WHERE seq = $1 AND delivery_id = $2",
                          {num(seq), num(id)});
          !r) {
        return r.status();
      }
      // The package locked before counting what is left (a statement of its own, so its
      // snapshot is taken after the lock): a retry on another node that adds a delivery to it
      // has committed by then and is counted.
      auto locked = c.exec("SELECT 1 FROM packages WHERE seq = $1 FOR UPDATE", {num(seq)});
      if (!locked) return locked.status();
      if (locked->size() == 0) continue;
      auto left = c.exec("SELECT count(*) FROM deliveries WHERE seq = $1", {num(seq)});
      if (!left) return left.status();
      if (left->int_at(0, 0) > 0) continue;
      // Nothing left to deliver: the package goes, its duplicate key stays as a tombstone.
      for (const char* sql : {"UPDATE dedup_keys SET seq = NULL WHERE seq = $1",
                              "DELETE FROM packages WHERE seq = $1"}) {
        if (auto r = c.exec(sql, {num(seq)}); !r) return r.status();
      }
      out.packages.push_back(l.delivery.seq);
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace docaxis::store
