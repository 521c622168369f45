// Dispatcher: delivers stored deliveries of this hub's local organs to their inbox links,
// with retries, a circuit breaker per destination, dead letters and a sweeper (issue 3,
// "Delivery, retries, dead letters"). It implements delivery::LinkEvents (ports.hpp) for the
// transports.
//
// Per delivery (store/records.hpp has the state machine):
//   claim_due_for -> Outbound::deliver -> accepted           -> delivered, on_terminal "delivered"
//                                      -> rejected           -> refused (condition: description),
//                                                               on_terminal "refused"
//                                      -> released / modified / disconnected / no-link / no
//                                         outcome within delivery_timeout -> retry per
//                                         RetryPolicy, or dead + on_terminal "expired" past the
//                                         deadline or at the poison limit.
// Only what will be attempted now is claimed: per attached inbox, up to its free in-flight
// window, nothing while its breaker is open (one probe when half-open). A delivery whose
// inbox never attaches is never claimed; the sweeper's deadline pass (Store::overdue_waiting)
// dead-letters it.
// Receipts: for every transition to a final state the `make_follow_up` hook (the engine's
// receipt issuer) builds the signed receipt, and Store::apply stores it in the same commit
// as the final state, so a crash can never leave a finished delivery without its receipt.
// A late outcome (after the attempt timed out) still counts if it is final: accepted marks
// delivered, rejected marks refused (Store allows both from waiting); on_terminal runs once
// per delivery (Store::apply says whether the state changed).
//
// Pipelining: the dispatcher never waits for the store's writer. Outcomes, timeouts and dead
// letters of one step become one Store::apply_async() batch, and on_terminal gets every
// delivery finished by that commit at once when it lands (one commit and one audit write per
// batch, not per delivery); claims are Store::claim_due_for_async() with one claim
// outstanding at a time, and the claimed deliveries are sent in the step after it lands.
// Meanwhile the step goes on: outcomes are decided and receipts signed while the previous
// batch commits. A batch that could not be committed (store unavailable) is decided again
// at the next step; until then its deliveries stay in flight in the store.
//
// Threads: ready(), detached(), may_attach() and the DeliveryDone callbacks run on the
// transport's threads (dx-amqp, dx-amqp-peers), and the store's claim and commit results on its
// completer (dx-store-done); they only touch a mutex-guarded mailbox and wake the dispatcher.
// The admin thread reads breaker states and counters under the same locks. Everything else
// (store writes, breakers, in-flight table, on_terminal) runs in run_once(), on the
// dispatcher thread after start(), or on the caller's thread in tests (never both); stop()
// reports the last landed batches (on_terminal) on the caller's thread.
// Outbound::deliver is called from run_once() with no lock held.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"
#include "delivery/circuit_breaker.hpp"
#include "delivery/outbound.hpp"
#include "delivery/ports.hpp"
#include "delivery/retry_policy.hpp"
#include "store/store.hpp"

namespace docaxis::delivery {

struct DispatcherOptions {
  RetryPolicy retry;
  BreakerPolicy breaker;
  int64_t delivery_timeout_ms = 60'000;     // no outcome within this: retry later
  int64_t sweeper_interval_ms = 30'000;     // how often recover_in_flight runs
  int64_t in_flight_timeout_ms = 300'000;   // the sweeper's age limit for in_flight rows
  uint32_t max_in_flight_per_organ = 64;    // unsettled deliveries per inbox
  uint32_t expire_batch = 1'000;            // deadline sweep: dead letters per sweep, at most
  int64_t idle_poll_ms = 1'000;             // background thread: poll the store this often
};

// Monotonic counts since construction, plus the in_flight gauge.
struct DispatcherCounters {
  uint64_t attempts = 0;   // Outbound::deliver calls
  uint64_t delivered = 0;
  uint64_t refused = 0;
  uint64_t retried = 0;    // schedule_retry after a failed attempt
  uint64_t dead = 0;
  uint64_t timeouts = 0;
  uint64_t late_outcomes = 0;
  uint64_t store_errors = 0;
  uint64_t recovered = 0;  // in-flight rows given back by recover()/the sweeper
  uint64_t commits = 0;    // Store::apply batches committed
  uint64_t in_flight = 0;  // gauge
};

class Dispatcher final : public LinkEvents {
 public:
  using Clock = std::function<int64_t()>;   // unix ms
  using Random = std::function<double()>;   // uniform in [0, 1), for jitter
  using MayAttach = std::function<Status(const model::ConnectionIdentity&, const std::string&)>;
  // Deliveries finished by one commit. outcome: "delivered" | "refused" | "expired";
  // `delivery` as stored after the transition; follow_up: the package stored with it (its
  // document_id and seq), or why there is none (status; ok with an empty id: none was due).
  struct Finished {
    store::Delivery delivery;
    std::string outcome;
    std::string follow_up_id;
    std::optional<uint64_t> follow_up_seq;
    Status follow_up_status;
  };
  using OnTerminal = std::function<void(const std::vector<Finished>& finished)>;
  // Builds the package to store atomically with `final_state` (outcome as in Finished):
  // nullopt when none is due, an error when it cannot be built (reported in Finished).
  // `package`: the delivery's package without its bytes when the dispatcher has it at hand
  // (it was just sent), else null (load it).
  using MakeFollowUp = std::function<Result<std::optional<store::FollowUp>>(
      const store::Delivery& final_state, std::string_view outcome,
      const store::StoredPackage* package)>;

  // `store` and `outbound` must outlive the dispatcher. Empty `random`: a seeded mt19937.
  Dispatcher(store::Store& store, Outbound& outbound, DispatcherOptions options, Clock clock,
             MayAttach may_attach, OnTerminal on_terminal = {}, Random random = {},
             MakeFollowUp make_follow_up = {});
  ~Dispatcher() override;  // stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // --- LinkEvents (transport threads) -------------------------------------------------------
  Status may_attach(const model::ConnectionIdentity& who, const std::string& organ) override;
  void ready(const std::string& organ) override;
  void detached(const std::string& organ) override;
  void peer_up(const std::string& peer) override;
  void peer_down(const std::string& peer) override;

  // --- inboxes read by polling (any thread) ----------------------------------------------
  // The recipient itself settles a delivery (the axis HTTP API's updateStatus): `delivered`
  // true -> delivered, false -> refused with `reason`, decided like an outcome (the receipt
  // built and committed with the state, on_terminal reported). `done` runs once, on the
  // dispatcher thread (must not block), with the delivery after the commit; idempotent: a
  // delivery already in the asked final state answers that state without a change;
  // failed-precondition when it ended otherwise; the store's errors (not-found, ...) as they
  // come; unavailable when the dispatcher stops first.
  using SettleDone = std::function<void(Result<store::Delivery>)>;
  void settle(uint64_t delivery_id, bool delivered, std::string reason, SettleDone done);

  // Start-up: recover_in_flight(INT64_MAX) (after a restart nothing is in flight).
  Status recover();
  // One step (never waits for the store): take committed batches and claim results, send
  // what was claimed, decide outcomes and timeouts, sweep when due, start the next claim,
  // submit this step's decisions.
  void run_once(int64_t now_ms);
  // Steps until no store operation is outstanding and a step starts none (tests, stop()).
  // Gives up after `max_wait_ms` of waiting for the store.
  void run_until_quiet(int64_t now_ms, int64_t max_wait_ms = 30'000);

  // Background thread: recover(), then run_once() whenever woken and every idle_poll_ms.
  Status start();
  void stop();  // joins; in-flight attempts stay in the store (recovered at next start)
  void wake();

  DispatcherCounters counters() const;
  bool inbox_ready(const std::string& organ) const;
  bool peer_link_up(const std::string& peer) const;
  CircuitBreaker::State breaker_state(const store::Delivery& d, int64_t now_ms) const;
  // The breaker key of a delivery: "inbox/<recipient>" for local ones, else the peer name.
  static std::string destination(const store::Delivery& d);

 private:
  struct Outcome {
    uint64_t id = 0;
    uint64_t token = 0;
    DeliveryOutcome outcome;
  };
  // A batch of decisions, as submitted and as answered by the store.
  struct Batch {
    std::vector<store::Transition> transitions;
    std::vector<Status> follow_up_errors;  // parallel: why a final one has no follow-up
    std::optional<Result<std::vector<store::TransitionResult>>> result;
  };
  // Shared with DeliveryDone and store callbacks, which may outlive the dispatcher.
  struct Settle {
    uint64_t id = 0;
    bool delivered = true;
    std::string reason;
    SettleDone done;
  };
  struct Mailbox {
    std::mutex mu;
    std::vector<Settle> settles;
    std::condition_variable cv;
    std::vector<Outcome> outcomes;
    std::vector<Batch> committed;
    std::optional<Result<std::vector<store::Delivery>>> claimed;
    uint32_t outstanding = 0;  // store operations submitted, not yet answered
    std::set<std::string> ready;
    std::set<std::string> peers_up;
    bool wake = false;
    bool poke = false;  // something may have become due: wake(), ready(), new packages
    bool stop = false;
  };
  struct InFlight {
    store::Delivery delivery;
    uint64_t token = 0;
    int64_t deadline_ms = 0;
    std::shared_ptr<const store::StoredPackage> package;  // without bytes
  };

  void drain_outcomes(int64_t now_ms);
  void take_settle(Settle s);
  // Answers the settle() callers waiting for transition `t` of a committed batch.
  void answer_settles(const store::Transition& t, const store::TransitionResult& r);
  void apply(const Outcome& o, int64_t now_ms);
  void apply_late(const Outcome& o);
  void expire_timeouts(int64_t now_ms);
  void sweep(int64_t now_ms);
  void start_claim(int64_t now_ms);
  void send_claimed(std::vector<store::Delivery> claimed, int64_t now_ms);
  void attempt(const store::Delivery& d, int64_t now_ms);
  void fail(const store::Delivery& d, const std::string& why, bool unanswered, int64_t now_ms);
  // Queues a transition of `d`; a final one gets its follow-up built now.
  void decide(const store::Delivery& d, store::TransitionKind kind, std::string error,
              bool unanswered = false, int64_t next_attempt_ms = 0,
              const store::StoredPackage* package = nullptr);
  void forget_in_flight(uint64_t id);
  // Submits pending_ as one Store::apply_async batch.
  void flush();
  // A batch the store answered: report what finished, or decide it again if it failed.
  void committed(Batch batch);
  void report(std::vector<Finished> finished);
  uint32_t outstanding() const;
  CircuitBreaker& breaker(const std::string& destination);

  store::Store& store_;
  Outbound& outbound_;
  const DispatcherOptions options_;
  Clock clock_;
  MayAttach may_attach_;
  OnTerminal on_terminal_;
  Random random_;
  MakeFollowUp make_follow_up_;
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();

  // Dispatcher-thread state (run_mu_ serialises run_once callers).
  mutable std::mutex run_mu_;
  std::unordered_map<uint64_t, InFlight> in_flight_;
  std::map<std::string, uint32_t> in_flight_per_destination_;  // key: destination()
  std::map<std::string, CircuitBreaker> breakers_;
  Batch pending_;              // decided, not yet submitted
  bool claim_outstanding_ = false;
  std::unordered_map<uint64_t, std::vector<SettleDone>> settle_waiters_;  // by delivery id
  // Claim again only when something may be due: the last claim filled a quota, an outcome
  // freed window, a poke, stored receipts, or idle_poll_ms passed (retries falling due).
  bool claim_again_ = true;
  uint32_t claim_requested_ = 0;
  int64_t next_claim_poll_ms_ = 0;
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> retry_due_;  // decided here
  uint64_t next_token_ = 0;
  int64_t next_sweep_ms_ = 0;

  mutable std::mutex counters_mu_;
  DispatcherCounters counters_;
  std::thread thread_;
};

}  // namespace docaxis::delivery
