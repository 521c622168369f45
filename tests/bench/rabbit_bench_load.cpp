// The load run on RabbitMQ: producer and consumer threads and the conductor. See
// rabbit_bench_load.hpp for the protocol and the pacing rules.
#include "rabbit_bench_load.hpp"

#include <time.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

namespace docaxis::bench {
namespace {

using namespace std::chrono_literals;
using rabbit_bridge::Headers;
using rabbit_bridge::RabbitConnection;
using rabbit_bridge::RabbitEvent;

constexpr int64_t kMs = 1'000'000;  // ns

enum class Phase { kConnecting, kWarmup, kWindow, kDrain, kClosing };

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Sent {  // ns since the run started; -1 never
  int64_t sent = -1, confirmed = -1;
  bool nacked = false;
};
struct Got {
  uint32_t producer;
  uint64_t j;
  int64_t received;
};

// State shared by the threads. Each producer's `sent` vector is written by that producer
// only and read after the join; the atomics carry what the others need while running.
struct Shared {
  explicit Shared(const RabbitLoadSpec& s) : spec(s), per_producer(static_cast<std::size_t>(s.producers)) {}
  int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                t0)
        .count();
  }
  // The conductor's transitions: none once a thread has failed (phase kClosing).
  bool advance(Phase from, Phase to) { return phase.compare_exchange_strong(from, to); }
  void fail(const std::string& what) {
    std::lock_guard lock(mu);
    errors.push_back(what);
    phase = Phase::kClosing;
  }
  struct Counters {
    std::atomic<uint64_t> sent{0}, settled{0}, nacked{0}, returned{0}, consumed{0};
  };
  const RabbitLoadSpec& spec;
  const std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::atomic<Phase> phase{Phase::kConnecting};
  std::atomic<int64_t> started_at{0};
  std::atomic<int> ready{0};
  std::vector<Counters> per_producer;
  std::mutex mu;
  std::vector<std::string> errors;
};

std::unique_ptr<RabbitConnection> connect(Shared& sh, const std::string& who) {
  auto c = RabbitConnection::open(sh.spec.broker);
  if (!c) {
    sh.fail(who + ": " + c.status().to_string());
    return nullptr;
  }
  return std::move(*c);
}

class Producer {
 public:
  Producer(Shared& sh, uint32_t index)
      : sh_(sh), index_(index), c_(sh.per_producer[index]),
        per_second_(sh.spec.rate / sh.spec.producers) {}

  void run() {
    const std::string who = "producer " + std::to_string(index_);
    auto conn = connect(sh_, who);
    if (!conn) return;
    if (Status st = conn->confirm_select(); !st.ok()) return sh_.fail(who + ": " + st.to_string());
    ++sh_.ready;
    while (sh_.phase == Phase::kConnecting) std::this_thread::sleep_for(1ms);
    while (sh_.phase != Phase::kClosing) {
      bool busy = false;
      const Phase ph = sh_.phase;
      if (ph == Phase::kWarmup || ph == Phase::kWindow) {
        Status st = publish_due(*conn, &busy);
        if (!st.ok()) return sh_.fail(who + ": " + st.to_string());
      }
      // Read what has arrived (confirms), never blocking on the socket: the window also
      // opens as other threads consume, so an idle producer sleeps briefly and looks again.
      // (A 1 ms wait spins: rabbitmq-c 0.11 polls with the remaining time in whole ms, 0.)
      for (;;) {
        auto ev = conn->next_event(0ms);
        if (!ev) return sh_.fail(who + ": " + ev.status().to_string());
        if (ev->kind == RabbitEvent::Kind::kNothing) break;
        on_event(*ev);
        busy = true;
      }
      if (!busy) std::this_thread::sleep_for(100us);
    }
  }

  std::vector<Sent>& sent() { return sent_; }

 private:
  bool due(int64_t now) const {
    if (per_second_ <= 0) return true;
    const double elapsed = static_cast<double>(now - sh_.started_at) * 1e-9;
    return static_cast<double>(sent_.size()) < std::floor(elapsed * per_second_) + 1;
  }

  Status publish_due(RabbitConnection& conn, bool* busy) {
    const RabbitLoadSpec& spec = sh_.spec;
    for (;;) {
      const int64_t now = sh_.now();
      const uint64_t consumed = c_.consumed;  // duplicates could make it exceed sent_
      const uint64_t in_flight = sent_.size() > consumed ? sent_.size() - consumed : 0;
      if (in_flight >= spec.window || !due(now)) return Status();
      const uint64_t j = sent_.size();
      const std::string& queue = spec.queues[(index_ + j) % spec.queues.size()];
      Headers h{{"p", std::to_string(index_)}, {"j", std::to_string(j)}, {"t", std::to_string(now)}};
      sent_.push_back({now, -1, false});
      auto seq = conn.publish("", queue, *spec.payload, h, /*persistent=*/true, /*mandatory=*/true);
      if (!seq) return seq.status();
      if (*seq != j + 1) return Status("internal", "publish sequence out of step");
      ++c_.sent;
      *busy = true;
    }
  }

  void settle(uint64_t j, bool nack, int64_t now) {
    Sent& s = sent_[j];
    if (s.confirmed >= 0 || s.nacked) return;
    if (nack) {
      s.nacked = true;
      ++c_.nacked;
    } else {
      s.confirmed = now;
    }
    ++c_.settled;
  }

  void on_event(const RabbitEvent& ev) {
    const int64_t now = sh_.now();
    switch (ev.kind) {
      case RabbitEvent::Kind::kConfirmAck:
      case RabbitEvent::Kind::kConfirmNack: {
        const bool nack = ev.kind == RabbitEvent::Kind::kConfirmNack;
        if (ev.seq == 0 || ev.seq > sent_.size()) {
          sh_.fail("producer " + std::to_string(index_) + ": confirm for an unknown sequence");
          return;
        }
        if (ev.multiple) {
          for (uint64_t j = low_; j < ev.seq; ++j) settle(j, nack, now);
        } else {
          settle(ev.seq - 1, nack, now);
        }
        while (low_ < sent_.size() && (sent_[low_].confirmed >= 0 || sent_[low_].nacked)) ++low_;
        break;
      }
      case RabbitEvent::Kind::kReturn:
        ++c_.returned;  // its confirm follows
        break;
      default:
        break;
    }
  }

  Shared& sh_;
  const uint32_t index_;
  Shared::Counters& c_;
  const double per_second_;
  std::vector<Sent> sent_;  // by j; publish sequence number = j + 1
  uint64_t low_ = 0;        // first j not yet confirmed or nacked
};

class Consumer {
 public:
  Consumer(Shared& sh, std::size_t index) : sh_(sh), index_(index) {}

  void run() {
    const std::string who = "consumer " + std::to_string(index_);
    auto conn = connect(sh_, who);
    if (!conn) return;
    const RabbitLoadSpec& spec = sh_.spec;
    if (Status st = conn->consume(spec.queues[index_], spec.prefetch); !st.ok())
      return sh_.fail(who + ": " + st.to_string());
    ++sh_.ready;
    uint64_t last_tag = 0;
    int pending = 0;
    while (sh_.phase != Phase::kClosing) {
      // Wait on the socket (deliveries wake us; 10 ms bounds the phase check), except with
      // acks pending: then only look, and flush them as soon as nothing is waiting.
      auto ev = conn->next_event(pending > 0 ? 0ms : 10ms);
      if (!ev) return sh_.fail(who + ": " + ev.status().to_string());
      if (ev->kind == RabbitEvent::Kind::kDelivery) {
        on_delivery(ev->message);
        last_tag = ev->message.delivery_tag;
        ++pending;
      }
      const bool idle = ev->kind == RabbitEvent::Kind::kNothing;
      if (pending > 0 && (pending >= spec.ack_every || idle)) {
        if (Status st = conn->ack(last_tag, spec.ack_every > 1); !st.ok())
          return sh_.fail(who + ": " + st.to_string());
        pending = 0;
      }
    }
    if (pending > 0) (void)conn->ack(last_tag, spec.ack_every > 1);  // closing anyway
  }

  std::vector<Got>& got() { return got_; }
  uint64_t redelivered = 0, unknown = 0, corrupted = 0;

 private:
  void on_delivery(const rabbit_bridge::RabbitMessage& m) {
    const int64_t now = sh_.now();
    if (m.redelivered) ++redelivered;
    if (m.body != *sh_.spec.payload) ++corrupted;
    const auto p = m.headers.find("p"), j = m.headers.find("j");
    if (p == m.headers.end() || j == m.headers.end()) {
      ++unknown;
      return;
    }
    uint32_t producer = 0;
    uint64_t index = 0;
    try {
      producer = static_cast<uint32_t>(std::stoul(p->second));
      index = std::stoull(j->second);
    } catch (const std::exception&) {
      producer = UINT32_MAX;
    }
    if (producer >= sh_.per_producer.size()) {
      ++unknown;
      return;
    }
    got_.push_back({producer, index, now});
    ++sh_.per_producer[producer].consumed;
  }

  Shared& sh_;
  const std::size_t index_;
  std::vector<Got> got_;
};

bool complete(Shared& sh) {
  for (auto& c : sh.per_producer) {
    const uint64_t sent = c.sent;
    if (c.settled < sent || c.consumed + c.nacked + c.returned < sent) return false;
  }
  return true;
}

// Merges what the threads recorded into the figures and the exactly-once check.
void tally(RabbitLoadResult& r, std::vector<std::unique_ptr<Producer>>& producers,
           std::vector<std::unique_ptr<Consumer>>& consumers) {
  auto inside = [&](int64_t t) { return t >= r.window_start && t <= r.window_end; };
  std::vector<std::vector<int64_t>> first(producers.size());  // first receipt by (p, j)
  std::vector<std::vector<uint32_t>> times(producers.size());
  for (std::size_t p = 0; p < producers.size(); ++p) {
    first[p].assign(producers[p]->sent().size(), -1);
    times[p].assign(producers[p]->sent().size(), 0);
  }
  for (auto& c : consumers) {
    r.redelivered += c->redelivered;
    r.unknown += c->unknown;
    r.corrupted += c->corrupted;
    for (const Got& g : c->got()) {
      ++r.consumed;
      if (g.j >= first[g.producer].size()) {
        ++r.unknown;
        continue;
      }
      if (++times[g.producer][g.j] > 1) {
        ++r.duplicates;
        continue;
      }
      first[g.producer][g.j] = g.received;
      if (inside(g.received)) ++r.window_consumed;
    }
  }
  for (std::size_t p = 0; p < producers.size(); ++p) {
    const auto& sent = producers[p]->sent();
    for (std::size_t j = 0; j < sent.size(); ++j) {
      const Sent& s = sent[j];
      ++r.sent;
      if (s.nacked) ++r.nacked;
      if (s.confirmed >= 0) {
        ++r.confirmed;
        if (times[p][j] == 0) ++r.lost;
      }
      if (!inside(s.sent)) continue;
      ++r.window_sent;
      if (first[p][j] >= 0) r.e2e_ns.push_back(first[p][j] - s.sent);
      if (s.confirmed >= 0) r.confirm_ns.push_back(s.confirmed - s.sent);
    }
  }
}

}  // namespace

RabbitLoadResult run_load(const RabbitLoadSpec& spec,
                          const std::function<double()>& broker_cpu_seconds,
                          const std::function<long()>& broker_rss_kb) {
  Shared sh(spec);
  RabbitLoadResult r;
  std::vector<std::unique_ptr<Producer>> producers;
  std::vector<std::unique_ptr<Consumer>> consumers;
  std::vector<std::thread> threads;
  for (std::size_t m = 0; m < spec.queues.size(); ++m) {
    consumers.push_back(std::make_unique<Consumer>(sh, m));
    threads.emplace_back([c = consumers.back().get()] { c->run(); });
  }
  for (int p = 0; p < spec.producers; ++p) {
    producers.push_back(std::make_unique<Producer>(sh, static_cast<uint32_t>(p)));
    threads.emplace_back([q = producers.back().get()] { q->run(); });
  }
  auto seconds = [](double s) { return static_cast<int64_t>(s * 1e9); };
  const int everyone = spec.producers + static_cast<int>(spec.queues.size());
  int64_t deadline = sh.now() + 30'000 * kMs, next_sample = 0;
  double cpu0 = -1, gen0 = 0;
  while (sh.phase != Phase::kClosing) {
    std::this_thread::sleep_for(10ms);
    const int64_t now = sh.now();
    if (spec.interrupted != nullptr && *spec.interrupted) sh.fail("interrupted");
    if (now >= next_sample) {
      r.broker_rss_peak_kb = std::max(r.broker_rss_peak_kb, broker_rss_kb());
      next_sample = now + 100 * kMs;
    }
    switch (sh.phase.load()) {
      case Phase::kConnecting:
        if (sh.ready == everyone) {
          sh.started_at = now;
          sh.advance(Phase::kConnecting, Phase::kWarmup);
        } else if (now > deadline) {
          sh.fail("connections not ready after 30 s");
        }
        break;
      case Phase::kWarmup:
        if (now >= sh.started_at + seconds(spec.warmup_seconds)) {
          r.window_start = now;
          cpu0 = broker_cpu_seconds();
          gen0 = process_cpu_seconds();
          sh.advance(Phase::kWarmup, Phase::kWindow);
        }
        break;
      case Phase::kWindow:
        if (now >= r.window_start + seconds(spec.window_seconds)) {
          r.window_end = now;
          const double cpu1 = broker_cpu_seconds();
          r.broker_cpu_seconds = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
          r.gen_cpu_seconds = process_cpu_seconds() - gen0;
          deadline = now + seconds(spec.drain_timeout_seconds);
          sh.advance(Phase::kWindow, Phase::kDrain);
        }
        break;
      case Phase::kDrain:
        if (complete(sh)) {
          r.drained = true;
          sh.advance(Phase::kDrain, Phase::kClosing);
        } else if (now > deadline) {
          sh.advance(Phase::kDrain, Phase::kClosing);
        }
        break;
      case Phase::kClosing:
        break;
    }
  }
  for (auto& t : threads) t.join();
  r.errors = sh.errors;
  tally(r, producers, consumers);
  for (auto& c : sh.per_producer) r.returned += c.returned;
  return r;
}

}  // namespace docaxis::bench
