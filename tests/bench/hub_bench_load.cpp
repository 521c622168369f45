// The load run: agencies (one Proton connection each) and the conductor that moves the run
// through its phases. See hub_bench_load.hpp for the protocol and the pacing rules.
#include "hub_bench_load.hpp"

#include <time.h>

#include <cmath>
#include <deque>
#include <memory>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/source.hpp>
#include <proton/ssl.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include "amqp/raw.hpp"
#include "hub_bench_ledger.hpp"

namespace docaxis::bench {
namespace {

constexpr int64_t kMs = 1'000'000;  // ns
constexpr int64_t kRetryDelay = 20 * kMs;

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string describe(const proton::error_condition& e) {
  return e.name() + (e.description().empty() ? "" : ": " + e.description());
}

// The delivery tag carries the package index, so an outcome needs no lookup table.
proton::binary tag_for(std::size_t index, uint32_t attempt) {
  std::vector<uint8_t> tag(12, 0);
  for (std::size_t b = 0; b < 8; ++b) tag[b] = static_cast<uint8_t>(uint64_t{index} >> (8 * b));
  for (std::size_t b = 0; b < 4; ++b) tag[8 + b] = static_cast<uint8_t>(attempt >> (8 * b));
  return proton::binary(tag);
}
std::size_t index_in(const proton::tracker& t) {
  const proton::binary tag = t.tag();
  uint64_t index = 0;
  for (std::size_t b = 0; b < 8 && b < tag.size(); ++b) index |= uint64_t{tag[b]} << (8 * b);
  return static_cast<std::size_t>(index);
}

// One agency: a connection authenticated as its organ. Errors end the run; a periodic tick in
// the connection's own context (Proton flushes a connection's output only for work done
// there) drives sending and closes the connection when the run is over.
class Agency : public proton::messaging_handler {
 public:
  Agency(Ledger& ledger, std::string organ, int port, int64_t tick_ms)
      : ledger_(ledger), organ_(std::move(organ)), port_(port), tick_ms_(tick_ms) {}

  std::string url() const { return "amqps://127.0.0.1:" + std::to_string(port_); }

  proton::connection_options options() {
    const std::string& pki = ledger_.spec().pki;
    const std::string base = pki + "/organs/" + organ_;
    proton::connection_options o(*this);
    o.ssl_client_options(
        proton::ssl_client_options(proton::ssl_certificate(base + ".fullchain.pem", base + ".key"),
                                   pki + "/trust-anchors.pem", proton::ssl::VERIFY_PEER_NAME));
    o.sasl_enabled(true);
    o.sasl_allowed_mechs("EXTERNAL");
    o.virtual_host("localhost");  // the hub certificate's name
    return o;
  }

  void on_connection_open(proton::connection& c) override {
    connection_ = c;
    open_links(c);
    tick();
  }
  void on_sender_open(proton::sender&) override { ++ledger_.links_open; }
  void on_receiver_open(proton::receiver&) override { ++ledger_.links_open; }
  void on_connection_close(proton::connection&) override { ++ledger_.connections_closed; }
  void on_transport_error(proton::transport& t) override {
    ledger_.fail(organ_ + ": transport: " + describe(t.error()));
  }
  void on_connection_error(proton::connection& c) override {
    ledger_.fail(organ_ + ": connection: " + describe(c.error()));
  }
  void on_sender_error(proton::sender& s) override {
    ledger_.fail(organ_ + ": sender link: " + describe(s.error()));
  }
  void on_receiver_error(proton::receiver& r) override {
    ledger_.fail(organ_ + ": receiver link " + r.source().address() + ": " + describe(r.error()));
  }

 protected:
  virtual void open_links(proton::connection& c) = 0;
  virtual void on_tick() {}
  proton::receiver_options inbox_options() const {
    return proton::receiver_options().auto_accept(false).credit_window(
        static_cast<int>(ledger_.spec().recipient_credit));
  }
  Ledger& ledger_;
  const std::string organ_;
  const int port_;

 private:
  void tick() {
    if (ledger_.phase == Phase::kClosing) {
      connection_.close();
      return;
    }
    on_tick();
    connection_.work_queue().schedule(proton::duration(tick_ms_), [this] { tick(); });
  }
  const int64_t tick_ms_;
  proton::connection connection_;
};

// A sending agency: sends its pre-signed packages to `edoc` and reads its receipts.
class SenderAgency : public Agency {
 public:
  SenderAgency(Ledger& ledger, std::size_t index)
      : Agency(ledger, ledger.spec().senders[index], ledger.spec().port, 1),
        index_(index),
        per_second_(ledger.spec().rate / static_cast<double>(ledger.spec().senders.size())) {}

  void on_sendable(proton::sender&) override { pump(); }
  void on_tracker_accept(proton::tracker& t) override {
    ledger_.on_accepted(index_in(t));
    pump();
  }
  void on_tracker_reject(proton::tracker& t) override {
    std::string name, description;
    amqp::remote_condition(t, &name, &description);
    ledger_.on_rejected(index_in(t), name, description);
    pump();
  }
  void on_tracker_release(proton::tracker& t) override {
    ledger_.on_released(index_in(t));
    retries_.push_back({index_in(t), ledger_.now() + kRetryDelay});
  }
  void on_message(proton::delivery& d, proton::message& m) override {
    ledger_.on_receipt_message(index_, m);
    d.accept();
  }

 private:
  struct Retry {
    std::size_t index;
    int64_t not_before;
  };
  void open_links(proton::connection& c) override {
    sender_ = c.open_sender("edoc");
    c.open_receiver("inbox/" + organ_, inbox_options());
  }
  void on_tick() override { pump(); }

  // A new package is due when the offered schedule has reached it (always, at saturation).
  bool due(int64_t now) const {
    if (per_second_ <= 0) return true;
    const double elapsed = static_cast<double>(now - ledger_.started_at) * 1e-9;
    return static_cast<double>(next_) < std::floor(elapsed * per_second_) + 1;
  }

  void pump() {
    if (!sender_ || !sender_.active()) return;
    const int64_t now = ledger_.now();
    // Released packages first; they are in the window already.
    while (ledger_.may_retry() && !retries_.empty() && retries_.front().not_before <= now &&
           sender_.credit() > 0) {
      send(retries_.front().index);
      retries_.pop_front();
    }
    const Pool& pool = ledger_.pool();
    while (ledger_.may_start() && sender_.credit() > 0 &&
           ledger_.in_flight(index_) < ledger_.spec().window && due(now)) {
      if (next_ == pool.per_sender) {
        ledger_.out.pool_exhausted = true;
        return;
      }
      send(package_index(pool, index_, next_++));
    }
  }

  void send(std::size_t index) {
    const Package& p = ledger_.pool().by_sender[index_][index % ledger_.pool().per_sender];
    proton::message m;
    m.body(proton::binary(p.bytes));
    m.inferred(true);  // one data section
    m.content_type("application/xml");
    ledger_.on_send(index);
    sender_.send(m, tag_for(index, ledger_.out.times[index].attempts));
  }

  const std::size_t index_;
  const double per_second_;  // this sender's share of the offered rate; 0 = saturation
  std::size_t next_ = 0;     // next new package (j) in this sender's pool
  std::deque<Retry> retries_;
  proton::sender sender_;
};

// A receiving agency: reads inbox/<organ> and accepts every package.
class RecipientAgency : public Agency {
 public:
  RecipientAgency(Ledger& ledger, std::size_t index)
      : Agency(ledger, ledger.spec().recipients[index],
               ledger.spec().recipient_port > 0 ? ledger.spec().recipient_port : ledger.spec().port,
               10),
        index_(index) {}
  void on_message(proton::delivery& d, proton::message& m) override {
    ledger_.on_inbox_message(index_, m);
    d.accept();
  }

 private:
  void open_links(proton::connection& c) override {
    c.open_receiver("inbox/" + organ_, inbox_options());
  }
  const std::size_t index_;
};

// Moves the run through its phases on a 10 ms container timer; touches no link.
class Conductor : public proton::messaging_handler {
 public:
  Conductor(Ledger& ledger, std::vector<std::unique_ptr<Agency>>& agencies,
            std::function<std::vector<double>()> hub_cpu)
      : ledger_(ledger), agencies_(agencies), hub_cpu_(std::move(hub_cpu)) {}

  void on_container_start(proton::container& c) override {
    for (auto& a : agencies_) c.connect(a->url(), a->options());
    deadline_ = ledger_.now() + 30'000 * kMs;
    step(c);
  }

 private:
  void step(proton::container& c) {
    const LoadSpec& spec = ledger_.spec();
    const int64_t now = ledger_.now();
    LoadResult& out = ledger_.out;
    switch (ledger_.phase) {
      case Phase::kConnecting:
        if (ledger_.links_open ==
            static_cast<int>(2 * spec.senders.size() + spec.recipients.size())) {
          ledger_.started_at = now;
          ledger_.phase = Phase::kWarmup;
        } else if (now > deadline_) {
          ledger_.fail("links not open after 30 s");
        }
        break;
      case Phase::kWarmup:
        if (now >= ledger_.started_at + seconds(spec.warmup_seconds)) {
          out.window_start = now;
          hub_cpu0_ = hub_cpu_();
          gen_cpu0_ = process_cpu_seconds();
          ledger_.phase = Phase::kWindow;
        }
        break;
      case Phase::kWindow:
        if (now >= out.window_start + seconds(spec.window_seconds)) {
          out.window_end = now;
          const std::vector<double> hub_cpu1 = hub_cpu_();
          out.hub_cpu_seconds.clear();
          for (std::size_t i = 0; i < hub_cpu1.size() && i < hub_cpu0_.size(); ++i) {
            out.hub_cpu_seconds.push_back(
                hub_cpu0_[i] >= 0 && hub_cpu1[i] >= 0 ? hub_cpu1[i] - hub_cpu0_[i] : -1);
          }
          out.gen_cpu_seconds = process_cpu_seconds() - gen_cpu0_;
          deadline_ = now + seconds(spec.drain_timeout_seconds);
          ledger_.phase = Phase::kDrain;
        }
        break;
      case Phase::kDrain:
        if (ledger_.complete()) {
          out.drained = true;
          ledger_.phase = Phase::kClosing;
        } else if (now > deadline_) {
          ledger_.phase = Phase::kClosing;
        }
        break;
      case Phase::kClosing:
        if (closing_since_ < 0) closing_since_ = now;
        if (ledger_.connections_closed == static_cast<int>(agencies_.size()) ||
            now > closing_since_ + 5'000 * kMs) {
          c.stop();
          return;
        }
        break;
    }
    c.schedule(proton::duration(10), [this, &c] { step(c); });
  }
  static int64_t seconds(double s) { return static_cast<int64_t>(s * 1e9); }

  Ledger& ledger_;
  std::vector<std::unique_ptr<Agency>>& agencies_;
  std::function<std::vector<double>()> hub_cpu_;
  int64_t deadline_ = 0, closing_since_ = -1;
  std::vector<double> hub_cpu0_;
  double gen_cpu0_ = 0;
};

}  // namespace

LoadResult run_load(const LoadSpec& spec, const Pool& pool,
                    const std::function<std::vector<double>()>& hub_cpu_seconds) {
  Ledger ledger(spec, pool);
  std::vector<std::unique_ptr<Agency>> agencies;
  for (std::size_t s = 0; s < spec.senders.size(); ++s)
    agencies.push_back(std::make_unique<SenderAgency>(ledger, s));
  for (std::size_t r = 0; r < spec.recipients.size(); ++r)
    agencies.push_back(std::make_unique<RecipientAgency>(ledger, r));
  Conductor conductor(ledger, agencies, hub_cpu_seconds);
  proton::container container(conductor, "hub_bench");
  try {
    container.run();
  } catch (const std::exception& e) {
    ledger.out.errors.push_back(std::string("proton: ") + e.what());
  }
  ledger.verify_receipts();
  return std::move(ledger.out);
}

}  // namespace docaxis::bench
