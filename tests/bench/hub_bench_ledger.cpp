#include "hub_bench_ledger.hpp"

#include <proton/binary.hpp>
#include <proton/message.hpp>
#include <proton/scalar.hpp>
#include <proton/value.hpp>

#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "hub_bench_topology.hpp"

namespace docaxis::bench {
namespace {

std::string property(const proton::message& m, const char* key) {
  // The hub sends its properties as strings (hub/amqp/README.md); anything else is foreign.
  try {
    auto props = m.properties();
    return props.exists(key) ? proton::get<std::string>(props.get(key)) : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

std::optional<std::string> body(const proton::message& m) {
  try {
    return std::string(proton::get<proton::binary>(m.body()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The receipt in a message body, if it is one.
std::optional<edxml::DeliveryReceipt> receipt_in(const proton::message& m) {
  const auto bytes = body(m);
  if (!bytes) return std::nullopt;
  auto doc = edxml::parse_untrusted(*bytes);
  if (!doc) return std::nullopt;
  auto receipt = edxml::read_receipt(*doc);
  if (!receipt) return std::nullopt;
  return std::move(receipt).value();
}

}  // namespace

Ledger::Ledger(const LoadSpec& spec, const Pool& pool)
    : spec_(spec), pool_(pool), in_flight_(spec.senders.size(), 0) {
  out.times.resize(pool.by_sender.size() * pool.per_sender);
  receipt_bytes_.resize(out.times.size());
  by_document_id_.reserve(out.times.size());
  for (std::size_t s = 0; s < pool.by_sender.size(); ++s) {
    for (std::size_t j = 0; j < pool.per_sender; ++j)
      by_document_id_.emplace(pool.by_sender[s][j].document_id, package_index(pool, s, j));
  }
}

std::optional<std::size_t> Ledger::index_of(const std::string& document_id) const {
  auto it = by_document_id_.find(document_id);
  if (it == by_document_id_.end()) return std::nullopt;
  return it->second;
}

void Ledger::on_send(std::size_t index) {
  PackageTimes& t = out.times[index];
  if (t.attempts++ == 0) {
    t.sent = now();
    ++out.sent;
    ++outcomes_pending_;
    ++in_flight_[sender_of(index)];
  }
}

void Ledger::on_accepted(std::size_t index) {
  PackageTimes& t = out.times[index];
  if (t.accepted >= 0) return;  // a retry answered twice: counted once
  t.accepted = now();
  ++out.accepted;
  --outcomes_pending_;
}

void Ledger::on_rejected(std::size_t index, const std::string& condition,
                         const std::string& description) {
  const std::string key = condition.empty() ? "(no condition)" : condition;
  if (out.rejections[key]++ == 0) out.rejection_text[key] = description;
  PackageTimes& t = out.times[index];
  if (t.accepted >= 0) return;
  ++out.rejected;
  --outcomes_pending_;
  if (t.delivered < 0) --in_flight_[sender_of(index)];
}

void Ledger::on_released(std::size_t) { ++out.released; }

void Ledger::on_inbox_message(std::size_t recipient, const proton::message& m) {
  const auto index = index_of(property(m, "document-id"));
  if (property(m, "messagetype") != "edoc" || !index) {
    ++out.unexpected;
    return;
  }
  const Package& p = package(*index);
  if (p.recipient != recipient || property(m, "from") != spec_.senders[sender_of(*index)])
    ++out.misrouted;
  const auto bytes = body(m);
  if (!bytes || *bytes != p.bytes) ++out.corrupted;
  PackageTimes& t = out.times[*index];
  if (t.delivered >= 0) {
    ++out.duplicate_deliveries;
    return;
  }
  t.delivered = now();
  ++out.delivered;
  uint32_t& in_flight = in_flight_[sender_of(*index)];
  if (in_flight > 0) --in_flight;  // 0 only if a rejected package arrives anyway
}

void Ledger::on_receipt_message(std::size_t sender, const proton::message& m) {
  const int64_t at = now();
  if (property(m, "messagetype") != "receipt") {
    ++out.unexpected;
    return;
  }
  // The receipt names the document in its body (its own document-id is the receipt id).
  const auto receipt = receipt_in(m);
  if (!receipt) {
    ++out.bad_receipts;
    return;
  }
  const auto index = index_of(receipt->document_id);
  if (!index) {
    ++out.unexpected;
    return;
  }
  if (sender_of(*index) != sender) ++out.misrouted;
  if (receipt->outcome != "delivered") ++out.bad_receipts;
  PackageTimes& t = out.times[*index];
  if (t.receipt >= 0) {
    ++out.duplicate_receipts;
    return;
  }
  t.receipt = at;
  ++out.receipts;
  if (auto bytes = body(m)) receipt_bytes_[*index] = std::move(*bytes);
}

void Ledger::verify_receipts() {
  auto fail = [this](const std::string& why) {
    if (out.unverified_receipts++ == 0) out.first_unverified = why;
  };
  auto trust = dsig::TrustStore::load({{spec_.pki + "/trust-anchors.pem"},
                                       {spec_.pki + "/intermediates.pem"},
                                       {spec_.pki + "/crl/all.pem"}});
  if (!trust.ok()) {
    out.errors.push_back("cannot load the trust to verify receipts: " + trust.status().to_string());
    return;
  }
  const dsig::Verifier verifier(*trust);
  const std::string signer = hub_subject(spec_.receipt_issuer);
  for (const std::string& bytes : receipt_bytes_) {
    if (bytes.empty()) continue;
    auto doc = edxml::parse_untrusted(bytes);
    if (!doc.ok()) {
      fail("unparsable: " + doc.status().to_string());
      continue;
    }
    // A hub's certificate carries no organ UID: no sender binding.
    auto verdict =
        verifier.verify(*doc, dsig::Placement::kRootLastChild, "", {false, false, false});
    if (!verdict.ok()) {
      fail("signature: " + verdict.status().to_string());
      continue;
    }
    if (verdict->signer_subject != signer) {
      fail("signed by \"" + verdict->signer_subject + "\", expected \"" + signer + "\"");
      continue;
    }
    auto receipt = edxml::read_receipt(*doc);
    if (!receipt.ok()) {
      fail("unreadable: " + receipt.status().to_string());
      continue;
    }
    std::vector<std::string> hops;
    for (const auto& h : receipt->hops) hops.push_back(h.hub);
    if (receipt->issuer_hub != spec_.receipt_issuer || hops != spec_.receipt_hops) {
      std::string trail;
      for (const auto& h : hops) trail += (trail.empty() ? "" : ">") + h;
      fail("issuer " + receipt->issuer_hub + ", hops " + trail);
      continue;
    }
    ++out.receipts_verified;
  }
}

bool Ledger::complete() const {
  return outcomes_pending_ == 0 && out.delivered == out.accepted && out.receipts == out.delivered;
}

void Ledger::fail(const std::string& what) {
  if (phase == Phase::kClosing) return;  // errors from our own teardown
  out.errors.push_back(what);
  phase = Phase::kClosing;
}

}  // namespace docaxis::bench
