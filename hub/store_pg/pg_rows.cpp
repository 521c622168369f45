#include "store_pg/pg_rows.hpp"

#include <utility>

#include "store/package_codec.hpp"

namespace docaxis::store::pg {

Result<StoredPackage> read_package(const Rows& r, int i, uint64_t seq) {
  if (!r.null_at(i, 29)) {
    return Status("released", "package " + std::to_string(seq) +
                                  ": its bytes were released by retention at " +
                                  r.text_at(i, 29) + " (unix ms)");
  }
  StoredPackage p;
  p.seq = seq;
  p.message_type = r.text_at(i, 0);
  p.sender = r.text_at(i, 1);
  p.document_id = r.text_at(i, 2);
  p.sha256_hex = r.text_at(i, 3);
  p.received_ms = r.int_at(i, 4);
  p.from_endpoint = r.text_at(i, 5);
  auto relaxations = decode_strings(r.text_at(i, 6), seq);
  if (!relaxations) return relaxations.status();
  p.relaxations = std::move(*relaxations);
  auto hops = decode_hops(r.text_at(i, 7), seq);
  if (!hops) return hops.status();
  p.hops = std::move(*hops);
  p.bytes = r.bytea_at(i, 9);
  if (static_cast<int64_t>(p.bytes.size()) != r.int_at(i, 28)) {
    return Status("data-loss", "package " + std::to_string(seq) + " has " +
                                   std::to_string(p.bytes.size()) + " bytes, its row says " +
                                   r.text_at(i, 28));
  }
  PackageVerdict& v = p.verdict;
  const std::string form = r.text_at(i, 10);
  auto parsed = parse_verdict_form(form);
  if (!parsed) {
    return Status("data-loss",
                  "package " + std::to_string(seq) + " has unknown verdict_form '" + form + "'");
  }
  v.form = *parsed;
  if (v.form == PackageVerdict::Form::kLegacy) v.legacy_text = r.text_at(i, 8);
  v.is_signed = r.text_at(i, 11) == "t";
  v.signer_subject = r.text_at(i, 12);
  v.signature_method = r.text_at(i, 13);
  v.unsigned_note = r.text_at(i, 14);
  v.relaxation_reason = r.text_at(i, 15);
  v.relayed_by = r.text_at(i, 16);
  auto left = decode_left(r.text_at(i, 17), seq);
  if (!left) return left.status();
  v.left_to_earlier_hubs = std::move(*left);
  v.receipt_issuer = r.text_at(i, 18);
  v.receipt_outcome = r.text_at(i, 19);
  v.about_document = r.text_at(i, 20);
  v.about_sha256 = r.text_at(i, 21);
  if (!r.null_at(i, 22)) v.about_seq = static_cast<uint64_t>(r.int_at(i, 22));
  if (!r.null_at(i, 23)) v.about_delivery = static_cast<uint64_t>(r.int_at(i, 23));
  p.title = r.text_at(i, 24);
  p.notation = r.text_at(i, 25);
  v.about_recipient = r.text_at(i, 26);
  v.about_reason = r.text_at(i, 27);
  return p;
}

Result<Delivery> read_delivery(const Rows& r, int i) {
  Delivery d;
  d.id = static_cast<uint64_t>(r.int_at(i, 0));
  d.seq = static_cast<uint64_t>(r.int_at(i, 1));
  d.recipient = r.text_at(i, 2);
  d.next_hop = r.text_at(i, 3);
  const std::string state = r.text_at(i, 4);
  auto parsed = parse_delivery_state(state);
  if (!parsed) {
    return Status("data-loss",
                  "delivery " + std::to_string(d.id) + " has unknown state '" + state + "'");
  }
  d.state = *parsed;
  d.attempts = static_cast<uint32_t>(r.int_at(i, 5));
  d.next_attempt_ms = r.int_at(i, 6);
  d.last_error = r.text_at(i, 7);
  d.created_ms = r.int_at(i, 8);
  d.updated_ms = r.int_at(i, 9);
  d.unanswered = static_cast<uint32_t>(r.int_at(i, 10));
  return d;
}

Status append_deliveries(const Result<Rows>& rows, std::vector<Delivery>& out) {
  if (!rows) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    auto d = read_delivery(*rows, i);
    if (!d) return d.status();
    out.push_back(std::move(*d));
  }
  return Status();
}

}  // namespace docaxis::store::pg
