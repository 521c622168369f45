// SqliteStore: the AdminStore half (admin_store.hpp) — the queue inspector's reads and the
// operator's retries and dead-letter purge. The attempt history is kept by the triggers of
// schemas/sql/0003_attempts_history_admin.sql, not here.
#include <functional>
#include <string>
#include <utility>
#include <variant>

#include "store/sqlite_db.hpp"
#include "store/sqlite_rows.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::store {
namespace {

// The delivery columns of `deliveries d`, in read_delivery's order, then the package's.
constexpr const char* kListingColumns =
    "d.id, d.seq, d.recipient, d.next_hop, d.state, d.attempts, d.next_attempt_ms, "
    "d.last_error, d.created_ms, d.updated_ms, d.unanswered, "
    "p.message_type, p.sender, p.document_id, p.size, p.received_ms";

// WHERE clause for a DeliveryFilter over `deliveries d JOIN packages p`, with its parameters.
struct Where {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;

  void add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
  std::string param(std::variant<int64_t, std::string> v) {
    params.push_back(std::move(v));
    return "?" + std::to_string(params.size());
  }
  void bind(sqlite::Stmt& stmt) const {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      if (const auto* n = std::get_if<int64_t>(&params[i])) stmt.bind(index, *n);
      else stmt.bind(index, std::get<std::string>(params[i]));
    }
  }
};

Where where_of(const DeliveryFilter& f) {
  Where w;
  if (!f.states.empty()) {
    std::string in;
    for (DeliveryState s : f.states) {
      in += (in.empty() ? "" : ", ") + w.param(std::string(to_string(s)));
    }
    w.add("d.state IN (" + in + ")");
  }
  if (f.attempted) w.add(*f.attempted ? "d.attempts > 0" : "d.attempts = 0");
  if (f.seq) w.add("d.seq = " + w.param(static_cast<int64_t>(*f.seq)));
  // Through the duplicate key, which leads with the document id (schema 7).
  if (f.document_id) {
    w.add("d.seq IN (SELECT seq FROM dedup_keys WHERE document_id = " + w.param(*f.document_id) + ")");
  }
  if (f.sender) w.add("p.sender = " + w.param(*f.sender));
  if (f.recipient) w.add("d.recipient = " + w.param(*f.recipient));
  if (f.received_since_ms) w.add("p.received_ms >= " + w.param(*f.received_since_ms));
  if (f.received_until_ms) w.add("p.received_ms < " + w.param(*f.received_until_ms));
  if (f.updated_since_ms) w.add("d.updated_ms >= " + w.param(*f.updated_since_ms));
  if (f.updated_before_ms) w.add("d.updated_ms < " + w.param(*f.updated_before_ms));
  if (f.before_id != 0) w.add("d.id < " + w.param(static_cast<int64_t>(f.before_id)));
  return w;
}

std::optional<int64_t> opt_int(const sqlite::Stmt& s, int col) {
  if (s.null_at(col)) return std::nullopt;
  return s.int_at(col);
}

}  // namespace

// The per-destination grouping shared by queue_by_destination (every delivery) and
// pending_by_destination (the unfinished and the dead ones, through the state index): the
// counts by state (`finished`: delivered and refused too; otherwise they read 0), the oldest
// unfinished delivery's created_ms and the earliest next attempt; `from` is the FROM/WHERE part.
Result<std::vector<DestinationStats>> SqliteStore::destination_rows(bool finished,
                                                                    const char* from) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(
      std::string("SELECT next_hop, CASE WHEN next_hop = 'local' THEN recipient ELSE '' END AS dest, "
                  "  sum(state = 'waiting' AND attempts = 0), sum(state = 'waiting' AND attempts > 0), "
                  "  sum(state = 'in_flight'), ") +
      (finished ? "sum(state = 'delivered'), sum(state = 'refused'), " : "0, 0, ") +
      "sum(state = 'dead'), " +
      "  min(CASE WHEN state IN ('waiting', 'in_flight') THEN created_ms END), "
      "  min(CASE WHEN state = 'waiting' THEN next_attempt_ms END) " +
      from + " GROUP BY next_hop, dest ORDER BY next_hop, dest");
  if (!stmt) return stmt.status();
  const int n = 6;
  std::vector<DestinationStats> out;
  Status s = each_row(*stmt, [&] {
    DestinationStats d;
    d.next_hop = stmt->text_at(0);
    d.recipient = stmt->text_at(1);
    uint64_t* counts[] = {&d.waiting, &d.retrying, &d.in_flight, &d.delivered, &d.refused,
                          &d.dead};
    for (int i = 0; i < n; ++i) *counts[i] = static_cast<uint64_t>(stmt->int_at(2 + i));
    d.oldest_pending_created_ms = opt_int(*stmt, 2 + n);
    d.next_attempt_ms = opt_int(*stmt, 3 + n);
    out.push_back(std::move(d));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<DestinationStats>> SqliteStore::pending_by_destination() {
  return destination_rows(false,
                          "FROM deliveries INDEXED BY deliveries_by_state "
                          "WHERE state IN ('waiting', 'in_flight', 'dead')");
}

Result<std::vector<DestinationStats>> SqliteStore::queue_by_destination() {
  return destination_rows(true, "FROM deliveries");
}

Result<std::vector<DeliveryListing>> SqliteStore::find_deliveries(const DeliveryFilter& f) {
  Where w = where_of(f);
  const std::string limit = w.param(static_cast<int64_t>(f.limit));
  const std::string sql = std::string("SELECT ") + kListingColumns +
                          " FROM deliveries d JOIN packages p ON p.seq = d.seq" + w.sql +
                          " ORDER BY d.id DESC LIMIT " + limit;
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  w.bind(*stmt);
  std::vector<DeliveryListing> out;
  Status s = each_row(*stmt, [&]() -> Status {
    auto d = read_delivery(*stmt);
    if (!d) return d.status();
    DeliveryListing l;
    l.delivery = std::move(*d);
    l.message_type = stmt->text_at(11);
    l.sender = stmt->text_at(12);
    l.document_id = stmt->text_at(13);
    l.size = static_cast<uint64_t>(stmt->int_at(14));
    l.received_ms = stmt->int_at(15);
    out.push_back(std::move(l));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> SqliteStore::count_deliveries(const DeliveryFilter& f) {
  const Where w = where_of(f);
  const std::string sql =
      "SELECT count(*) FROM deliveries d JOIN packages p ON p.seq = d.seq" + w.sql;
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  w.bind(*stmt);
  auto row = stmt->step();
  if (!row) return row.status();
  return static_cast<uint64_t>(*row ? stmt->int_at(0) : 0);
}

Result<std::vector<uint64_t>> SqliteStore::packages_with_document_id(const std::string& id) {
  std::lock_guard lock(read_mu_);
  // Through the duplicate key, which leads with the document id (migration 0007); every stored
  // package has one, and a purged package's key (seq NULL) has no package to show.
  auto stmt = reader_->prepare(
      "SELECT seq FROM dedup_keys WHERE document_id = ?1 AND seq IS NOT NULL ORDER BY seq");
  if (!stmt) return stmt.status();
  stmt->bind(1, id);
  std::vector<uint64_t> out;
  Status s = each_row(*stmt, [&] {
    out.push_back(static_cast<uint64_t>(stmt->int_at(0)));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<AttemptRecord>> SqliteStore::attempts_of(uint64_t seq) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(
      "SELECT delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, "
      "no_outcome FROM delivery_attempts WHERE seq = ?1 ORDER BY ended_ms, rowid");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(seq));
  std::vector<AttemptRecord> out;
  Status s = each_row(*stmt, [&] {
    AttemptRecord a;
    a.delivery_id = static_cast<uint64_t>(stmt->int_at(0));
    a.seq = static_cast<uint64_t>(stmt->int_at(1));
    a.recipient = stmt->text_at(2);
    a.attempt = static_cast<uint32_t>(stmt->int_at(3));
    a.started_ms = opt_int(*stmt, 4);
    a.ended_ms = stmt->int_at(5);
    a.result = stmt->text_at(6);
    a.error = stmt->text_at(7);
    a.no_outcome = stmt->int_at(8) != 0;
    out.push_back(std::move(a));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<RetiredDelivery>> SqliteStore::history_of(uint64_t seq) {
  std::lock_guard lock(read_mu_);
  // Same column order as DOCAXIS_DELIVERY_COLUMNS, so read_delivery applies.
  auto stmt = reader_->prepare(
      "SELECT id, seq, recipient, next_hop, state, attempts, 0, last_error, created_ms, "
      "updated_ms, unanswered, retired_ms, retired_by, replaced_by "
      "FROM delivery_history WHERE seq = ?1 ORDER BY id");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(seq));
  std::vector<RetiredDelivery> out;
  Status s = each_row(*stmt, [&]() -> Status {
    auto d = read_delivery(*stmt);
    if (!d) return d.status();
    RetiredDelivery r;
    r.delivery = std::move(*d);
    r.retired_ms = stmt->int_at(11);
    r.retired_by = stmt->text_at(12);
    if (auto v = opt_int(*stmt, 13)) r.replaced_by = static_cast<uint64_t>(*v);
    out.push_back(std::move(r));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<StoredKey>> SqliteStore::receipts_about(const std::string& issuer,
                                                          uint64_t about_seq) {
  std::lock_guard lock(read_mu_);
  // dedup_keys_about: an index seek on (sender, about_seq); tombstones keep their about_*.
  auto stmt = reader_->prepare(
      "SELECT sender, document_id, message_type, sha256_hex, seq, created_ms, about_seq, "
      "about_delivery FROM dedup_keys WHERE sender = ?1 AND about_seq = ?2 "
      "AND message_type = 'receipt' ORDER BY about_delivery, document_id");
  if (!stmt) return stmt.status();
  stmt->bind(1, issuer).bind(2, static_cast<int64_t>(about_seq));
  std::vector<StoredKey> out;
  Status s = each_row(*stmt, [&] {
    StoredKey k;
    k.sender = stmt->text_at(0);
    k.document_id = stmt->text_at(1);
    k.message_type = stmt->text_at(2);
    k.sha256_hex = stmt->text_at(3);
    if (auto v = opt_int(*stmt, 4)) k.seq = static_cast<uint64_t>(*v);
    k.created_ms = stmt->int_at(5);
    if (auto v = opt_int(*stmt, 6)) k.about_seq = static_cast<uint64_t>(*v);
    if (auto v = opt_int(*stmt, 7)) k.about_delivery = static_cast<uint64_t>(*v);
    out.push_back(std::move(k));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<OrganActivity> SqliteStore::organ_activity(const std::string& organ) {
  std::lock_guard lock(read_mu_);
  OrganActivity a;
  auto sent = reader_->prepare("SELECT max(received_ms) FROM packages WHERE sender = ?1");
  if (!sent) return sent.status();
  sent->bind(1, organ);
  auto row = sent->step();
  if (!row) return row.status();
  if (*row) a.last_sent_ms = opt_int(*sent, 0);
  sent->reset();
  auto answered = reader_->prepare(
      "SELECT max(ended_ms) FROM delivery_attempts WHERE recipient = ?1 "
      "AND result IN ('accepted', 'rejected', 'late-accepted', 'late-rejected', 'acknowledged', "
      "'declined')");
  if (!answered) return answered.status();
  answered->bind(1, organ);
  row = answered->step();
  if (!row) return row.status();
  if (*row) a.last_answered_ms = opt_int(*answered, 0);
  answered->reset();
  return a;
}

Result<std::vector<RetryResult>> SqliteStore::retry_now(const RetryRequest& req, int64_t now) {
  std::vector<RetryResult> results;
  Status s = write([&](sqlite::Db& db) -> Status {
    results.clear();  // a retried batch starts over
    auto load = db.prepare("SELECT " DOCAXIS_DELIVERY_COLUMNS " FROM deliveries WHERE id = ?1");
    if (!load) return load.status();
    for (uint64_t id : req.ids) {
      RetryResult r;
      r.id = id;
      load->bind(1, static_cast<int64_t>(id));
      auto found = load->step();
      if (!found) return found.status();
      if (!*found) {
        load->reset();
        r.status = Status("not-found", "no delivery with id " + std::to_string(id));
        results.push_back(std::move(r));
        continue;
      }
      auto d = read_delivery(*load);
      load->reset();
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
      // Retention released the package's bytes: nothing left to send (retention.hpp).
      auto released = db.prepare("SELECT released_ms FROM packages WHERE seq = ?1");
      if (!released) return released.status();
      released->bind(1, static_cast<int64_t>(d->seq));
      auto seen = released->step();
      if (!seen) return seen.status();
      const bool gone = *seen && !released->null_at(0);
      released->reset();
      if (gone) {
        r.status = Status("failed-precondition",
                          "delivery " + std::to_string(id) + ": the bytes of package " +
                              std::to_string(d->seq) +
                              " were released by retention, there is nothing to send: not retried");
        results.push_back(std::move(r));
        continue;
      }
      if (d->state == DeliveryState::kWaiting) {
        // Pull it forward; never push a delivery that is already due further away.
        auto due = db.prepare(
            "UPDATE deliveries SET next_attempt_ms = min(next_attempt_ms, ?2) WHERE id = ?1 "
            "AND state = 'waiting' RETURNING " DOCAXIS_DELIVERY_COLUMNS);
        if (!due) return due.status();
        due->bind(1, static_cast<int64_t>(id)).bind(2, now);
        auto row = due->step();
        if (!row) return row.status();
        if (!*row) return Status("internal", "delivery " + std::to_string(id) + " vanished");
        auto after = read_delivery(*due);
        due->reset();
        if (!after) return after.status();
        r.now = std::move(*after);
        results.push_back(std::move(r));
        continue;
      }
      // Retire the ended row, then queue a fresh delivery for the same (seq, recipient).
      auto retire = db.prepare(
          "INSERT INTO delivery_history (id, seq, recipient, next_hop, state, attempts, "
          "unanswered, last_error, created_ms, updated_ms, retired_ms, retired_by) "
          "SELECT id, seq, recipient, next_hop, state, attempts, unanswered, last_error, "
          "created_ms, updated_ms, ?2, ?3 FROM deliveries WHERE id = ?1");
      if (!retire) return retire.status();
      retire->bind(1, static_cast<int64_t>(id)).bind(2, now).bind(3, req.who);
      if (Status e = retire->run(); !e.ok()) return e;
      auto remove = db.prepare("DELETE FROM deliveries WHERE id = ?1");
      if (!remove) return remove.status();
      remove->bind(1, static_cast<int64_t>(id));
      if (Status e = remove->run(); !e.ok()) return e;
      auto fresh = db.prepare(
          "INSERT INTO deliveries (seq, recipient, next_hop, state, attempts, next_attempt_ms, "
          "last_error, created_ms, updated_ms, unanswered) "
          "VALUES (?1, ?2, ?3, 'waiting', 0, ?4, '', ?4, ?4, 0) RETURNING " DOCAXIS_DELIVERY_COLUMNS);
      if (!fresh) return fresh.status();
      // A clean slate: the old row, with its error, is in delivery_history.
      fresh->bind(1, static_cast<int64_t>(d->seq)).bind(2, d->recipient).bind(3, d->next_hop);
      fresh->bind(4, now);
      auto row = fresh->step();
      if (!row) return row.status();
      if (!*row) return Status("internal", "no row for the retried delivery " + std::to_string(id));
      auto after = read_delivery(*fresh);
      fresh->reset();
      if (!after) return after.status();
      auto link = db.prepare("UPDATE delivery_history SET replaced_by = ?2 WHERE id = ?1");
      if (!link) return link.status();
      link->bind(1, static_cast<int64_t>(id)).bind(2, static_cast<int64_t>(after->id));
      if (Status e = link->run(); !e.ok()) return e;
      r.now = std::move(*after);
      results.push_back(std::move(r));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return results;
}

Result<PurgeDeadResult> SqliteStore::purge_dead(int64_t before_ms, uint32_t limit) {
  PurgeDeadResult out;
  Status s = write([&](sqlite::Db& db) -> Status {
    out = PurgeDeadResult();
    auto pick = db.prepare(std::string("SELECT ") + kListingColumns +
                           " FROM deliveries d JOIN packages p ON p.seq = d.seq "
                           "WHERE d.state = 'dead' AND d.updated_ms < ?1 "
                           "ORDER BY d.updated_ms, d.id LIMIT ?2");
    if (!pick) return pick.status();
    pick->bind(1, before_ms).bind(2, static_cast<int64_t>(limit));
    Status e = each_row(*pick, [&]() -> Status {
      auto d = read_delivery(*pick);
      if (!d) return d.status();
      DeliveryListing l;
      l.delivery = std::move(*d);
      l.message_type = pick->text_at(11);
      l.sender = pick->text_at(12);
      l.document_id = pick->text_at(13);
      l.size = static_cast<uint64_t>(pick->int_at(14));
      l.received_ms = pick->int_at(15);
      out.purged.push_back(std::move(l));
      return Status();
    });
    if (!e.ok()) return e;
    auto del = db.prepare("DELETE FROM deliveries WHERE id = ?1");
    auto attempts = db.prepare("DELETE FROM delivery_attempts WHERE seq = ?1 AND delivery_id = ?2");
    auto left = db.prepare("SELECT count(*) FROM deliveries WHERE seq = ?1");
    auto tombstone = db.prepare("UPDATE dedup_keys SET seq = NULL WHERE seq = ?1");
    auto package = db.prepare("DELETE FROM packages WHERE seq = ?1");
    for (auto* st : {&del, &attempts, &left, &tombstone, &package}) {
      if (!*st) return st->status();
    }
    for (const DeliveryListing& l : out.purged) {
      const auto id = static_cast<int64_t>(l.delivery.id);
      const auto seq = static_cast<int64_t>(l.delivery.seq);
      del->bind(1, id);
      if (Status r = del->run(); !r.ok()) return r;
      attempts->bind(1, seq).bind(2, id);
      if (Status r = attempts->run(); !r.ok()) return r;
      left->bind(1, seq);
      auto row = left->step();
      if (!row) return row.status();
      const int64_t remaining = *row ? left->int_at(0) : 0;
      left->reset();
      if (remaining > 0) continue;
      // Nothing left to deliver: the package goes, its duplicate key stays as a tombstone.
      tombstone->bind(1, seq);
      if (Status r = tombstone->run(); !r.ok()) return r;
      package->bind(1, seq);
      if (Status r = package->run(); !r.ok()) return r;
      out.packages.push_back(l.delivery.seq);
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace docaxis::store
