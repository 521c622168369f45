// Dispatcher, part 1: InboxPort, claiming and attempting, parking, the thread.
#include "delivery/dispatcher.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

namespace docaxis::delivery {

Dispatcher::Dispatcher(store::Store& store, Outbound& outbound, DispatcherOptions options,
                       Clock clock, MayAttach may_attach, OnTerminal on_terminal, Random random)
    : store_(store), outbound_(outbound), options_(std::move(options)), clock_(std::move(clock)),
      may_attach_(std::move(may_attach)), on_terminal_(std::move(on_terminal)),
      random_(std::move(random)) {
  if (!random_) {
    random_ = [gen = std::mt19937_64(std::random_device{}()),
               dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return dist(gen);
    };
  }
}

Dispatcher::~Dispatcher() { stop(); }

Status Dispatcher::may_attach(const amqp::PeerIdentity& who, const std::string& organ) {
  if (!may_attach_) return Status("unauthenticated", "no endpoint registry configured");
  return may_attach_(who, organ);
}

void Dispatcher::ready(const std::string& organ) {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->ready.insert(organ);
    mailbox_->wake = true;
  }
  mailbox_->cv.notify_all();
}

void Dispatcher::detached(const std::string& organ) {
  std::lock_guard lk(mailbox_->mu);
  mailbox_->ready.erase(organ);
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(mailbox_->mu);
    mailbox_->wake = true;
  }
  mailbox_->cv.notify_all();
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

CircuitBreaker& Dispatcher::breaker(const store::Delivery& d) {
  return breakers_.try_emplace(destination(d), options_.breaker).first->second;
}

Status Dispatcher::recover() {
  auto r = store_.recover_in_flight(std::numeric_limits<int64_t>::max());
  if (!r.ok()) return r.status();
  std::lock_guard lk(counters_mu_);
  counters_.recovered += *r;
  return Status();
}

void Dispatcher::run_once(int64_t now_ms) {
  std::lock_guard lk(run_mu_);
  drain_outcomes(now_ms);
  expire_timeouts(now_ms);
  sweep(now_ms);
  dispatch_due(now_ms);
  drain_outcomes(now_ms);  // outbounds that answered synchronously
  std::lock_guard c(counters_mu_);
  counters_.in_flight = in_flight_.size();
}

void Dispatcher::sweep(int64_t now_ms) {
  if (now_ms < next_sweep_ms_) return;
  next_sweep_ms_ = now_ms + options_.sweeper_interval_ms;
  auto r = store_.recover_in_flight(now_ms - options_.in_flight_timeout_ms);
  std::lock_guard lk(counters_mu_);
  if (r.ok()) counters_.recovered += *r;
  else ++counters_.store_errors;
}

void Dispatcher::dispatch_due(int64_t now_ms) {
  std::set<std::string> ready;
  {
    std::lock_guard lk(mailbox_->mu);
    ready = mailbox_->ready;
  }
  // Nobody attached: leave everything waiting (no claims, no writes).
  if (ready.empty()) return;
  // Parked and attempted deliveries leave the due set, so each round sees new rows; the
  // round limit only bounds one step's work.
  for (int round = 0; round < 64; ++round) {
    auto batch = store_.claim_due(std::string(store::kLocalHop), now_ms, options_.claim_batch);
    if (!batch.ok()) {
      std::lock_guard lk(counters_mu_);
      ++counters_.store_errors;
      return;
    }
    for (const auto& d : *batch) handle_claimed(d, ready, now_ms);
    if (batch->size() < options_.claim_batch) return;
  }
}

void Dispatcher::handle_claimed(const store::Delivery& d, const std::set<std::string>& ready,
                                int64_t now_ms) {
  if (now_ms > options_.retry.deadline_at(d.created_ms)) {
    // Waited (for an inbox) past the deadline: dead without an attempt, breaker untouched.
    const auto decision = options_.retry.next(d.attempts, d.created_ms, now_ms, 0.5);
    finish(store_.mark_dead(d.id, decision.reason + "; last: " + d.last_error), "expired", false);
    return;
  }
  if (ready.count(d.recipient) == 0) {
    park(d, now_ms, now_ms, "waiting: no inbox attached for " + d.recipient);
    return;
  }
  auto organ_it = in_flight_per_organ_.find(d.recipient);
  if (organ_it != in_flight_per_organ_.end() && organ_it->second >= options_.max_in_flight_per_organ) {
    park(d, now_ms, now_ms, "waiting: in-flight window of inbox/" + d.recipient + " full");
    return;
  }
  CircuitBreaker& br = breaker(d);
  if (!br.allow(now_ms)) {
    park(d, br.next_allowed_ms(now_ms), now_ms,
         "waiting: circuit breaker open for " + destination(d));
    return;
  }
  attempt(d, now_ms);
}

void Dispatcher::attempt(const store::Delivery& d, int64_t now_ms) {
  auto pkg = store_.load_package(d.seq);
  if (!pkg.ok()) {
    if (pkg.status().code() == "not-found") {
      finish(store_.mark_dead(d.id, "package " + std::to_string(d.seq) + " missing from the store"),
             "expired", false);
    } else {
      park(d, now_ms, now_ms, "waiting: store read failed: " + pkg.status().to_string());
    }
    return;
  }
  amqp::OutgoingMessage msg;
  msg.bytes = std::move(pkg->bytes);
  msg.message_type = pkg->message_type;
  msg.document_id = pkg->document_id;
  msg.from = pkg->sender;
  for (const auto& h : pkg->hops) msg.hops.push_back(h.hub + "@" + std::to_string(h.arrived_ms));

  const uint64_t token = ++next_token_;
  in_flight_[d.id] = InFlight{d, token, now_ms + options_.delivery_timeout_ms};
  ++in_flight_per_organ_[d.recipient];
  {
    std::lock_guard lk(counters_mu_);
    ++counters_.attempts;
  }
  std::weak_ptr<Mailbox> weak = mailbox_;
  const uint64_t id = d.id;
  outbound_.deliver(d.recipient, std::move(msg), [weak, id, token](const amqp::DeliveryOutcome& o) {
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

void Dispatcher::park(const store::Delivery& d, int64_t earliest_ms, int64_t now_ms,
                      const std::string& why) {
  AttemptLedger ledger = AttemptLedger::parse(d.last_error);
  const uint32_t shift = std::min<uint32_t>(ledger.parked, 20);
  const int64_t delay = std::min(options_.park_min_ms << shift, options_.park_max_ms);
  ++ledger.parked;
  int64_t at = std::max(earliest_ms, now_ms + delay);
  at = std::min(at, options_.retry.deadline_at(d.created_ms));
  auto r = store_.schedule_retry(d.id, at, ledger.format(why));
  std::lock_guard lk(counters_mu_);
  ++(r.ok() ? counters_.parked : counters_.store_errors);
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
    for (;;) {
      run_once(clock_());
      std::unique_lock lk(mailbox_->mu);
      mailbox_->cv.wait_for(lk, std::chrono::milliseconds(options_.idle_poll_ms),
                            [this] { return mailbox_->stop || mailbox_->wake; });
      if (mailbox_->stop) return;
      mailbox_->wake = false;
    }
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
}

}  // namespace docaxis::delivery
