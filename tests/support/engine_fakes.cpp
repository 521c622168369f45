#include "engine_fakes.hpp"

#include <algorithm>
#include <utility>

#include "edxml/organ_id.hpp"

namespace docaxis::test {
namespace {

Status not_in_fake(const char* what) {
  return Status("failed-precondition", std::string(what) + ": not in the fake");
}

}  // namespace

// --- package builders ---------------------------------------------------------------------

edxml::OrganInfo organ(const std::string& organ_id) {
  edxml::OrganInfo o;
  o.organ_id = organ_id;
  if (auto parsed = edxml::OrganId::parse(organ_id); parsed.ok()) o.parsed_organ_id = *parsed;
  o.organ_name = "Organ " + organ_id;
  return o;
}

edxml::Package document(const std::string& from, const std::vector<std::string>& to,
                        const std::string& document_id) {
  edxml::Package p;
  p.kind = edxml::PackageKind::document;
  p.header.from = organ(from);
  for (const auto& t : to) p.header.to.push_back(organ(t));
  p.header.document_id = document_id;
  p.header.subject = "test document " + document_id;
  return p;
}

edxml::Package status_package(const std::string& from, const std::string& response_for_organ,
                              const std::string& response_for_document,
                              const std::string& status_code, const std::string& timestamp) {
  edxml::Package p;
  p.kind = edxml::PackageKind::status;
  p.header.from = organ(from);
  edxml::ResponseFor rf;
  rf.organ_id = response_for_organ;
  if (auto parsed = edxml::OrganId::parse(response_for_organ); parsed.ok()) {
    rf.parsed_organ_id = *parsed;
  }
  rf.document_id = response_for_document;
  p.header.response_for.push_back(std::move(rf));
  p.header.status_code = status_code;
  p.header.timestamp = timestamp;
  return p;
}

engine::Verdict signed_by(const std::string& subject) {
  engine::Verdict v;
  v.is_signed = true;
  v.signer_subject = subject;
  v.signature_method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
  return v;
}

engine::VerifiedPackage verified(edxml::Package package, engine::Verdict verdict) {
  return engine::VerifiedPackage{std::move(package), std::move(verdict)};
}

// --- ScriptedVerifier ---------------------------------------------------------------------

void ScriptedVerifier::answer(Result<engine::VerifiedPackage> a) {
  std::lock_guard lk(mu_);
  default_ = std::move(a);
}

void ScriptedVerifier::answer_for(const std::string& bytes, Result<engine::VerifiedPackage> a) {
  std::lock_guard lk(mu_);
  by_bytes_.insert_or_assign(bytes, std::move(a));
}

void ScriptedVerifier::answer_receipt(Result<engine::VerifiedReceipt> a) {
  std::lock_guard lk(mu_);
  receipt_ = std::move(a);
}

Result<engine::VerifiedPackage> ScriptedVerifier::verify_package(
    std::string_view bytes, const engine::VerifyPolicy& policy) const {
  std::lock_guard lk(mu_);
  ++calls_;
  policies_.push_back(policy);
  if (auto it = by_bytes_.find(bytes); it != by_bytes_.end()) return it->second;
  return default_;
}

Result<engine::VerifiedReceipt> ScriptedVerifier::verify_receipt(std::string_view) const {
  std::lock_guard lk(mu_);
  ++calls_;
  return receipt_;
}

std::size_t ScriptedVerifier::calls() const {
  std::lock_guard lk(mu_);
  return calls_;
}

std::vector<engine::VerifyPolicy> ScriptedVerifier::policies() const {
  std::lock_guard lk(mu_);
  return policies_;
}

// --- FakeSigner ---------------------------------------------------------------------------

void FakeSigner::fail_with(Status s) {
  std::lock_guard lk(mu_);
  fail_ = std::move(s);
}

Result<std::string> FakeSigner::sign_receipt(std::string_view receipt_xml) const {
  std::lock_guard lk(mu_);
  ++calls_;
  if (!fail_.ok()) return fail_;
  return std::string(receipt_xml) + kMark;
}

std::size_t FakeSigner::calls() const {
  std::lock_guard lk(mu_);
  return calls_;
}

// --- MemoryStore --------------------------------------------------------------------------

MemoryStore::MemoryStore(Callbacks callbacks) : mode_(callbacks) {
  if (mode_ == Callbacks::kCompleterThread) completer_ = std::thread([this] { completer_loop(); });
}

MemoryStore::~MemoryStore() {
  resume();
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (completer_.joinable()) completer_.join();
}

void MemoryStore::completer_loop() {
  for (;;) {
    std::function<void()> f;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !callbacks_.empty(); });
      if (callbacks_.empty()) return;
      f = std::move(callbacks_.front());
      callbacks_.pop_front();
    }
    f();
  }
}

void MemoryStore::complete(std::function<void()> callback) {
  if (mode_ == Callbacks::kInline) {
    callback();
    return;
  }
  {
    std::lock_guard lk(mu_);
    callbacks_.push_back(std::move(callback));
  }
  cv_.notify_all();
}

void MemoryStore::pause() {
  std::lock_guard lk(mu_);
  paused_ = true;
}

void MemoryStore::resume() {
  std::vector<std::function<void()>> held;
  {
    std::lock_guard lk(mu_);
    paused_ = false;
    held.swap(held_);
  }
  for (auto& f : held) f();
}

std::size_t MemoryStore::held() const {
  std::lock_guard lk(mu_);
  return held_.size();
}

void MemoryStore::ingest_async(store::StoredPackage pkg,
                               std::vector<store::DeliverySpec> recipients, IngestCallback done) {
  {
    std::lock_guard lk(mu_);
    if (paused_) {
      auto p = std::make_shared<store::StoredPackage>(std::move(pkg));
      auto r = std::make_shared<std::vector<store::DeliverySpec>>(std::move(recipients));
      held_.push_back([this, p, r, done = std::move(done)]() mutable {
        ingest_async(std::move(*p), std::move(*r), std::move(done));
      });
      return;
    }
  }
  auto outcome = std::make_shared<Result<store::IngestOutcome>>(
      commit(std::move(pkg), std::move(recipients)));
  complete([outcome, done = std::move(done)] { done(std::move(*outcome)); });
}

Result<store::IngestOutcome> MemoryStore::commit(store::StoredPackage pkg,
                                                 std::vector<store::DeliverySpec> recipients) {
  if (pkg.message_type != "edoc" && pkg.message_type != "status" &&
      pkg.message_type != "receipt") {
    return Status("invalid-argument", "message type \"" + pkg.message_type + "\"");
  }
  if (pkg.sha256_hex.size() != 64) return Status("invalid-argument", "sha256_hex is not 64 hex");
  if (recipients.empty()) return Status("invalid-argument", "no recipient");
  std::lock_guard lk(mu_);
  auto key = std::make_tuple(pkg.sender, pkg.document_id, pkg.message_type);
  if (auto it = keys_.find(key); it != keys_.end()) {
    if (it->second.first == pkg.sha256_hex) {
      return store::IngestOutcome{store::IngestOutcome::Kind::kDuplicate, it->second.second};
    }
    return Status("duplicate-conflict", "package (" + pkg.sender + ", " + pkg.document_id + ", " +
                                            pkg.message_type +
                                            ") already stored with other bytes");
  }
  const uint64_t seq = next_seq_++;
  pkg.seq = seq;
  keys_.emplace(key, std::make_pair(pkg.sha256_hex, seq));
  for (const auto& r : recipients) {
    store::Delivery d;
    d.id = next_delivery_++;
    d.seq = seq;
    d.recipient = r.recipient;
    d.next_hop = r.next_hop;
    d.next_attempt_ms = r.not_before_ms != 0 ? r.not_before_ms : pkg.received_ms;
    d.created_ms = pkg.received_ms;
    d.updated_ms = pkg.received_ms;
    deliveries_.emplace(d.id, d);
  }
  packages_.emplace(seq, std::move(pkg));
  return store::IngestOutcome{store::IngestOutcome::Kind::kStored, seq};
}

Result<std::vector<store::Delivery>> MemoryStore::claim_due(const std::string&, int64_t,
                                                            uint32_t) {
  return not_in_fake("claim_due");
}
void MemoryStore::claim_due_for_async(const std::string&, int64_t, std::vector<store::ClaimQuota>,
                                      ClaimCallback done) {
  complete([done = std::move(done)] { done(not_in_fake("claim_due_for")); });
}
void MemoryStore::apply_async(std::vector<store::Transition>, ApplyCallback done) {
  complete([done = std::move(done)] { done(not_in_fake("apply")); });
}
Result<std::vector<store::Delivery>> MemoryStore::overdue_waiting(int64_t, uint32_t) {
  return not_in_fake("overdue_waiting");
}
Result<uint64_t> MemoryStore::recover_in_flight(int64_t) {
  return not_in_fake("recover_in_flight");
}

Result<store::StoredPackage> MemoryStore::load_package(uint64_t seq) {
  std::lock_guard lk(mu_);
  auto it = packages_.find(seq);
  if (it == packages_.end()) return Status("not-found", "no package " + std::to_string(seq));
  return it->second;
}

Result<std::vector<store::Delivery>> MemoryStore::deliveries_of(uint64_t seq) {
  std::lock_guard lk(mu_);
  if (packages_.count(seq) == 0) return Status("not-found", "no package " + std::to_string(seq));
  std::vector<store::Delivery> out;
  for (const auto& [id, d] : deliveries_) {
    if (d.seq == seq) out.push_back(d);
  }
  return out;
}

Result<store::Delivery> MemoryStore::load_delivery(uint64_t id) {
  std::lock_guard lk(mu_);
  auto it = deliveries_.find(id);
  if (it == deliveries_.end()) return Status("not-found", "no delivery " + std::to_string(id));
  return it->second;
}

Result<std::vector<store::HopQueueStats>> MemoryStore::queue_stats() {
  return not_in_fake("queue_stats");
}

Result<std::vector<store::PackageSummary>> MemoryStore::list_packages(
    const store::PackageFilter& f) {
  std::lock_guard lk(mu_);
  std::vector<store::PackageSummary> out;
  for (const auto& [seq, p] : packages_) {
    if (seq <= f.after_seq) continue;
    if (f.sender && p.sender != *f.sender) continue;
    if (f.document_id && p.document_id != *f.document_id) continue;
    if (f.message_type && p.message_type != *f.message_type) continue;
    if (f.received_from_ms && p.received_ms < *f.received_from_ms) continue;
    if (f.received_to_ms && p.received_ms >= *f.received_to_ms) continue;
    if (out.size() >= f.limit) break;
    out.push_back(store::PackageSummary{seq, p.message_type, p.sender, p.document_id,
                                        p.sha256_hex, p.bytes.size(), p.received_ms,
                                        p.from_endpoint});
  }
  return out;
}

Result<uint64_t> MemoryStore::purge(int64_t, uint32_t) { return not_in_fake("purge"); }
Status MemoryStore::check_integrity() { return Status(); }

std::vector<store::StoredPackage> MemoryStore::packages() const {
  std::lock_guard lk(mu_);
  std::vector<store::StoredPackage> out;
  for (const auto& [seq, p] : packages_) out.push_back(p);
  return out;
}

std::size_t MemoryStore::delivery_count() const {
  std::lock_guard lk(mu_);
  return deliveries_.size();
}

// --- FailingStore -------------------------------------------------------------------------

void FailingStore::ingest_async(store::StoredPackage pkg,
                                std::vector<store::DeliverySpec> recipients, IngestCallback done) {
  bool fail = false;
  {
    std::lock_guard lk(mu_);
    fail = ++count_ == n_;
  }
  if (fail) {
    done(failure_);
    return;
  }
  inner_.ingest_async(std::move(pkg), std::move(recipients), std::move(done));
}

int FailingStore::ingests() const {
  std::lock_guard lk(mu_);
  return count_;
}

}  // namespace docaxis::test
