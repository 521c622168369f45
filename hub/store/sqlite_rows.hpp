// Internal to store/: reading rows into records, shared by the SqliteStore sources.
#pragma once

#include <functional>

#include "common/status.hpp"
#include "store/records.hpp"
#include "store/sqlite_db.hpp"

namespace docaxis::store {

// Column list every delivery query selects, in the order read_delivery expects.
#define DOCAXIS_DELIVERY_COLUMNS                                                        \
  "id, seq, recipient, next_hop, state, attempts, next_attempt_ms, last_error, created_ms, " \
  "updated_ms, unanswered"

inline Result<Delivery> read_delivery(const sqlite::Stmt& row) {
  Delivery d;
  d.id = static_cast<uint64_t>(row.int_at(0));
  d.seq = static_cast<uint64_t>(row.int_at(1));
  d.recipient = row.text_at(2);
  d.next_hop = row.text_at(3);
  std::string state = row.text_at(4);
  auto parsed = parse_delivery_state(state);
  if (!parsed) {
    return Status("data-loss", "delivery " + std::to_string(d.id) + " has unknown state '" +
                                   state + "'");
  }
  d.state = *parsed;
  d.attempts = static_cast<uint32_t>(row.int_at(5));
  d.next_attempt_ms = row.int_at(6);
  d.last_error = row.text_at(7);
  d.created_ms = row.int_at(8);
  d.updated_ms = row.int_at(9);
  d.unanswered = static_cast<uint32_t>(row.int_at(10));
  return d;
}

// Runs `stmt` to the end, calling `row` for each row; stops at the first error.
inline Status each_row(sqlite::Stmt& stmt, const std::function<Status()>& row) {
  for (;;) {
    auto more = stmt.step();
    if (!more) return more.status();
    if (!*more) return Status();
    if (Status s = row(); !s.ok()) return s;
  }
}

}  // namespace docaxis::store
