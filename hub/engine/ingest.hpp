// Ingest: the hub's ingest pipeline, the engine's implementation of its IngestPort (ports.hpp).
//
// Role: turn a package a front door received on `edoc` / `status` into either a durable,
// routed StoredPackage with one waiting delivery per recipient (then `accepted`), or a
// refusal with a stable code (README.md lists every code and what it means).
//
// Pipeline, in this order, on a worker thread (never on a front door's thread):
//   0. free disk space >= options.disk_floor             -> resource-exhausted (released)
//   1. size cap                                          -> too-large
//   2. PackageVerifier::verify_package with the sending endpoint's policy (peers: strict); edXML reader
//      error findings; package kind vs link address      -> dsig/edxml codes, wrong-address
//   3. registry.authorize_sender(connection, From)       -> unauthorized / unknown-endpoint
//   4. hop trail (peers only, each entry validated) + this hub
//                                                        -> bad-hops, routing-loop, hop-limit
//   5. every recipient resolved by the RouteTable        -> no-route / invalid-organ-id
//   6. duplicate key + SHA-256 of the exact bytes
//   7. store.ingest_async(...)                           -> stored | duplicate |
//                                                         duplicate-conflict | store errors
//      then the audit event ("accepted" / "duplicate" / "refused"), then done(status).
//   8. for `stored`, just before done(): on_stored(seq, deliveries) wakes the dispatcher.
//
// Durability: done(ok) is called only from the store's commit callback path, i.e. after the
// package and its deliveries are committed, and after the audit record is durable.
//
// Threads: submit() runs on a front door's thread (the AMQP event loop) and never blocks: it
// admits the package (or answers `overloaded` at once when `max_pending` packages are already
// admitted and not yet answered) and queues it for the worker pool. Workers run steps 1–7. The
// store's commit callback (on its completer thread, dx-store-done) queues the audit record with
// AuditTrail::append_async, which never waits, and `done(ok)` + `on_stored` run when the record is
// durable, on the audit log's flusher thread; so no thread ever holds a package while an fsync
// runs, and one audit fdatasync covers every package committed meanwhile. Refusals are answered at
// once on the worker thread (the store's: on its completer; a failed audit: on the flusher); their audit records are sampled (RefusalSampler) and
// appended deferred, without an fdatasync of their own.
// Exceptions: a component that throws fails only the package at hand, answered `internal`
// (released); every thread body runs under run_guarded (common/crash_only.hpp).
// `audit` may be null (no audit records). Lifetime: the referenced store, verifier, registry,
// routes and audit log must outlive the Ingest. The destructor stops admitting, waits for every admitted package to be answered
// (the store must still be running), then joins the workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_trail.hpp"
#include "common/status.hpp"
#include "engine/ports.hpp"
#include "engine/verification.hpp"
#include "engine/refusal_sampler.hpp"
#include "metrics/histogram.hpp"
#include "model/trail.hpp"
#include "routing/endpoint_registry.hpp"
#include "routing/hops.hpp"
#include "routing/route_table.hpp"
#include "store/disk_floor.hpp"
#include "store/store.hpp"

namespace docaxis::engine {

// One refused package as the status page shows it: no content, only who, what and why.
struct RefusalNote {
  std::int64_t at_ms = 0;
  std::string code;
  std::string reason;
  std::string document_id;  // "" when not read
  std::string organ;        // the sender's organ, "" when not known
  std::string from;         // the connection's certificate subject
  std::size_t size = 0;
};

struct IngestOptions {
  std::string hub_name;             // this hub in hop trails (config hub.name)
  std::int64_t max_hops = 8;        // config routing.max_hops
  std::int64_t max_package_bytes = 64 * 1024 * 1024;  // config limits.max_package_bytes
  std::size_t workers = 2;          // verification threads
  std::size_t max_pending = 256;    // admitted, not yet answered; beyond: `overloaded`
  // Free-space floor (config limits.min_free_disk_bytes over the spool and audit paths):
  // checked before anything else; below it, `resource-exhausted` (released). Null: no check.
  std::shared_ptr<const store::DiskFloor> disk_floor;
  // Refusals get their own audit record up to this many per code and second; the rest are
  // counted into `refusals-suppressed` records (RefusalSampler).
  std::uint32_t refusal_records_per_second = 10;
  std::function<std::int64_t()> clock;  // unix ms; default: system clock
  // Called for a `stored` outcome (not for duplicates) once it is committed and its audit
  // append has ended, just before done(), on the thread that answers (see Threads).
  std::function<void(std::uint64_t seq, const std::vector<store::DeliverySpec>&)> on_stored;
  // Called for each refusal that gets its own audit record (the same sampling), on the
  // refusing thread, before the answer; must not block (the status page's recent refusals).
  // An exception it throws is ignored.
  std::function<void(const RefusalNote&)> on_refused;
  // Organs served here that read their outcomes by polling (the axis HTTP API): a receipt
  // relayed back for one is stored with no delivery (ReceiptIssuer::keep_receipts_for).
  std::function<bool(const std::string& organ)> keeps_receipts;
};

struct IngestStats {
  std::uint64_t received = 0;    // submit() calls
  std::uint64_t accepted = 0;    // stored and answered ok
  std::uint64_t duplicates = 0;  // re-sends answered ok without new deliveries
  std::uint64_t overloaded = 0;  // answered `overloaded` by submit()
  std::map<std::string, std::uint64_t> refused;  // by code (transient store errors included)
  metrics::HistogramSnapshot verify_seconds;     // each signature verification, any verdict
};

class Ingest : public IngestPort {
 public:
  Ingest(store::Store& store, const PackageVerifier& verifier,
         const routing::EndpointRegistry& registry, const routing::RouteTable& routes,
         audit::AuditTrail* audit, IngestOptions options);
  ~Ingest() override;
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  void submit(IncomingPackage package, IngestDone done) override;

  IngestStats stats() const;

 private:
  struct Job;
  struct Accepted;  // what steps 1–6 produce for the store

  void worker_loop();
  void run_pipeline(const std::shared_ptr<Job>& job);
  // Runs `step` for `job`; an exception escaping it answers the job `internal` (released).
  template <class F>
  void guarded(const std::shared_ptr<Job>& job, const char* where, F&& step) noexcept;
  // Steps 1–6; fills `out` as far as it gets (the audit names doc and sender when known).
  Status check(const IncomingPackage& in, std::int64_t now_ms, Accepted& out) const;
  Status read_trail(const IncomingPackage& in, const model::ConnectionIdentity& id,
                    model::Trail& trail) const;
  Status check_receipt(const IncomingPackage& in, std::int64_t now_ms, Accepted& out) const;
  void finish_stored(std::shared_ptr<Job> job, std::shared_ptr<Accepted> acc,
                     Result<store::IngestOutcome> outcome);
  void refuse(Job& job, const Status& status, const std::string& doc, const std::string& organ);
  void audit_refusal(const Job& job, const Status& status, const std::string& doc,
                     const std::string& organ);
  void answer(Job& job, const Status& status);
  void post(std::function<void()> task);

  store::Store& store_;
  const PackageVerifier& verifier_;
  const routing::EndpointRegistry& registry_;
  const routing::RouteTable& routes_;
  audit::AuditTrail* audit_;
  IngestOptions opt_;
  RefusalSampler sampler_;

  std::mutex mu_;
  std::condition_variable cv_;       // tasks_ non-empty or stopping_
  std::condition_variable idle_cv_;  // pending_ reached 0
  std::deque<std::function<void()>> tasks_;
  std::size_t pending_ = 0;
  bool closing_ = false;   // destructor started: admit nothing more
  bool stopping_ = false;  // every admitted package answered: workers may exit
  std::vector<std::thread> workers_;

  std::atomic<std::uint64_t> received_{0}, accepted_{0}, duplicates_{0}, overloaded_{0};
  mutable std::mutex refused_mu_;
  std::map<std::string, std::uint64_t> refused_;
  mutable metrics::Histogram verify_seconds_{metrics::Histogram::latency_seconds()};
};

}  // namespace docaxis::engine
