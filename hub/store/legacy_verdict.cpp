#include "store/legacy_verdict.hpp"

#include <string_view>
#include <vector>

#include "common/strings.hpp"
#include "store/package_codec.hpp"

namespace docaxis::store {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<uint64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::stoull(std::string(s));
}

// "<prefix>-<seq>-<delivery>" with both parts decimal.
std::optional<std::pair<uint64_t, uint64_t>> receipt_numbers(std::string_view id,
                                                             std::string_view prefix) {
  if (!starts_with(id, prefix) || id.size() <= prefix.size() || id[prefix.size()] != '-') {
    return std::nullopt;
  }
  std::string_view rest = id.substr(prefix.size() + 1);
  const std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto seq = digits(rest.substr(0, dash));
  auto delivery = digits(rest.substr(dash + 1));
  if (!seq || !delivery) return std::nullopt;
  return std::make_pair(*seq, *delivery);
}

// The "; "-separated segments of a package sentence after the first (signature) part.
void read_segments(const std::vector<std::string_view>& segments, PackageVerdict& v) {
  for (std::string_view seg : segments) {
    if (starts_with(seg, "relaxed: ")) {
      const std::size_t open = seg.find(" (");
      if (open != std::string_view::npos && seg.back() == ')') {
        v.relaxation_reason = std::string(seg.substr(open + 2, seg.size() - open - 3));
      }
    } else if (starts_with(seg, "relayed by ")) {
      v.relayed_by = std::string(seg.substr(11));
    } else if (starts_with(seg, "left to earlier hubs: ")) {
      for (std::string_view item : split(seg.substr(22), ',')) {
        const std::size_t via = item.find(" (via ");
        if (via == std::string_view::npos || item.empty() || item.back() != ')') continue;
        v.left_to_earlier_hubs.push_back(
            {std::string(item.substr(0, via)),
             std::string(item.substr(via + 6, item.size() - via - 7))});
      }
    }
  }
}

std::vector<std::string_view> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + sep.size());
  }
}

}  // namespace

PackageVerdict parse_legacy_verdict(const std::string& sentence, const std::string& document_id) {
  PackageVerdict v;
  v.form = PackageVerdict::Form::kLegacy;
  v.legacy_text = sentence;
  std::vector<std::string_view> parts = split_on(sentence, "; ");
  const std::string_view first = parts.front();
  const std::vector<std::string_view> rest(parts.begin() + 1, parts.end());
  if (starts_with(first, "signed by ")) {
    v.is_signed = true;
    v.signer_subject = std::string(first.substr(10));
    if (!rest.empty()) v.signature_method = std::string(rest.front());
    read_segments(rest, v);
  } else if (starts_with(first, "unsigned")) {
    if (starts_with(first, "unsigned: ")) v.unsigned_note = std::string(first.substr(10));
    read_segments(rest, v);
  } else if (starts_with(first, "receipt for ")) {
    // receipt for D (O) issued by H, signed by S; relayed by X
    const std::size_t issued = first.rfind(") issued by ");
    const std::size_t open = issued == std::string_view::npos ? issued : first.rfind(" (", issued);
    const std::size_t signed_by = first.find(", signed by ", issued == std::string_view::npos ? 0 : issued);
    if (open != std::string_view::npos && open >= 12 && signed_by != std::string_view::npos) {
      v.about_document = std::string(first.substr(12, open - 12));
      v.receipt_outcome = std::string(first.substr(open + 2, issued - open - 2));
      v.receipt_issuer = std::string(first.substr(issued + 12, signed_by - issued - 12));
      v.is_signed = true;
      v.signer_subject = std::string(first.substr(signed_by + 12));
    }
    read_segments(rest, v);
  } else if (starts_with(first, "issued by ")) {
    // issued by H for delivery N (O, document D, sha256 X)
    std::string_view s = sentence;
    const std::size_t for_delivery = s.find(" for delivery ");
    const std::size_t open = for_delivery == std::string_view::npos ? for_delivery : s.find(" (", for_delivery);
    const std::size_t doc = open == std::string_view::npos ? open : s.find(", document ", open);
    const std::size_t sha = doc == std::string_view::npos ? doc : s.rfind(", sha256 ");
    if (sha != std::string_view::npos && sha > doc && s.back() == ')') {
      v.receipt_issuer = std::string(s.substr(10, for_delivery - 10));
      auto delivery = digits(s.substr(for_delivery + 14, open - for_delivery - 14));
      v.receipt_outcome = std::string(s.substr(open + 2, doc - open - 2));
      v.about_document = std::string(s.substr(doc + 11, sha - doc - 11));
      v.about_sha256 = std::string(s.substr(sha + 9, s.size() - sha - 10));
      auto numbers = receipt_numbers(document_id, v.receipt_issuer);
      if (delivery && numbers && numbers->second == *delivery) {
        v.about_seq = numbers->first;
        v.about_delivery = delivery;
      }
    }
  }
  return v;
}

Status backfill_legacy_verdicts(sqlite::Db& db) {
  auto rows = db.prepare(
      "SELECT seq, document_id, verdict FROM packages WHERE verdict_form = 'legacy'");
  if (!rows) return rows.status();
  auto update = db.prepare(
      "UPDATE packages SET signed = ?2, signer = ?3, signature_method = ?4, unsigned_note = ?5, "
      "relaxation_reason = ?6, relayed_by = ?7, left_to_earlier_hubs = ?8, receipt_issuer = ?9, "
      "receipt_outcome = ?10, about_document = ?11, about_sha256 = ?12, about_seq = ?13, "
      "about_delivery = ?14 WHERE seq = ?1");
  if (!update) return update.status();
  struct Legacy {
    int64_t seq;
    std::string document_id;
    std::string sentence;
  };
  std::vector<Legacy> legacy;  // read first: no update while the scan is open
  for (;;) {
    auto row = rows->step();
    if (!row) return row.status();
    if (!*row) break;
    legacy.push_back({rows->int_at(0), rows->text_at(1), rows->text_at(2)});
  }
  for (const Legacy& l : legacy) {
    const PackageVerdict v = parse_legacy_verdict(l.sentence, l.document_id);
    const std::string left = encode_left(v.left_to_earlier_hubs);  // bound, not copied
    update->bind(1, l.seq).bind(2, int64_t{v.is_signed ? 1 : 0}).bind(3, v.signer_subject);
    update->bind(4, v.signature_method).bind(5, v.unsigned_note).bind(6, v.relaxation_reason);
    update->bind(7, v.relayed_by).bind(8, left);
    update->bind(9, v.receipt_issuer).bind(10, v.receipt_outcome).bind(11, v.about_document);
    update->bind(12, v.about_sha256);
    v.about_seq ? update->bind(13, static_cast<int64_t>(*v.about_seq)) : update->bind_null(13);
    v.about_delivery ? update->bind(14, static_cast<int64_t>(*v.about_delivery))
                     : update->bind_null(14);
    if (Status s = update->run(); !s.ok()) return s;
  }
  if (Status s = db.exec(
          "UPDATE dedup_keys SET "
          "about_seq = (SELECT p.about_seq FROM packages p WHERE p.seq = dedup_keys.seq), "
          "about_delivery = (SELECT p.about_delivery FROM packages p WHERE p.seq = dedup_keys.seq) "
          "WHERE seq IN (SELECT seq FROM packages WHERE about_seq IS NOT NULL)");
      !s.ok()) {
    return s;
  }
  auto tombstones = db.prepare(
      "SELECT sender, document_id FROM dedup_keys WHERE seq IS NULL AND message_type = 'receipt'");
  if (!tombstones) return tombstones.status();
  auto set_about = db.prepare(
      "UPDATE dedup_keys SET about_seq = ?3, about_delivery = ?4 "
      "WHERE sender = ?1 AND document_id = ?2 AND message_type = 'receipt'");
  if (!set_about) return set_about.status();
  std::vector<std::pair<std::string, std::string>> keys;
  for (;;) {
    auto row = tombstones->step();
    if (!row) return row.status();
    if (!*row) break;
    keys.emplace_back(tombstones->text_at(0), tombstones->text_at(1));
  }
  for (const auto& [sender, id] : keys) {
    auto numbers = receipt_numbers(id, sender);
    if (!numbers) continue;
    set_about->bind(1, sender).bind(2, id).bind(3, static_cast<int64_t>(numbers->first));
    set_about->bind(4, static_cast<int64_t>(numbers->second));
    if (Status s = set_about->run(); !s.ok()) return s;
  }
  return Status();
}

}  // namespace docaxis::store
