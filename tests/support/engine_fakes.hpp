// Fakes of the engine's ports, so engine tests need no PKI, sockets or disk:
// - ScriptedVerifier: an engine::PackageVerifier that answers what the test says (a verdict
//   and an edxml::Package built in the test, or a Status), per exact bytes or by default;
// - FakeSigner: an engine::ReceiptSigner that appends a marker comment (or fails);
// - MemoryStore: a store::Store in memory with the contract the engine relies on (duplicate
//   rule, seq assignment, ingest callbacks from a completer thread like SqliteStore's writer
//   or inline); it can hold ingests back (pause/resume) for overload tests;
// - FailingStore: forwards to another store and fails the Nth ingest with a given Status.
// Package builders make edxml::Package values with the hub/edxml model types.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/status.hpp"
#include "edxml/model.hpp"
#include "engine/verification.hpp"
#include "store/store.hpp"

namespace docaxis::test {

// --- package builders ---------------------------------------------------------------------
// An OrganInfo with parsed_organ_id set when `organ_id` is valid.
edxml::OrganInfo organ(const std::string& organ_id);
// A document package From `from` To each of `to`.
edxml::Package document(const std::string& from, const std::vector<std::string>& to,
                        const std::string& document_id);
// A status package From `from` answering `response_for_document` of `response_for_organ`.
edxml::Package status_package(const std::string& from, const std::string& response_for_organ,
                              const std::string& response_for_document,
                              const std::string& status_code, const std::string& timestamp);
// A verdict "signed by `subject`" with ECDSA-SHA256.
engine::Verdict signed_by(const std::string& subject);
engine::VerifiedPackage verified(edxml::Package package, engine::Verdict verdict);

// --- ScriptedVerifier ---------------------------------------------------------------------
class ScriptedVerifier final : public engine::PackageVerifier {
 public:
  // The answer for any bytes without an answer of their own (initially: `internal`).
  void answer(Result<engine::VerifiedPackage> a);
  // The answer for exactly these bytes.
  void answer_for(const std::string& bytes, Result<engine::VerifiedPackage> a);
  // The answer of verify_receipt (initially: `internal`).
  void answer_receipt(Result<engine::VerifiedReceipt> a);

  Result<engine::VerifiedPackage> verify_package(std::string_view bytes,
                                                 const engine::VerifyPolicy& policy) const override;
  Result<engine::VerifiedReceipt> verify_receipt(std::string_view bytes) const override;

  std::size_t calls() const;  // verify_package + verify_receipt calls so far
  std::vector<engine::VerifyPolicy> policies() const;  // of each verify_package call

 private:
  mutable std::mutex mu_;
  Result<engine::VerifiedPackage> default_{Status("internal", "ScriptedVerifier: no answer")};
  std::map<std::string, Result<engine::VerifiedPackage>, std::less<>> by_bytes_;
  Result<engine::VerifiedReceipt> receipt_{Status("internal", "ScriptedVerifier: no answer")};
  mutable std::size_t calls_ = 0;
  mutable std::vector<engine::VerifyPolicy> policies_;
};

// --- FakeSigner ---------------------------------------------------------------------------
class FakeSigner final : public engine::ReceiptSigner {
 public:
  static constexpr const char* kMark = "<!--signed by FakeSigner-->";
  void fail_with(Status s);  // every later sign fails with `s`
  // The receipt bytes with kMark appended.
  Result<std::string> sign_receipt(std::string_view receipt_xml) const override;
  std::size_t calls() const;

 private:
  mutable std::mutex mu_;
  Status fail_;
  mutable std::size_t calls_ = 0;
};

// --- MemoryStore --------------------------------------------------------------------------
// Implements ingest_async, load_package, deliveries_of, load_delivery and list_packages; the
// rest answer `failed-precondition` "not in the fake".
class MemoryStore final : public store::Store {
 public:
  enum class Callbacks { kCompleterThread, kInline };
  explicit MemoryStore(Callbacks callbacks = Callbacks::kCompleterThread);
  ~MemoryStore() override;  // runs every pending callback first

  // While paused, ingests are held (neither committed nor answered) until resume().
  void pause();
  void resume();
  std::size_t held() const;

  void ingest_async(store::StoredPackage pkg, std::vector<store::DeliverySpec> recipients,
                    IngestCallback done) override;
  Result<std::vector<store::Delivery>> claim_due(const std::string&, int64_t, uint32_t) override;
  void claim_due_for_async(const std::string&, int64_t, std::vector<store::ClaimQuota>,
                           ClaimCallback done) override;
  void apply_async(std::vector<store::Transition>, ApplyCallback done) override;
  Result<std::vector<store::Delivery>> overdue_waiting(int64_t, uint32_t) override;
  Result<uint64_t> recover_in_flight(int64_t) override;
  Result<store::StoredPackage> load_package(uint64_t seq) override;
  Result<std::vector<store::Delivery>> deliveries_of(uint64_t seq) override;
  Result<store::Delivery> load_delivery(uint64_t id) override;
  Result<std::vector<store::HopQueueStats>> queue_stats() override;
  Result<std::vector<store::PackageSummary>> list_packages(const store::PackageFilter& f) override;
  Result<uint64_t> purge(int64_t, uint32_t) override;
  Status check_integrity() override;

  // Test views.
  std::vector<store::StoredPackage> packages() const;  // in seq order
  std::size_t delivery_count() const;

 private:
  Result<store::IngestOutcome> commit(store::StoredPackage pkg,
                                      std::vector<store::DeliverySpec> recipients);
  void complete(std::function<void()> callback);
  void completer_loop();

  const Callbacks mode_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false;
  bool stopping_ = false;
  std::vector<std::function<void()>> held_;
  std::deque<std::function<void()>> callbacks_;
  std::map<uint64_t, store::StoredPackage> packages_;
  std::map<uint64_t, store::Delivery> deliveries_;
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::string, uint64_t>>
      keys_;  // (sender, document_id, message_type) -> (sha256_hex, seq)
  uint64_t next_seq_ = 1;
  uint64_t next_delivery_ = 1;
  std::thread completer_;
};

// --- FailingStore -------------------------------------------------------------------------
// Forwards everything to `inner`, except that the `n`th ingest_async call (1-based, counted
// from construction) is answered `failure` inline, without reaching `inner`.
// A Store that forwards every call to `inner`: the base of test stores that change only
// ingest_async (FailingStore here, the pipeline tests' GateStore).
class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(store::Store& inner) : inner_(inner) {}
  void ingest_async(store::StoredPackage pkg, std::vector<store::DeliverySpec> recipients,
                    IngestCallback done) override {
    inner_.ingest_async(std::move(pkg), std::move(recipients), std::move(done));
  }
  Result<std::vector<store::Delivery>> claim_due(const std::string& h, int64_t now,
                                                 uint32_t limit) override {
    return inner_.claim_due(h, now, limit);
  }
  void claim_due_for_async(const std::string& h, int64_t now, std::vector<store::ClaimQuota> q,
                           ClaimCallback done) override {
    inner_.claim_due_for_async(h, now, std::move(q), std::move(done));
  }
  void apply_async(std::vector<store::Transition> t, ApplyCallback done) override {
    inner_.apply_async(std::move(t), std::move(done));
  }
  Result<std::vector<store::Delivery>> overdue_waiting(int64_t before, uint32_t limit) override {
    return inner_.overdue_waiting(before, limit);
  }
  Result<uint64_t> recover_in_flight(int64_t before) override {
    return inner_.recover_in_flight(before);
  }
  Result<store::StoredPackage> load_package(uint64_t seq) override {
    return inner_.load_package(seq);
  }
  Result<std::vector<store::Delivery>> deliveries_of(uint64_t seq) override {
    return inner_.deliveries_of(seq);
  }
  Result<store::Delivery> load_delivery(uint64_t id) override { return inner_.load_delivery(id); }
  Result<std::vector<store::HopQueueStats>> queue_stats() override { return inner_.queue_stats(); }
  Result<std::vector<store::PackageSummary>> list_packages(
      const store::PackageFilter& f) override {
    return inner_.list_packages(f);
  }
  Result<uint64_t> purge(int64_t before, uint32_t limit) override {
    return inner_.purge(before, limit);
  }
  Status check_integrity() override { return inner_.check_integrity(); }

 protected:
  store::Store& inner_;
};

class FailingStore final : public ForwardingStore {
 public:
  FailingStore(store::Store& inner, int n, Status failure)
      : ForwardingStore(inner), n_(n), failure_(std::move(failure)) {}

  void ingest_async(store::StoredPackage pkg, std::vector<store::DeliverySpec> recipients,
                    IngestCallback done) override;
  int ingests() const;  // ingest_async calls so far

 private:
  const int n_;
  const Status failure_;
  mutable std::mutex mu_;
  int count_ = 0;
};

}  // namespace docaxis::test
