// SqliteStore: the InboxStore half (inbox_store.hpp) — inboxes read by polling.
#include <string>
#include <utility>

#include "store/group_commit.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_rows.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::store {
namespace {

constexpr const char* kItemColumns =
    "d.id, d.seq, d.recipient, d.next_hop, d.state, d.attempts, d.next_attempt_ms, "
    "d.last_error, d.created_ms, d.updated_ms, d.unanswered, "
    "p.message_type, p.sender, p.document_id, p.sha256_hex, p.size, p.received_ms, "
    "d.recipient_status";

// A DocId (any prefix of sha256_hex) through the index on its first 12 hex digits (migration
// 0007): the expression must be spelled as in the index. The queries name the index (INDEXED
// BY) and put packages first (CROSS JOIN): without statistics SQLite would rather walk the
// recipient's or sender's every row, which grows with the spool. ?1/?2 bound the whole sha256_hex,
// ?3/?4 its first 12 digits; [x, x + "g") holds exactly the strings starting with x, as 'g'
// sorts after every hex digit.
constexpr const char* kDocIdRange =
    "substr(p.sha256_hex, 1, 12) >= ?3 AND substr(p.sha256_hex, 1, 12) < ?4";
constexpr int kFirstFree = 5;  // the first parameter after kDocIdRange's four

struct DocIdBounds {
  explicit DocIdBounds(std::string_view prefix)
      : low(prefix), high(low + "g"), low12(low.substr(0, 12)), high12(low12 + "g") {}
  void bind(sqlite::Stmt& stmt) const { stmt.bind(1, low).bind(2, high).bind(3, low12).bind(4, high12); }
  std::string low, high, low12, high12;
};

// "?1, ?2, ..." for the recipients, numbered from `first`.
std::string placeholders(std::size_t n, int first) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += (i == 0 ? "?" : ", ?") + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

Result<InboxItem> read_item(const sqlite::Stmt& row) {
  auto d = read_delivery(row);
  if (!d) return d.status();
  InboxItem item;
  item.delivery = std::move(*d);
  item.message_type = row.text_at(11);
  item.sender = row.text_at(12);
  item.document_id = row.text_at(13);
  item.sha256_hex = row.text_at(14);
  item.size = static_cast<uint64_t>(row.int_at(15));
  item.received_ms = row.int_at(16);
  item.recipient_status = row.text_at(17);
  return item;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<InboxItem>> SqliteStore::waiting_for(const InboxQuery& q) {
  std::vector<InboxItem> out;
  if (q.recipients.empty() || q.limit == 0) return out;
  // deliveries_due_by_recipient (next_hop, recipient, state, ...) finds them; the package
  // row gives the type.
  const int n = static_cast<int>(q.recipients.size());
  const std::string sql = std::string("SELECT ") + kItemColumns +
                          " FROM deliveries d JOIN packages p ON p.seq = d.seq"
                          " WHERE d.next_hop = 'local' AND d.state = 'waiting' AND d.recipient IN (" +
                          placeholders(q.recipients.size(), 3) +
                          ") AND p.message_type = ?1 ORDER BY d.id LIMIT ?2";
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  stmt->bind(1, q.message_type).bind(2, static_cast<int64_t>(q.limit));
  for (int i = 0; i < n; ++i) stmt->bind(3 + i, q.recipients[static_cast<std::size_t>(i)]);
  Status s = each_row(*stmt, [&]() -> Status {
    auto item = read_item(*stmt);
    if (!item) return item.status();
    out.push_back(std::move(*item));
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> SqliteStore::count_waiting_for(const InboxQuery& q) {
  if (q.recipients.empty()) return uint64_t{0};
  const int n = static_cast<int>(q.recipients.size());
  const std::string sql =
      "SELECT count(*) FROM deliveries d JOIN packages p ON p.seq = d.seq"
      " WHERE d.next_hop = 'local' AND d.state = 'waiting' AND d.recipient IN (" +
      placeholders(q.recipients.size(), 2) + ") AND p.message_type = ?1";
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  stmt->bind(1, q.message_type);
  for (int i = 0; i < n; ++i) stmt->bind(2 + i, q.recipients[static_cast<std::size_t>(i)]);
  auto row = stmt->step();
  if (!row) return row.status();
  return static_cast<uint64_t>(*row ? stmt->int_at(0) : 0);
}

Result<InboxItem> SqliteStore::find_for(const std::vector<std::string>& recipients,
                                        std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64 || !is_lower_hex(prefix)) {
    return Status("invalid-argument", "a document id is 1 to 64 lowercase hex digits");
  }
  if (recipients.empty()) return Status("not-found", "no recipient to look for");
  const int n = static_cast<int>(recipients.size());
  const std::string sql = std::string("SELECT ") + kItemColumns +
                          " FROM packages p INDEXED BY packages_by_doc_id"
                          " CROSS JOIN deliveries d ON d.seq = p.seq"
                          " WHERE " + kDocIdRange + " AND p.sha256_hex >= ?1 AND p.sha256_hex < ?2"
                          " AND d.next_hop = 'local' AND d.recipient IN (" +
                          placeholders(recipients.size(), kFirstFree) +
                          ") ORDER BY d.id DESC LIMIT 1";
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  const DocIdBounds bounds(prefix);  // Stmt::bind does not copy: it outlives the step
  bounds.bind(*stmt);
  for (int i = 0; i < n; ++i) stmt->bind(kFirstFree + i, recipients[static_cast<std::size_t>(i)]);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status("not-found", "no document " + std::string(prefix) + " for this recipient");
  return read_item(*stmt);
}

Result<std::vector<SentPackage>> SqliteStore::sent_by(const std::vector<std::string>& senders,
                                                     std::string_view prefix,
                                                     const std::string& message_type,
                                                     uint32_t limit) {
  std::vector<SentPackage> out;
  if (!prefix.empty() && (prefix.size() > 64 || !is_lower_hex(prefix))) {
    return Status("invalid-argument", "a document id is 1 to 64 lowercase hex digits");
  }
  if (senders.empty() || limit == 0) return out;
  const DocIdBounds bounds(prefix);  // Stmt::bind does not copy: it outlives the steps
  const int n = static_cast<int>(senders.size());
  const std::string sql =
      "SELECT seq, message_type, sender, document_id, sha256_hex, title, notation, received_ms "
      "FROM packages p" + std::string(prefix.empty() ? "" : " INDEXED BY packages_by_doc_id") +
      " WHERE sender IN (" + placeholders(senders.size(), kFirstFree + 1) + ") AND " +
      (prefix.empty() ? std::string("message_type = ?1 ORDER BY received_ms DESC, seq DESC")
                      : std::string(kDocIdRange) +
                            " AND p.sha256_hex >= ?1 AND p.sha256_hex < ?2 ORDER BY seq DESC") +
      " LIMIT ?" + std::to_string(kFirstFree);
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(sql);
  if (!stmt) return stmt.status();
  if (prefix.empty()) stmt->bind(1, message_type);  // ?2 to ?4 unused (left NULL)
  else bounds.bind(*stmt);
  stmt->bind(kFirstFree, static_cast<int64_t>(limit));
  for (int i = 0; i < n; ++i) stmt->bind(kFirstFree + 1 + i, senders[static_cast<std::size_t>(i)]);
  Status s = each_row(*stmt, [&]() -> Status {
    SentPackage p;
    p.seq = static_cast<uint64_t>(stmt->int_at(0));
    p.message_type = stmt->text_at(1);
    p.sender = stmt->text_at(2);
    p.document_id = stmt->text_at(3);
    p.sha256_hex = stmt->text_at(4);
    p.title = stmt->text_at(5);
    p.notation = stmt->text_at(6);
    p.received_ms = stmt->int_at(7);
    out.push_back(std::move(p));
    return Status();
  });
  if (!s.ok()) return s;
  auto deliveries = reader_->prepare("SELECT " DOCAXIS_DELIVERY_COLUMNS
                                     " FROM deliveries WHERE seq = ?1 ORDER BY id");
  if (!deliveries) return deliveries.status();
  auto receipts = reader_->prepare(
      "SELECT about_recipient, receipt_outcome, receipt_issuer, document_id, about_reason, "
      "received_ms FROM packages WHERE message_type = 'receipt' AND about_sha256 = ?1 "
      "ORDER BY seq");
  if (!receipts) return receipts.status();
  for (SentPackage& p : out) {
    deliveries->bind(1, static_cast<int64_t>(p.seq));
    s = each_row(*deliveries, [&]() -> Status {
      auto d = read_delivery(*deliveries);
      if (!d) return d.status();
      p.deliveries.push_back(std::move(*d));
      return Status();
    });
    deliveries->reset();
    if (!s.ok()) return s;
    receipts->bind(1, p.sha256_hex);
    s = each_row(*receipts, [&]() -> Status {
      p.receipts.push_back(SentReceipt{receipts->text_at(0), receipts->text_at(1),
                                       receipts->text_at(2), receipts->text_at(3),
                                       receipts->text_at(4), receipts->int_at(5)});
      return Status();
    });
    receipts->reset();
    if (!s.ok()) return s;
  }
  return out;
}

void SqliteStore::record_event_async(uint64_t id, std::string result, std::string detail,
                                     std::string status, int64_t now_ms,
                                     std::function<void(Status)> done) {
  struct Event {
    std::string result, detail, status;
  };
  auto ev = std::make_shared<Event>(Event{std::move(result), std::move(detail), std::move(status)});
  WriteJob job;
  job.apply = [id, ev, now_ms](sqlite::Db& db) -> Status {
    auto insert = db.prepare(
        "INSERT INTO delivery_attempts (delivery_id, seq, recipient, attempt, started_ms, "
        "ended_ms, result, error, no_outcome) SELECT id, seq, recipient, 0, NULL, ?2, ?3, ?4, 0 "
        "FROM deliveries WHERE id = ?1");
    if (!insert) return insert.status();
    insert->bind(1, static_cast<int64_t>(id)).bind(2, now_ms).bind(3, ev->result).bind(4, ev->detail);
    if (Status s = insert->run(); !s.ok()) return s;
    if (db.changes() == 0) return Status("not-found", "no delivery with id " + std::to_string(id));
    if (ev->status.empty()) return Status();
    auto update = db.prepare("UPDATE deliveries SET recipient_status = ?2 WHERE id = ?1");
    if (!update) return update.status();
    update->bind(1, static_cast<int64_t>(id)).bind(2, ev->status);
    return update->run();
  };
  job.done = std::move(done);
  writer_->submit(std::move(job));
}

}  // namespace docaxis::store
