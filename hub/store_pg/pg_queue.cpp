// PgStore: the delivery queue (claims, transitions, the sweeper), its reads, and purge.
// Claims lock the rows they take with FOR UPDATE SKIP LOCKED: hub nodes sharing the database
// never claim the same delivery, and none waits for another's claim.
#include <algorithm>
#include <memory>
#include <utility>

#include "store/package_codec.hpp"
#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_rows.hpp"
#include "store_pg/pg_store.hpp"
#include "store_pg/pg_writer.hpp"

namespace docaxis::store {

using pg::null;
using pg::num;
using pg::text;

namespace {

// A claim owns its rows: owner = this node, lease_until_ms = the database's clock + the lease
// (README.md, "Owners and leases"); every transition out of in_flight clears both.
// The outer `state = 'waiting'` repeats the subquery's condition as a safeguard: the rows are
// already locked by this statement's own FOR UPDATE.
constexpr const char* kClaimByHop =
    "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, updated_ms = $2, "
    "owner = $4, lease_until_ms = docaxis_now_ms() + $5 "
    "WHERE state = 'waiting' AND id = ANY(ARRAY(SELECT id FROM deliveries "
    "WHERE next_hop = $1 AND state = 'waiting' AND next_attempt_ms <= $2 "
    "ORDER BY next_attempt_ms, id LIMIT $3 FOR UPDATE SKIP LOCKED)) "
    "RETURNING " DOCAXIS_PG_DELIVERY_COLUMNS;
constexpr const char* kClaimByRecipient =
    "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, updated_ms = $3, "
    "owner = $5, lease_until_ms = docaxis_now_ms() + $6 "
    "WHERE state = 'waiting' AND id = ANY(ARRAY(SELECT id FROM deliveries "
    "WHERE next_hop = $1 AND recipient = $2 AND state = 'waiting' AND next_attempt_ms <= $3 "
    "ORDER BY next_attempt_ms, id LIMIT $4 FOR UPDATE SKIP LOCKED)) "
    "RETURNING " DOCAXIS_PG_DELIVERY_COLUMNS;

void sort_due(std::vector<Delivery>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Delivery& a, const Delivery& b) {
    return std::pair(a.next_attempt_ms, a.id) < std::pair(b.next_attempt_ms, b.id);
  });
}

TransitionResult failed(Status s) {
  TransitionResult r;
  r.status = std::move(s);
  return r;
}

}  // namespace

Result<std::vector<Delivery>> PgStore::claim_due(const std::string& next_hop, int64_t now,
                                                 uint32_t limit) {
  return claim_due_for(next_hop, now, {ClaimQuota{"", limit, next_hop}});
}

void PgStore::claim_due_for_async(const std::string& next_hop, int64_t now,
                                  std::vector<ClaimQuota> quotas, ClaimCallback done) {
  struct State {
    std::string hop;
    std::vector<ClaimQuota> quotas;
    std::vector<Delivery> claimed;
  };
  auto st = std::make_shared<State>(State{next_hop, std::move(quotas), {}});
  pg::PgJob job;
  job.apply = [this, st, now](pg::Conn& c) -> Status {
    st->claimed.clear();
    for (const ClaimQuota& q : st->quotas) {
      if (q.limit == 0) continue;
      const std::string& hop = q.next_hop.empty() ? st->hop : q.next_hop;
      auto rows = q.recipient.empty()
                      ? c.exec(kClaimByHop, {text(hop), num(now), num(q.limit),
                                             text(options_.node), num(options_.lease_ms)})
                      : c.exec(kClaimByRecipient,
                               {text(hop), text(q.recipient), num(now), num(q.limit),
                                text(options_.node), num(options_.lease_ms)});
      if (Status s = pg::append_deliveries(rows, st->claimed); !s.ok()) return s;
    }
    return Status();
  };
  job.done = [st, done = std::move(done)](Status s) {
    if (!s.ok()) return done(std::move(s));
    sort_due(st->claimed);  // RETURNING yields rows in no defined order
    done(std::move(st->claimed));
  };
  writer_->submit(std::move(job));
}

TransitionResult PgStore::apply_one(pg::Conn& c, const Transition& t, int64_t now) {
  auto current = c.exec("SELECT state FROM deliveries WHERE id = $1 FOR UPDATE",
                        {num(static_cast<int64_t>(t.id))});
  if (!current) return failed(current.status());
  if (current->size() == 0) {
    return failed(Status("not-found", "no delivery with id " + std::to_string(t.id)));
  }
  const std::string state_name = current->text_at(0, 0);
  const auto to = check_transition(t.id, t.kind, state_name);
  if (!to) return failed(to.status());
  auto row = c.exec(
      "UPDATE deliveries SET state = $2, updated_ms = $3, "
      "next_attempt_ms = coalesce($4::bigint, next_attempt_ms), "
      "last_error = coalesce($5::text, last_error), unanswered = unanswered + $6, "
      "owner = NULL, lease_until_ms = NULL "  // no transition leads to in_flight
      "WHERE id = $1 RETURNING " DOCAXIS_PG_DELIVERY_COLUMNS,
      {num(static_cast<int64_t>(t.id)), text(std::string(to_string(*to))), num(now),
       t.kind == TransitionKind::kRetry ? num(t.next_attempt_ms) : null(),
       t.kind == TransitionKind::kDelivered ? null() : text(pg::storable_text(t.error)), num(counts_unanswered(t) ? 1 : 0)});
  if (!row) return failed(row.status());
  if (row->size() != 1) {
    return failed(Status("internal", "delivery " + std::to_string(t.id) + " vanished"));
  }
  auto d = pg::read_delivery(*row, 0);
  if (!d) return failed(d.status());
  TransitionResult out;
  out.delivery = std::move(*d);
  out.changed = state_name != to_string(*to);
  if (!out.changed || !t.follow_up || !is_terminal(*to)) return out;
  // Its own savepoint: a failing follow-up leaves the transition applied.
  if (Status sp = c.exec_script("SAVEPOINT follow_up"); !sp.ok()) return failed(sp);
  IngestOutcome stored;
  out.follow_up_status = validate(t.follow_up->package, t.follow_up->recipients);
  if (out.follow_up_status.ok()) {
    out.follow_up_status =
        ingest_in_transaction(c, t.follow_up->package, t.follow_up->recipients, stored);
  }
  if (out.follow_up_status.ok()) {
    out.follow_up_seq = stored.seq;
    if (Status r = c.exec_script("RELEASE SAVEPOINT follow_up"); !r.ok()) return failed(r);
    return out;
  }
  if (Status r = c.exec_script("ROLLBACK TO SAVEPOINT follow_up; RELEASE SAVEPOINT follow_up");
      !r.ok()) {
    return failed(r);
  }
  if (follow_up_fails_the_job(out.follow_up_status)) {
    // The receipt could not be written: the transition must not commit without it.
    return failed(out.follow_up_status);
  }
  return out;
}

void PgStore::apply_async(std::vector<Transition> transitions, ApplyCallback done) {
  struct State {
    std::vector<Transition> transitions;
    std::vector<TransitionResult> results;
  };
  auto st = std::make_shared<State>(State{std::move(transitions), {}});
  pg::PgJob job;
  for (const auto& t : st->transitions) {
    if (t.follow_up) {
      job.weight_bytes += t.follow_up->package.bytes.size();
      job.ordered = true;  // a follow-up is given a seq
    }
  }
  job.apply = [this, st](pg::Conn& c) -> Status {
    const int64_t now = now_ms();
    st->results.clear();
    for (const Transition& t : st->transitions) {
      TransitionResult r = apply_one(c, t, now);
      const std::string& code = r.status.code();
      if (!r.status.ok() && code != "not-found" && code != "failed-precondition") return r.status;
      st->results.push_back(std::move(r));
    }
    return Status();
  };
  job.done = [st, done = std::move(done)](Status s) {
    if (!s.ok()) return done(std::move(s));
    done(std::move(st->results));
  };
  writer_->submit(std::move(job));
}

Result<std::vector<Delivery>> PgStore::overdue_waiting(int64_t created_before_ms,
                                                       uint32_t limit) {
  std::vector<Delivery> out;
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();  // read() may run this twice (a new connection)
    return pg::append_deliveries(c.exec("SELECT " DOCAXIS_PG_DELIVERY_COLUMNS
                                        " FROM deliveries WHERE state = 'waiting' AND "
                                        "created_ms < $1 ORDER BY created_ms, id LIMIT $2",
                                        {num(created_before_ms), num(limit)}),
                                 out);
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> PgStore::recover_in_flight(int64_t updated_before_ms) {
  const int64_t now = now_ms();
  uint64_t recovered = 0;
  Status s = write([&](pg::Conn& c) -> Status {
    // This node's own claims by its own clock (its sweeper's timeout; INT64_MAX at start-up:
    // nothing this node name owned is still in flight, the same-name lock guarantees it), and
    // any node's whose lease is over by the database's clock (a dead node's). A row another
    // transaction holds (its outcome being applied) is skipped, not waited for.
    auto r = c.exec(
        "UPDATE deliveries SET state = 'waiting', next_attempt_ms = $2, updated_ms = $2, "
        "unanswered = unanswered + 1, "
        "last_error = 'recovered: in flight without outcome since ' || updated_ms || "
        "CASE WHEN owner = $3 THEN '' ELSE ' (claimed by node ' || quote_literal(owner) || "
        "', whose lease expired)' END, owner = NULL, lease_until_ms = NULL "
        "WHERE state = 'in_flight' AND id = ANY(ARRAY(SELECT id FROM deliveries "
        "WHERE state = 'in_flight' AND ((owner = $3 AND updated_ms < $1) "
        "OR lease_until_ms <= docaxis_now_ms()) FOR UPDATE SKIP LOCKED))",
        {num(updated_before_ms), num(now), text(options_.node)});
    if (!r) return r.status();
    recovered = r->affected();
    return Status();
  });
  if (!s.ok()) return s;
  return recovered;
}

Result<std::vector<Delivery>> PgStore::deliveries_of(uint64_t seq) {
  std::vector<Delivery> out;
  Status s = read([&](pg::Conn& c) -> Status {
    auto exists = c.exec("SELECT 1 FROM packages WHERE seq = $1", {num(static_cast<int64_t>(seq))});
    if (!exists) return exists.status();
    if (exists->size() == 0) return Status("not-found", "no package with seq " + std::to_string(seq));
    out.clear();  // read() may run this twice (a new connection)
    return pg::append_deliveries(c.exec("SELECT " DOCAXIS_PG_DELIVERY_COLUMNS
                                        " FROM deliveries WHERE seq = $1 ORDER BY id",
                                        {num(static_cast<int64_t>(seq))}),
                                 out);
  });
  if (!s.ok()) return s;
  return out;
}

Result<Delivery> PgStore::load_delivery(uint64_t id) {
  Delivery out;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec("SELECT " DOCAXIS_PG_DELIVERY_COLUMNS " FROM deliveries WHERE id = $1",
                       {num(static_cast<int64_t>(id))});
    if (!rows) return rows.status();
    if (rows->size() == 0) return Status("not-found", "no delivery with id " + std::to_string(id));
    auto d = pg::read_delivery(*rows, 0);
    if (!d) return d.status();
    out = std::move(*d);
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<HopQueueStats>> PgStore::queue_stats() {
  std::vector<HopQueueStats> out;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec(
        "SELECT next_hop, count(*) FILTER (WHERE state = 'waiting' AND attempts = 0), "
        "count(*) FILTER (WHERE state = 'waiting' AND attempts > 0), "
        "count(*) FILTER (WHERE state = 'in_flight'), count(*) FILTER (WHERE state = 'delivered'), "
        "count(*) FILTER (WHERE state = 'refused'), count(*) FILTER (WHERE state = 'dead'), "
        "min(created_ms) FILTER (WHERE state IN ('waiting', 'in_flight')), "
        "min(next_attempt_ms) FILTER (WHERE state = 'waiting') "
        "FROM deliveries GROUP BY next_hop ORDER BY next_hop COLLATE \"C\"");
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      HopQueueStats h;
      h.next_hop = rows->text_at(i, 0);
      uint64_t* counts[] = {&h.waiting, &h.retrying, &h.in_flight, &h.delivered, &h.refused, &h.dead};
      for (int k = 0; k < 6; ++k) *counts[k] = static_cast<uint64_t>(rows->int_at(i, 1 + k));
      if (!rows->null_at(i, 7)) h.oldest_pending_created_ms = rows->int_at(i, 7);
      if (!rows->null_at(i, 8)) h.next_attempt_ms = rows->int_at(i, 8);
      out.push_back(std::move(h));
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> PgStore::purge(int64_t before_ms, uint32_t limit) {
  uint64_t purged = 0;
  Status s = write([&](pg::Conn& c) -> Status {
    auto candidates = c.exec(
        "SELECT p.seq FROM packages p WHERE p.received_ms < $1 AND NOT EXISTS ("
        "  SELECT 1 FROM deliveries d WHERE d.seq = p.seq AND "
        "  (d.state IN ('waiting', 'in_flight') OR d.updated_ms >= $1)) "
        "ORDER BY p.seq LIMIT $2 FOR UPDATE OF p SKIP LOCKED",
        {num(before_ms), num(limit)});
    if (!candidates) return candidates.status();
    if (candidates->size() == 0) return Status();
    std::string array = "{";
    for (int i = 0; i < candidates->size(); ++i) {
      array += (i == 0 ? "" : ",") + candidates->text_at(i, 0);
    }
    array += "}";
    // The key stays as a tombstone (seq NULL): a re-send is still a duplicate.
    for (const char* sql : {"UPDATE dedup_keys SET seq = NULL WHERE seq = ANY($1::bigint[])",
                            "DELETE FROM deliveries WHERE seq = ANY($1::bigint[])",
                            "DELETE FROM packages WHERE seq = ANY($1::bigint[])"}) {
      if (auto r = c.exec(sql, {text(array)}); !r) return r.status();
    }
    purged = static_cast<uint64_t>(candidates->size());
    return Status();
  });
  if (!s.ok()) return s;
  return purged;
}

}  // namespace docaxis::store
