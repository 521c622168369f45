// Internal to store_pg/: reading rows into records, shared by the PgStore sources.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.hpp"
#include "store/records.hpp"
#include "store_pg/pg_conn.hpp"

// Column lists in the order read_package / read_delivery expect.
#define DOCAXIS_PG_PACKAGE_COLUMNS                                                            \
  "message_type, sender, document_id, sha256_hex, received_ms, from_endpoint, relaxations, "  \
  "hops, verdict, bytes, verdict_form, signed, signer, signature_method, unsigned_note, "     \
  "relaxation_reason, relayed_by, left_to_earlier_hubs, receipt_issuer, receipt_outcome, "    \
  "about_document, about_sha256, about_seq, about_delivery, title, notation, about_recipient, " \
  "about_reason, size, released_ms"
#define DOCAXIS_PG_DELIVERY_COLUMNS                                                          \
  "id, seq, recipient, next_hop, state, attempts, next_attempt_ms, last_error, created_ms, " \
  "updated_ms, unanswered"

namespace docaxis::store::pg {

// `released` when retention released the bytes; data-loss for a row the store cannot have
// written (unknown verdict form, bad JSON, bytes of another length than `size`).
Result<StoredPackage> read_package(const Rows& rows, int row, uint64_t seq);
Result<Delivery> read_delivery(const Rows& rows, int row);
// Appends every row of a query over DOCAXIS_PG_DELIVERY_COLUMNS to `out`, or returns the
// query's failure (or the first row's that does not decode; `out` is then partial).
Status append_deliveries(const Result<Rows>& rows, std::vector<Delivery>& out);

}  // namespace docaxis::store::pg
