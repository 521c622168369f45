// Dispatcher, part 1: LinkEvents, claiming and attempting, committing batches, the thread.
#include "delivery/dispatcher.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <random>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "delivery/delivery_log.hpp"
#include "log/log.hpp"

namespace docaxis::delivery {

Dispatcher::Dispatcher(store::Store& store, Outbound& outbound, DispatcherOptions options,
                       Clock clock, MayAttach may_attach, OnTerminal on_terminal, Random random,
                       MakeFollowUp make_follow_up)
    : store_(store), outbound_(outbound), options_(std::move(options)), clock_(std::move(clock)),
      may_attach_(std::move(may_attach)), on_terminal_(std::move(on_terminal)),
      random_(std::move(random)), make_follow_up_(std::move(make_follow_up)) {
  if (!random_) {
    random_ = [gen = std::mt19937_64(std::random_device{}()),
               dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return dist(gen);
    };
  }
}

Dispatcher::~Dispatcher() { stop(); }

Status Dispatcher::may_attach(const model::ConnectionIdentity& who, const std::string& organ) {
  if (!may_attach_) return Status("unauthenticated", "no endpoint registry configured");
  return may_attach_(who, organ);
}

void Dispatcher::ready(const std::string& organ) {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->ready.insert(organ);
    mailbox_->wake = true;
    mailbox_->poke = true;
  }
  mailbox_->cv.notify_all();
}

void Dispatcher::detached(const std::string& organ) {
  std::lock_guard lk(mailbox_->mu);
  mailbox_->ready.erase(organ);
}

void Dispatcher::peer_up(const std::string& peer) {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->peers_up.insert(peer);
    mailbox_->wake = true;
    mailbox_->poke = true;
  }
  mailbox_->cv.notify_all();
}

void Dispatcher::peer_down(const std::string& peer) {
  std::lock_guard lk(mailbox_->mu);
  mailbox_->peers_up.erase(peer);
}

void Dispatcher::settle(uint64_t delivery_id, bool delivered, std::string reason,
                        SettleDone done) {
  {
    std::lock_guard lk(mailbox_->mu);
    if (!mailbox_->stop) {
      mailbox_->settles.push_back(Settle{delivery_id, delivered, std::move(reason), std::move(done)});
      mailbox_->wake = true;
      done = nullptr;
    }
  }
  if (done) return done(Status("unavailable", "the hub is stopping; ask again"));
  mailbox_->cv.notify_all();
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->wake = true;
    mailbox_->poke = true;
  }
  mailbox_->cv.notify_all();
}

bool Dispatcher::peer_link_up(const std::string& peer) const {
  std::lock_guard lk(mailbox_->mu);
  return mailbox_->peers_up.count(peer) > 0;
}

bool Dispatcher::inbox_ready(const std::string& organ) const {
  std::lock_guard lk(mailbox_->mu);
  return mailbox_->ready.count(organ) > 0;
}

DispatcherCounters Dispatcher::counters() const {
  std::lock_guard lk(counters_mu_);
  return counters_;
}

std::string Dispatcher::destination(const store::Delivery& d) {
  return d.next_hop == store::kLocalHop ? "inbox/" + d.recipient : d.next_hop;
}

CircuitBreaker::State Dispatcher::breaker_state(const store::Delivery& d, int64_t now_ms) const {
  std::lock_guard lk(run_mu_);
  auto it = breakers_.find(destination(d));
  return it == breakers_.end() ? CircuitBreaker::State::kClosed : it->second.state(now_ms);
}

CircuitBreaker& Dispatcher::breaker(const std::string& destination) {
  return breakers_.try_emplace(destination, options_.breaker).first->second;
}

Status Dispatcher::recover() {
  auto r = store_.recover_in_flight(std::numeric_limits<int64_t>::max());
  if (!r.ok()) return r.status();
  std::lock_guard lk(counters_mu_);
  counters_.recovered += *r;
  return Status();
}

uint32_t Dispatcher::outstanding() const {
  std::lock_guard lk(mailbox_->mu);
  return mailbox_->outstanding;
}

void Dispatcher::run_once(int64_t now_ms) {
  std::lock_guard lk(run_mu_);
  std::vector<Outcome> outcomes;
  std::vector<Batch> batches;
  std::optional<Result<std::vector<store::Delivery>>> claimed;
  std::vector<Settle> settles;
  bool poked = false;
  {
    std::lock_guard m(mailbox_->mu);
    settles.swap(mailbox_->settles);
    outcomes.swap(mailbox_->outcomes);
    batches.swap(mailbox_->committed);
    claimed.swap(mailbox_->claimed);
    poked = mailbox_->poke;
    mailbox_->poke = false;
  }
  if (poked || !outcomes.empty() || now_ms >= next_claim_poll_ms_) claim_again_ = true;
  while (!retry_due_.empty() && retry_due_.top() <= now_ms) {  // a retry of ours fell due
    retry_due_.pop();
    claim_again_ = true;
  }
  for (auto& b : batches) committed(std::move(b));
  if (claimed) {
    claim_outstanding_ = false;
    if (claimed->ok()) {
      if (claimed->value().size() < claim_requested_) {  // nothing more due right now
        claim_again_ = false;
        next_claim_poll_ms_ = now_ms + options_.idle_poll_ms;
      }
      send_claimed(std::move(claimed->value()), now_ms);
    } else {
      std::lock_guard c(counters_mu_);
      ++counters_.store_errors;
    }
  }
  for (const auto& o : outcomes) apply(o, now_ms);
  for (auto& st : settles) take_settle(std::move(st));
  expire_timeouts(now_ms);
  sweep(now_ms);
  start_claim(now_ms);
  drain_outcomes(now_ms);  // outbounds that answered synchronously
  flush();
  std::lock_guard c(counters_mu_);
  counters_.in_flight = in_flight_.size();
}

void Dispatcher::run_until_quiet(int64_t now_ms, int64_t max_wait_ms) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait_ms);
  for (;;) {
    run_once(now_ms);
    std::unique_lock lk(mailbox_->mu);
    const bool ok = mailbox_->cv.wait_until(lk, give_up, [this] { return mailbox_->outstanding == 0; });
    if (!ok) return;
    // Quiet: nothing outstanding and nothing left to take in.
    if (mailbox_->outcomes.empty() && mailbox_->committed.empty() && !mailbox_->claimed) {
      lk.unlock();
      std::lock_guard r(run_mu_);
      if (pending_.transitions.empty() && !claim_outstanding_) return;
    }
  }
}

void Dispatcher::sweep(int64_t now_ms) {
  if (now_ms < next_sweep_ms_) return;
  next_sweep_ms_ = now_ms + options_.sweeper_interval_ms;
  // Rows whose decisions are still in pending_ are in flight in the store: the age limit
  // (in_flight_timeout, far above delivery_timeout) leaves them alone.
  auto r = store_.recover_in_flight(now_ms - options_.in_flight_timeout_ms);
  {
    std::lock_guard lk(counters_mu_);
    if (r.ok()) counters_.recovered += *r;
    else ++counters_.store_errors;
  }
  if (r.ok() && *r > 0) claim_again_ = true;  // recovered rows are due now
  // Deliveries that waited past the deadline without being attempted (no inbox attached).
  auto overdue = store_.overdue_waiting(now_ms - options_.retry.deadline_ms, options_.expire_batch);
  if (!overdue.ok()) {
    std::lock_guard lk(counters_mu_);
    ++counters_.store_errors;
    return;
  }
  const std::string why = "expired: not delivered within the deadline of " +
                          std::to_string(options_.retry.deadline_ms / 1000) + " s";
  for (const auto& d : *overdue) {
    decide(d, store::TransitionKind::kDead,
           d.last_error.empty() ? why : why + "; last: " + d.last_error);
  }
}

void Dispatcher::start_claim(int64_t now_ms) {
  if (claim_outstanding_ || !claim_again_) return;
  std::set<std::string> ready, peers;
  {
    std::lock_guard lk(mailbox_->mu);
    ready = mailbox_->ready;
    peers = mailbox_->peers_up;
  }
  // Nobody attached: leave everything waiting (no claims, no writes).
  if (ready.empty() && peers.empty()) return;
  std::vector<store::ClaimQuota> quotas;
  auto quota_for = [&](const std::string& dest) -> uint32_t {
    const auto it = in_flight_per_destination_.find(dest);
    const uint32_t out = it == in_flight_per_destination_.end() ? 0 : it->second;
    uint32_t quota = out >= options_.max_in_flight_per_organ
                         ? 0 : options_.max_in_flight_per_organ - out;
    switch (breaker(dest).state(now_ms)) {
      case CircuitBreaker::State::kClosed: break;
      case CircuitBreaker::State::kOpen: quota = 0; break;
      case CircuitBreaker::State::kHalfOpen: quota = out == 0 ? 1 : 0; break;  // the probe
    }
    return quota;
  };
  for (const auto& organ : ready) {
    if (uint32_t q = quota_for("inbox/" + organ); q > 0) quotas.push_back({organ, q, {}});
  }
  for (const auto& peer : peers) {
    if (uint32_t q = quota_for(peer); q > 0) quotas.push_back({{}, q, peer});
  }
  if (quotas.empty()) return;
  claim_outstanding_ = true;
  claim_requested_ = 0;
  for (const auto& q : quotas) claim_requested_ += q.limit;
  {
    std::lock_guard lk(mailbox_->mu);
    ++mailbox_->outstanding;
  }
  std::weak_ptr<Mailbox> weak = mailbox_;
  store_.claim_due_for_async(
      std::string(store::kLocalHop), now_ms, std::move(quotas),
      [weak](Result<std::vector<store::Delivery>> r) {
        auto mb = weak.lock();
        if (!mb) return;  // dispatcher gone: the claimed rows are recovered at the next start
        {
          std::lock_guard lk(mb->mu);
          mb->claimed = std::move(r);
          --mb->outstanding;
          mb->wake = true;
        }
        mb->cv.notify_all();
      });
}

void Dispatcher::send_claimed(std::vector<store::Delivery> claimed, int64_t now_ms) {
  for (const auto& d : claimed) {
    if (now_ms > options_.retry.deadline_at(d.created_ms)) {
      // Due past the deadline (e.g. after downtime): dead without an attempt.
      const auto decision = options_.retry.next(d.attempts, d.created_ms, now_ms, 0.5, d.unanswered);
      decide(d, store::TransitionKind::kDead, decision.reason + "; last: " + d.last_error);
      continue;
    }
    if (!breaker(destination(d)).allow(now_ms)) {
      // The breaker opened while the claim was out: put it back rather than attempt it.
      decide(d, store::TransitionKind::kRetry, "waiting: circuit breaker open for " + destination(d),
             false, breaker(destination(d)).next_allowed_ms(now_ms));
      continue;
    }
    // One delivery whose attempt throws (a store read, the outbound) is retried later; the
    // dispatcher goes on with the others.
    try {
      attempt(d, now_ms);
    } catch (const std::exception& e) {
      forget_in_flight(d.id);
      decide(d, store::TransitionKind::kRetry,
             std::string("internal: unexpected exception in the attempt: ") + e.what(), false,
             now_ms + options_.retry.backoff.initial.count());
    } catch (...) {
      forget_in_flight(d.id);
      decide(d, store::TransitionKind::kRetry, "internal: unexpected exception in the attempt",
             false, now_ms + options_.retry.backoff.initial.count());
    }
  }
}

void Dispatcher::attempt(const store::Delivery& d, int64_t now_ms) {
  auto pkg = store_.load_package(d.seq);
  if (!pkg.ok()) {
    if (pkg.status().code() == "not-found") {
      decide(d, store::TransitionKind::kDead,
             "package " + std::to_string(d.seq) + " missing from the store");
    } else if (pkg.status().code() == "released") {
      // Only an operator's retry of a long-ended delivery gets here: nothing left to send.
      decide(d, store::TransitionKind::kDead, pkg.status().message());
    } else {
      decide(d, store::TransitionKind::kRetry, "store read failed: " + pkg.status().to_string(),
             false, now_ms + options_.retry.backoff.initial.count());
    }
    return;
  }
  OutgoingMessage msg;
  msg.bytes = std::move(pkg->bytes);
  msg.message_type = pkg->message_type;
  msg.document_id = pkg->document_id;
  msg.from = pkg->sender;
  msg.hops = pkg->hops;
  pkg->bytes.clear();  // moved: keep the metadata for the receipt

  const uint64_t token = ++next_token_;
  in_flight_[d.id] = InFlight{d, token, now_ms + options_.delivery_timeout_ms,
                              std::make_shared<const store::StoredPackage>(std::move(*pkg))};
  ++in_flight_per_destination_[destination(d)];
  {
    std::lock_guard lk(counters_mu_);
    ++counters_.attempts;
  }
  std::weak_ptr<Mailbox> weak = mailbox_;
  const uint64_t id = d.id;
  outbound_.deliver(d, std::move(msg), [weak, id, token](const DeliveryOutcome& o) {
    auto mb = weak.lock();
    if (!mb) return;  // dispatcher gone: the store row stays in flight for the next start
    {
      std::lock_guard lk(mb->mu);
      mb->outcomes.push_back(Outcome{id, token, o});
      mb->wake = true;
    }
    mb->cv.notify_all();
  });
}

namespace {

std::string_view outcome_of(store::TransitionKind kind) {
  switch (kind) {
    case store::TransitionKind::kDelivered: return "delivered";
    case store::TransitionKind::kRefused: return "refused";
    case store::TransitionKind::kDead: return "expired";
    case store::TransitionKind::kRetry: break;
  }
  return "";
}

}  // namespace

void Dispatcher::decide(const store::Delivery& d, store::TransitionKind kind, std::string error,
                        bool unanswered, int64_t next_attempt_ms,
                        const store::StoredPackage* package) {
  store::Transition t{d.id, kind, next_attempt_ms, std::move(error), unanswered, std::nullopt};
  if (kind == store::TransitionKind::kRetry) retry_due_.push(next_attempt_ms);
  Status follow_up_error;
  if (kind != store::TransitionKind::kRetry && make_follow_up_) {
    // The state as it will be stored, for the receipt.
    store::Delivery final_state = d;
    final_state.state = kind == store::TransitionKind::kDelivered ? store::DeliveryState::kDelivered
                        : kind == store::TransitionKind::kRefused ? store::DeliveryState::kRefused
                                                                  : store::DeliveryState::kDead;
    if (kind != store::TransitionKind::kDelivered) final_state.last_error = t.error;
    if (unanswered) ++final_state.unanswered;
    try {
      auto f = make_follow_up_(final_state, outcome_of(kind), package);
      if (f.ok()) t.follow_up = std::move(*f);
      else follow_up_error = f.status();
    } catch (const std::exception& e) {  // the delivery's own state stays as decided
      follow_up_error =
          Status("internal", std::string("follow-up: unexpected exception: ") + e.what());
    } catch (...) {
      follow_up_error = Status("internal", "follow-up: unexpected exception");
    }
  }
  pending_.transitions.push_back(std::move(t));
  pending_.follow_up_errors.push_back(std::move(follow_up_error));
}

void Dispatcher::flush() {
  if (pending_.transitions.empty()) return;
  auto batch = std::make_shared<Batch>(std::move(pending_));
  pending_ = Batch{};
  {
    std::lock_guard lk(mailbox_->mu);
    ++mailbox_->outstanding;
  }
  std::weak_ptr<Mailbox> weak = mailbox_;
  // The store keeps its own copy of the transitions; `batch` stays here for the answer.
  store_.apply_async(batch->transitions,
                     [weak, batch](Result<std::vector<store::TransitionResult>> r) {
                       auto mb = weak.lock();
                       if (!mb) return;  // gone: committed rows are final, others recovered
                       batch->result = std::move(r);
                       {
                         std::lock_guard lk(mb->mu);
                         mb->committed.push_back(std::move(*batch));
                         --mb->outstanding;
                         mb->wake = true;
                       }
                       mb->cv.notify_all();
                     });
}

void Dispatcher::committed(Batch batch) {
  auto& r = *batch.result;
  if (!r.ok()) {
    // Nothing was applied: decide the same again (the rows are still in flight).
    {
      std::lock_guard lk(counters_mu_);
      ++counters_.store_errors;
    }
    for (std::size_t i = 0; i < batch.transitions.size(); ++i) {
      pending_.transitions.push_back(std::move(batch.transitions[i]));
      pending_.follow_up_errors.push_back(std::move(batch.follow_up_errors[i]));
    }
    return;
  }
  std::vector<Finished> finished;
  uint64_t retried = 0;
  bool follow_ups = false;
  for (std::size_t i = 0; i < r->size(); ++i) {
    store::TransitionResult& tr = (*r)[i];
    if (!settle_waiters_.empty()) answer_settles(batch.transitions[i], tr);
    // A refused item (e.g. a retry for a delivery a late outcome already finished) is moot.
    if (!tr.status.ok() || !tr.changed) continue;
    const store::Transition& t = batch.transitions[i];
    if (t.kind == store::TransitionKind::kRetry) {
      ++retried;
      continue;
    }
    Finished f;
    f.delivery = std::move(tr.delivery);
    f.outcome = std::string(outcome_of(t.kind));
    if (t.follow_up) f.follow_up_id = t.follow_up->package.document_id;
    f.follow_up_seq = tr.follow_up_seq;
    f.follow_up_status =
        !batch.follow_up_errors[i].ok() ? batch.follow_up_errors[i] : tr.follow_up_status;
    follow_ups = follow_ups || tr.follow_up_seq.has_value();
    finished.push_back(std::move(f));
  }
  {
    std::lock_guard lk(counters_mu_);
    ++counters_.commits;
    counters_.retried += retried;
  }
  if (follow_ups) claim_again_ = true;  // new deliveries (receipts) are due now
  report(std::move(finished));
}

void Dispatcher::report(std::vector<Finished> finished) {
  if (finished.empty()) return;
  log_finished(finished);
  {
    std::lock_guard lk(counters_mu_);
    for (const auto& f : finished) {
      if (f.outcome == "delivered") ++counters_.delivered;
      else if (f.outcome == "refused") ++counters_.refused;
      else ++counters_.dead;
    }
  }
  if (!on_terminal_) return;
  // The states are committed; a hook that throws loses only its own report.
  try {
    on_terminal_(finished);
  } catch (const std::exception& e) {
    log::get("delivery").error("terminal-hook-threw", {{"reason", e.what()}});
  } catch (...) {
    log::get("delivery").error("terminal-hook-threw", {{"reason", "unknown exception"}});
  }
}

Status Dispatcher::start() {
  if (thread_.joinable()) return Status();
  Status s = recover();
  if (!s.ok()) return s;
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->stop = false;
  }
  thread_ = std::thread([this] {
    name_this_thread("dx-dispatch");
    run_guarded("dx-dispatch", [this] {
      for (;;) {
        run_once(clock_());
        std::unique_lock lk(mailbox_->mu);
        mailbox_->cv.wait_for(lk, std::chrono::milliseconds(options_.idle_poll_ms),
                              [this] { return mailbox_->stop || mailbox_->wake; });
        if (mailbox_->stop) return;
        mailbox_->wake = false;
      }
    });
  });
  return Status();
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->stop = true;
  }
  mailbox_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  // Let submitted batches land (their outcomes are final); what is still only decided stays
  // in flight in the store and is recovered at the next start.
  std::vector<Batch> landed;
  {
    std::unique_lock lk(mailbox_->mu);
    mailbox_->cv.wait_for(lk, std::chrono::seconds(10),
                          [this] { return mailbox_->outstanding == 0; });
    landed.swap(mailbox_->committed);
  }
  std::lock_guard r(run_mu_);
  for (auto& b : landed) {
    if (b.result && b.result->ok()) committed(std::move(b));  // reports what finished
  }
  // Settles that never reached a commit: the caller may ask again (settle is idempotent).
  std::vector<Settle> unanswered;
  {
    std::lock_guard lk(mailbox_->mu);
    unanswered.swap(mailbox_->settles);
  }
  const Status stopping("unavailable", "the hub is stopping; ask again");
  for (auto& st : unanswered) st.done(stopping);
  for (auto& [id, waiters] : settle_waiters_) {
    for (auto& done : waiters) done(stopping);
  }
  settle_waiters_.clear();
}

}  // namespace docaxis::delivery
