// PgStore: the InboxStore half (store/inbox_store.hpp) — inboxes read by polling, with
// SqliteStore's contract and orderings.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_rows.hpp"
#include "store_pg/pg_store.hpp"
#include "store_pg/pg_writer.hpp"

namespace docaxis::store {

using pg::num;
using pg::text;

namespace {

constexpr const char* kItemColumns =
    "d.id, d.seq, d.recipient, d.next_hop, d.state, d.attempts, d.next_attempt_ms, "
    "d.last_error, d.created_ms, d.updated_ms, d.unanswered, "
    "p.message_type, p.sender, p.document_id, p.sha256_hex, p.size, p.received_ms, "
    "d.recipient_status";

// A DocId (any prefix of sha256_hex) as a byte-order range over packages_by_sha256 (COLLATE
// "C"): [x, x + "g") holds exactly the strings starting with x, as 'g' sorts after every hex
// digit. $1 and $2 are the bounds.
constexpr const char* kDocIdRange =
    "p.sha256_hex COLLATE \"C\" >= $1 AND p.sha256_hex COLLATE \"C\" < $2";

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status append_items(const Result<pg::Rows>& rows, std::vector<InboxItem>& out) {
  if (!rows) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    auto d = pg::read_delivery(*rows, i);
    if (!d) return d.status();
    InboxItem item;
    item.delivery = std::move(*d);
    item.message_type = rows->text_at(i, 11);
    item.sender = rows->text_at(i, 12);
    item.document_id = rows->text_at(i, 13);
    item.sha256_hex = rows->text_at(i, 14);
    item.size = static_cast<uint64_t>(rows->int_at(i, 15));
    item.received_ms = rows->int_at(i, 16);
    item.recipient_status = rows->text_at(i, 17);
    out.push_back(std::move(item));
  }
  return Status();
}

}  // namespace

Result<std::vector<InboxItem>> PgStore::waiting_for(const InboxQuery& q) {
  std::vector<InboxItem> out;
  if (q.recipients.empty() || q.limit == 0) return out;
  // deliveries_due_by_recipient (next_hop, recipient, ...) WHERE state = 'waiting' finds them;
  // the package row gives the type.
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    return append_items(
        c.exec(std::string("SELECT ") + kItemColumns +
                   " FROM deliveries d JOIN packages p ON p.seq = d.seq WHERE d.next_hop = "
                   "'local' AND d.state = 'waiting' AND d.recipient = ANY($3::text[]) AND "
                   "p.message_type = $1 ORDER BY d.id LIMIT $2",
               {text(q.message_type), num(q.limit), text(pg::text_array(q.recipients))}),
        out);
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> PgStore::count_waiting_for(const InboxQuery& q) {
  if (q.recipients.empty()) return uint64_t{0};
  uint64_t n = 0;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec(
        "SELECT count(*) FROM deliveries d JOIN packages p ON p.seq = d.seq WHERE d.next_hop = "
        "'local' AND d.state = 'waiting' AND d.recipient = ANY($2::text[]) AND "
        "p.message_type = $1",
        {text(q.message_type), text(pg::text_array(q.recipients))});
    if (!rows) return rows.status();
    n = static_cast<uint64_t>(rows->int_at(0, 0));
    return Status();
  });
  if (!s.ok()) return s;
  return n;
}

Result<InboxItem> PgStore::find_for(const std::vector<std::string>& recipients,
                                    std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64 || !is_lower_hex(prefix)) {
    return Status("invalid-argument", "a document id is 1 to 64 lowercase hex digits");
  }
  if (recipients.empty()) return Status("not-found", "no recipient to look for");
  const std::string low(prefix);
  std::vector<InboxItem> found;
  Status s = read([&](pg::Conn& c) -> Status {
    found.clear();
    return append_items(
        c.exec(std::string("SELECT ") + kItemColumns +
                   " FROM packages p JOIN deliveries d ON d.seq = p.seq WHERE " + kDocIdRange +
                   " AND d.next_hop = 'local' AND d.recipient = ANY($3::text[]) "
                   "ORDER BY d.id DESC LIMIT 1",
               {text(low), text(low + "g"), text(pg::text_array(recipients))}),
        found);
  });
  if (!s.ok()) return s;
  if (found.empty()) {
    return Status("not-found", "no document " + low + " for this recipient");
  }
  return std::move(found.front());
}

Result<std::vector<SentPackage>> PgStore::sent_by(const std::vector<std::string>& senders,
                                                 std::string_view prefix,
                                                 const std::string& message_type,
                                                 uint32_t limit) {
  std::vector<SentPackage> out;
  if (!prefix.empty() && (prefix.size() > 64 || !is_lower_hex(prefix))) {
    return Status("invalid-argument", "a document id is 1 to 64 lowercase hex digits");
  }
  if (senders.empty() || limit == 0) return out;
  const std::string low(prefix);
  // With a DocId: that package, whatever its type (as SqliteStore); without: the newest of
  // `message_type`.
  const std::string sql =
      "SELECT seq, message_type, sender, document_id, sha256_hex, title, notation, received_ms "
      "FROM packages p WHERE sender = ANY($3::text[]) AND " +
      (prefix.empty()
           ? std::string("message_type = $1 ORDER BY received_ms DESC, seq DESC LIMIT $2")
           : std::string(kDocIdRange) + " ORDER BY seq DESC LIMIT $4");
  std::vector<pg::Param> params;
  if (prefix.empty()) {
    params = {text(message_type), num(limit), text(pg::text_array(senders))};
  } else {
    params = {text(low), text(low + "g"), text(pg::text_array(senders)), num(limit)};
  }
  Status s = read([&](pg::Conn& c) -> Status {
    out.clear();
    auto rows = c.exec(sql, params);
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      SentPackage p;
      p.seq = static_cast<uint64_t>(rows->int_at(i, 0));
      p.message_type = rows->text_at(i, 1);
      p.sender = rows->text_at(i, 2);
      p.document_id = rows->text_at(i, 3);
      p.sha256_hex = rows->text_at(i, 4);
      p.title = rows->text_at(i, 5);
      p.notation = rows->text_at(i, 6);
      p.received_ms = rows->int_at(i, 7);
      out.push_back(std::move(p));
    }
    for (SentPackage& p : out) {
      if (Status e = pg::append_deliveries(
              c.exec("SELECT " DOCAXIS_PG_DELIVERY_COLUMNS
                     " FROM deliveries WHERE seq = $1 ORDER BY id",
                     {num(static_cast<int64_t>(p.seq))}),
              p.deliveries);
          !e.ok()) {
        return e;
      }
      auto receipts = c.exec(
          "SELECT about_recipient, receipt_outcome, receipt_issuer, document_id, about_reason, "
          "received_ms FROM packages WHERE message_type = 'receipt' AND about_sha256 = $1 "
          "ORDER BY seq",
          {text(p.sha256_hex)});
      if (!receipts) return receipts.status();
      for (int i = 0; i < receipts->size(); ++i) {
        p.receipts.push_back(SentReceipt{receipts->text_at(i, 0), receipts->text_at(i, 1),
                                         receipts->text_at(i, 2), receipts->text_at(i, 3),
                                         receipts->text_at(i, 4), receipts->int_at(i, 5)});
      }
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

void PgStore::record_event_async(uint64_t id, std::string result, std::string detail,
                                 std::string status, int64_t now_ms,
                                 std::function<void(Status)> done) {
  struct Event {
    std::string result, detail, status;
  };
  // The recipient's system wrote the detail and status: stored, never refused for bad UTF-8.
  auto ev = std::make_shared<Event>(Event{pg::storable_text(result), pg::storable_text(detail),
                                          pg::storable_text(status)});
  pg::PgJob job;
  job.apply = [id, ev, now_ms](pg::Conn& c) -> Status {
    auto inserted = c.exec(
        "INSERT INTO delivery_attempts (delivery_id, seq, recipient, attempt, started_ms, "
        "ended_ms, result, error, no_outcome) SELECT id, seq, recipient, 0, NULL, $2, $3, $4, "
        "false FROM deliveries WHERE id = $1",
        {num(static_cast<int64_t>(id)), num(now_ms), text(ev->result), text(ev->detail)});
    if (!inserted) return inserted.status();
    if (inserted->affected() == 0) {
      return Status("not-found", "no delivery with id " + std::to_string(id));
    }
    if (ev->status.empty()) return Status();
    return c.exec("UPDATE deliveries SET recipient_status = $2 WHERE id = $1",
                  {num(static_cast<int64_t>(id)), text(ev->status)})
        .status();
  };
  job.done = std::move(done);
  writer_->submit(std::move(job));
}

}  // namespace docaxis::store
