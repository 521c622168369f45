// Shared fixture of the pipeline tests (the engine with real crypto): a real SqliteStore and AuditLog in a temp dir, a real
// Verifier on the test PKI, routing built from a HubConfig, a fake clock, and helpers to submit
// packages and wait for the answer. GateStore holds ingests back (overload tests).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/audit_log.hpp"
#include "config/hub_config.hpp"
#include "dsig/engine_adapter.hpp"
#include "dsig/verifier.hpp"
#include "engine/ingest.hpp"
#include "engine/ports.hpp"
#include "engine_fakes.hpp"
#include "ingest_hub_config.hpp"
#include "model/identity.hpp"
#include "routing/endpoint_registry.hpp"
#include "routing/route_table.hpp"
#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace docaxis::engine::test {

inline constexpr const char* kHub = "h30-hub";
inline constexpr const char* kH30 = "000.00.13.H30";
inline constexpr const char* kG12 = "000.00.01.G12";
inline constexpr const char* kG22 = "000.00.00.G22";
inline constexpr const char* kG14 = "000.00.04.G14";  // not served here: relayed by the peer
inline constexpr const char* kNationalSubject = "CN=docaxis hub national,O=docaxis test PKI,C=VN";

std::string pki(const std::string& relative);
std::string fixture(const std::string& name);  // bytes of a dsig fixture
// The RFC 2253 subject of an organ's test certificate.
std::string organ_subject(const std::string& organ);
model::ConnectionIdentity organ_identity(const std::string& organ);
// Signs edXML bytes with an organ's test key (fails the test and returns "" on error).
std::string sign_as(const std::string& organ, const std::string& unsigned_bytes);
// `text` with every occurrence of `from` replaced (fails the test if there is none).
std::string replace_all(std::string text, const std::string& from, const std::string& to);

// A Store that forwards to another, except that ingest_async calls wait until release().
class GateStore final : public ::docaxis::test::ForwardingStore {
 public:
  explicit GateStore(store::Store& inner) : ::docaxis::test::ForwardingStore(inner) {}
  void ingest_async(store::StoredPackage pkg, std::vector<store::DeliverySpec> recipients,
                    IngestCallback done) override;
  void release();  // forwards every held ingest, and every later one directly
  std::size_t held() const;
  // Every later ingest fails with `status` (without reaching the inner store).
  void fail_with(Status status);
  // The next `n` ingest_async calls throw std::runtime_error("injected store failure").
  void throw_next(int n);

 private:
  mutable std::mutex mu_;
  bool open_ = false;
  Status fail_;
  int throws_ = 0;
  std::vector<std::function<void()>> held_;
};

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // The hub of the tests: serves H30 and G12 (UID binding), routes .G22 to peer "national".
  static config::HubConfig hub_config();
  // (Re)builds routing from `config` and a fresh Ingest over `store` (default: the SqliteStore).
  void start(const config::HubConfig& config, IngestOptions options = {},
             store::Store* store = nullptr);

  // Submits and waits for done(); `on_done` (optional) runs inside the done callback.
  Status submit(const std::string& bytes, const std::string& address = "edoc",
                const std::string& organ = kH30, std::vector<std::string> hops = {},
                std::function<void()> on_done = {});
  // Submits on a connection with this identity and waits for done().
  Status submit_as(const model::ConnectionIdentity& who, const std::string& bytes,
                   const std::string& address, std::vector<std::string> hops = {});
  // Submits without waiting; the future gets the answer.
  std::future<Status> submit_async(const std::string& bytes, const std::string& address,
                                   const std::string& organ);

  std::vector<store::PackageSummary> packages();
  std::vector<store::Delivery> deliveries(uint64_t seq);
  std::vector<std::string> audit_events();  // event types in the audit log, in order
  std::string audit_text();                  // every segment's bytes, in order

  std::unique_ptr<docaxis::test::TempDir> tmp_;  // tests/support/temp_dir.hpp
  std::string dir_;                              // tmp_'s path
  std::atomic<int64_t> now_ms_{1700000000000};
  std::atomic<int> audit_fault_{0};  // errno injected into every audit write/sync/open; 0: none
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<dsig::Verifier> verifier_;
  std::unique_ptr<dsig::DsigPackageVerifier> package_verifier_;  // the engine's port over it
  std::unique_ptr<routing::EndpointRegistry> registry_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<Ingest> ingest_;
  std::mutex stored_mu_;
  std::vector<std::pair<uint64_t, std::vector<store::DeliverySpec>>> stored_calls_;
};

}  // namespace docaxis::engine::test
