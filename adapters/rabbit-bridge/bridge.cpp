#include "rabbit-bridge/bridge.hpp"

#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "edxml/reader.hpp"

namespace docaxis::rabbit_bridge {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::mutex g_print_mu;

std::string where(const BridgeConfig& c) {
  return c.rabbit.host + ":" + std::to_string(c.rabbit.port);
}

// Sleeps up to `d`, returning early when `stop` is set.
void sleep_unless_stopped(milliseconds d, const std::atomic<bool>& stop) {
  const auto until = Clock::now() + d;
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(milliseconds(50));
}

class Reconnects {
 public:
  explicit Reconnects(const BridgeConfig& c)
      : counter_(client::Backoff{milliseconds(200),
                                 std::chrono::seconds(c.rabbit.reconnect_max_seconds), 2.0, 0.2}) {}
  milliseconds next() {
    counter_.failed();
    return counter_.delay(dist_(rng_));
  }
  void reset() { counter_.reset(); }

 private:
  BackoffCounter counter_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> dist_{0.0, 1.0};
};

// Opens a connection and prepares it (confirm mode; and consuming for the inbound side).
Result<std::unique_ptr<RabbitConnection>> connect(const BridgeConfig& c, bool consume) {
  auto conn = RabbitConnection::open(rabbit_options(c));
  if (!conn) return conn.status();
  if (Status st = (*conn)->confirm_select(); !st.ok()) return st;
  if (consume) {
    if (Status st = (*conn)->consume(c.in.queue, static_cast<int>(c.in.prefetch)); !st.ok()) {
      return st;
    }
  }
  return conn;
}

// A hub outcome, handed from the client thread to the inbound thread.
struct Outcome {
  std::uint64_t generation = 0;  // which RabbitMQ connection the message came on
  std::uint64_t tag = 0;         // its delivery tag there
  client::SendResult result;
};

class OutcomeQueue {
 public:
  void push(Outcome o) {
    std::lock_guard<std::mutex> lock(mu_);
    q_.push_back(std::move(o));
  }
  std::deque<Outcome> take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(q_, {});
  }

 private:
  std::mutex mu_;
  std::deque<Outcome> q_;
};

// One inbound RabbitMQ connection's life. Runs on the inbound thread only. Delivery tags are
// per channel, so outcomes of messages from an earlier connection are ignored: the broker has
// redelivered those messages already (at least once; the hub accepts an identical re-send).
class InboundSession {
 public:
  InboundSession(const BridgeConfig& c, client::Client& hub, RabbitConnection& conn,
                 std::shared_ptr<OutcomeQueue> outcomes, std::uint64_t generation,
                 BridgeStats& stats)
      : c_(c), hub_(hub), conn_(conn), outcomes_(std::move(outcomes)), generation_(generation),
        stats_(stats) {}

  // Returns ok when stopped (after the drain), else why the connection is unusable.
  Status run(const std::atomic<bool>& stop, milliseconds drain) {
    bool draining = false;
    Clock::time_point drain_until{};
    while (true) {
      if (stop && !draining) {
        draining = true;
        drain_until = Clock::now() + drain;
      }
      if (draining && ((sending_.empty() && error_publishes_.empty()) ||
                       Clock::now() > drain_until)) {
        return Status();
      }
      for (Outcome& o : outcomes_->take()) {
        if (o.generation != generation_) continue;
        if (Status st = on_outcome(o); !st.ok()) return st;
      }
      auto ev = conn_.next_event(milliseconds(20));
      if (!ev) return ev.status();
      switch (ev->kind) {
        case RabbitEvent::Kind::kDelivery:
          // While draining, a new delivery is left unacknowledged: the broker requeues it
          // when the connection closes.
          if (!draining) {
            if (Status st = on_delivery(std::move(ev->message)); !st.ok()) return st;
          }
          break;
        case RabbitEvent::Kind::kConfirmAck:
        case RabbitEvent::Kind::kConfirmNack:
          if (Status st = on_confirm(*ev); !st.ok()) return st;
          break;
        case RabbitEvent::Kind::kReturn:
          returned_ = ev->reply;
          break;
        case RabbitEvent::Kind::kNothing:
          break;
      }
    }
  }

 private:
  struct Sending {
    std::string body;
    std::string document_id;
  };
  struct ErrorPublish {
    std::uint64_t tag = 0;
    std::string document_id;
  };

  Status on_delivery(RabbitMessage m) {
    ++stats_.in_received;
    const std::uint64_t tag = m.delivery_tag;
    auto routing = route_package(m.body, m.headers);
    if (!routing) {
      print_line("REJECTED tag=" + std::to_string(tag) + " document-id= bridge:" +
                 routing.status().code() + ": " + routing.status().message());
      ++stats_.in_rejected;
      return publish_error(tag, "", "bridge:" + routing.status().code(),
                           routing.status().message(), m.body);
    }
    sending_[tag] = Sending{m.body, routing->document_id};
    hub_.send_async(routing->address, std::move(m.body),
                    [q = outcomes_, gen = generation_, tag](client::SendResult r) {
                      q->push(Outcome{gen, tag, std::move(r)});
                    });
    return Status();
  }

  Status on_outcome(const Outcome& o) {
    auto it = sending_.find(o.tag);
    if (it == sending_.end()) return Status();
    Sending s = std::move(it->second);
    sending_.erase(it);
    const std::string tag = std::to_string(o.tag);
    const Status& st = o.result.status;
    if (st.ok()) {
      ++stats_.in_sent;
      print_line("SENT tag=" + tag + " document-id=" + s.document_id +
                 " transfers=" + std::to_string(o.result.transfers));
      return conn_.ack(o.tag);
    }
    if (st.code() == "rejected") {
      ++stats_.in_rejected;
      print_line("REJECTED tag=" + tag + " document-id=" + s.document_id + " " +
                 o.result.condition + ": " + st.message());
      return publish_error(o.tag, s.document_id, o.result.condition, st.message(), s.body);
    }
    // timeout, unavailable, refused, cancelled: not final. The broker delivers it again.
    ++stats_.in_requeued;
    print_line("REQUEUED tag=" + tag + " document-id=" + s.document_id + " " + st.to_string());
    return conn_.nack(o.tag, /*requeue=*/true);
  }

  Status publish_error(std::uint64_t tag, const std::string& document_id,
                       const std::string& condition, const std::string& description,
                       const std::string& body) {
    const Headers h{{"x-docaxis-condition", condition},
                    {"x-docaxis-description", description},
                    {"x-docaxis-document-id", document_id}};
    auto seq = conn_.publish(c_.in.error_exchange, c_.in.error_routing_key, body, h,
                             /*persistent=*/true, /*mandatory=*/true);
    if (!seq) return seq.status();
    error_publishes_[*seq] = ErrorPublish{tag, document_id};
    return Status();
  }

  // The broker confirmed (or refused) error publishes up to ev.seq: now the original
  // message can be settled.
  Status on_confirm(const RabbitEvent& ev) {
    const bool ack = ev.kind == RabbitEvent::Kind::kConfirmAck;
    // A basic.return comes just before the ack of the same publish.
    const std::string returned = std::exchange(returned_, std::string());
    for (auto it = error_publishes_.begin(); it != error_publishes_.end();) {
      if (it->first > ev.seq || (!ev.multiple && it->first != ev.seq)) {
        ++it;
        continue;
      }
      const ErrorPublish e = it->second;
      const bool was_returned = !returned.empty() && it->first == ev.seq;
      it = error_publishes_.erase(it);
      const std::string tag = std::to_string(e.tag);
      Status st;
      if (!ack) {
        print_line("REQUEUED tag=" + tag + " document-id=" + e.document_id +
                   " the broker refused the error publish");
        st = conn_.nack(e.tag, /*requeue=*/true);
      } else if (was_returned) {
        // Nothing is bound to the error exchange: dead-letter (or drop) the original rather
        // than send it to the hub again and again.
        print_line("UNROUTABLE tag=" + tag + " document-id=" + e.document_id +
                   " error exchange: " + returned);
        st = conn_.nack(e.tag, /*requeue=*/false);
      } else {
        print_line("ERROR-PUBLISHED tag=" + tag + " document-id=" + e.document_id);
        st = conn_.ack(e.tag);
      }
      if (!st.ok()) return st;
    }
    return Status();
  }

  const BridgeConfig& c_;
  client::Client& hub_;
  RabbitConnection& conn_;
  std::shared_ptr<OutcomeQueue> outcomes_;
  std::uint64_t generation_;
  BridgeStats& stats_;
  std::map<std::uint64_t, Sending> sending_;             // by delivery tag
  std::map<std::uint64_t, ErrorPublish> error_publishes_;  // by publish sequence number
  std::string returned_;
};

}  // namespace

void print_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_print_mu);
  std::cout << line << std::endl;
}

RabbitOptions rabbit_options(const BridgeConfig& c) {
  RabbitOptions o;
  o.host = c.rabbit.host;
  o.port = static_cast<int>(c.rabbit.port);
  o.vhost = c.rabbit.vhost;
  o.user = c.rabbit.user;
  o.password = c.rabbit.password;
  o.heartbeat_seconds = static_cast<int>(c.rabbit.heartbeat_seconds);
  return o;
}

client::ClientOptions client_options(const BridgeConfig& c) {
  client::ClientOptions o;
  o.url = c.hub.url;
  o.failover_urls = c.hub.failover_urls;
  o.server_name = c.hub.server_name;
  o.cert_file = c.tls.cert_file;
  o.key_file = c.tls.key_file;
  o.trust_file = c.tls.trust_file;
  o.inbox = c.out.enabled ? c.organ.id : "";
  o.prefetch = static_cast<int>(c.out.prefetch);
  o.max_in_flight = static_cast<int>(c.in.prefetch);
  o.outcome_timeout = std::chrono::seconds(c.hub.outcome_timeout_seconds);
  return o;
}

Result<Routing> route_package(const std::string& body, const Headers& headers) {
  Routing r;
  bool from_header = false;
  if (auto it = headers.find("address"); it != headers.end()) {
    if (it->second == "edoc") {
      r.address = client::Address::kEdoc;
    } else if (it->second == "status") {
      r.address = client::Address::kStatus;
    } else {
      return Status{"invalid-address",
                    "header address=\"" + it->second + "\" is neither edoc nor status"};
    }
    from_header = true;
  }
  auto pkg = edxml::read_package_bytes(body);
  if (!pkg) {
    // With an explicit address the hub judges the package (and says why it refuses it).
    if (from_header) return r;
    return pkg.status();
  }
  if (pkg->kind == edxml::PackageKind::status) {
    if (!from_header) r.address = client::Address::kStatus;
    if (!pkg->header.response_for.empty()) {
      r.document_id = pkg->header.response_for.front().document_id;
    }
  } else {
    r.document_id = pkg->header.document_id;
  }
  return r;
}

void run_inbound(const BridgeConfig& c, client::Client& hub, const std::atomic<bool>& stop,
                 BridgeStats& stats, milliseconds drain) {
  auto outcomes = std::make_shared<OutcomeQueue>();
  Reconnects reconnects(c);
  std::uint64_t generation = 0;
  while (!stop) {
    auto conn = connect(c, /*consume=*/true);
    if (!conn) {
      const milliseconds wait = reconnects.next();
      print_line("RABBIT-DOWN in " + conn.status().message() + " retry-in=" +
                 std::to_string(wait.count()) + "ms");
      sleep_unless_stopped(wait, stop);
      continue;
    }
    reconnects.reset();
    ++stats.rabbit_connects;
    print_line("RABBIT-CONNECTED in " + where(c) + " queue=" + c.in.queue);
    InboundSession session(c, hub, **conn, outcomes, ++generation, stats);
    const Status why = session.run(stop, drain);
    if (why.ok()) break;  // stopped
    ++stats.rabbit_losses;
    print_line("RABBIT-DISCONNECTED in " + why.message());
  }
}

void run_outbound(const BridgeConfig& c, client::Client& hub, const std::atomic<bool>& stop,
                  BridgeStats& stats) {
  Reconnects reconnects(c);
  std::unique_ptr<RabbitConnection> conn;
  const milliseconds confirm_timeout = std::chrono::seconds(c.out.confirm_timeout_seconds);
  auto lost = [&](const Status& why) {
    conn.reset();
    ++stats.rabbit_losses;
    print_line("RABBIT-DISCONNECTED out " + why.message());
  };
  bool refused_reported = false;
  while (!stop) {
    if (!conn) {
      auto opened = connect(c, /*consume=*/false);
      if (!opened) {
        const milliseconds wait = reconnects.next();
        print_line("RABBIT-DOWN out " + opened.status().message() + " retry-in=" +
                   std::to_string(wait.count()) + "ms");
        sleep_unless_stopped(wait, stop);
        continue;
      }
      conn = std::move(*opened);
      reconnects.reset();
      ++stats.rabbit_connects;
      print_line("RABBIT-CONNECTED out " + where(c) + " exchange=" + c.out.exchange);
    }
    auto m = hub.receive(milliseconds(200));
    if (!m) {
      const std::string& code = m.status().code();
      if (code == "cancelled") break;
      if (code == "refused") {
        if (!refused_reported) print_line("INBOX-REFUSED " + m.status().to_string());
        refused_reported = true;
        sleep_unless_stopped(milliseconds(1000), stop);
      }
      // Notice a closed connection (and answer heartbeats) while the inbox is quiet.
      if (auto ev = conn->next_event(milliseconds(0)); !ev) lost(ev.status());
      continue;
    }
    refused_reported = false;
    const std::string label = "messagetype=" + m->message_type + " document-id=" +
                              m->document_id + " from=" + m->from;
    const Headers h{{"messagetype", m->message_type},
                    {"document-id", m->document_id},
                    {"from", m->from},
                    {"hops", m->hops}};
    auto seq = conn->publish(c.out.exchange, c.out.routing_key, m->bytes, h,
                             /*persistent=*/true, /*mandatory=*/true);
    if (!seq) {
      (void)hub.release(m->token);
      ++stats.out_released;
      print_line("RELEASED " + label + " " + seq.status().message());
      lost(seq.status());
      continue;
    }
    // Wait for this publish's confirm. One publish is outstanding at a time, so a
    // basic.return seen here is this message's.
    enum class End { kAck, kNack, kTimeout, kLost } end = End::kTimeout;
    std::string returned;
    Status lost_why;
    const auto deadline = Clock::now() + confirm_timeout;
    while (Clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      auto ev = conn->next_event(std::min(left, milliseconds(200)));
      if (!ev) {
        end = End::kLost;
        lost_why = ev.status();
        break;
      }
      if (ev->kind == RabbitEvent::Kind::kReturn) returned = ev->reply;
      const bool covers = ev->seq == *seq || (ev->multiple && ev->seq >= *seq);
      if (ev->kind == RabbitEvent::Kind::kConfirmAck && covers) {
        end = End::kAck;
        break;
      }
      if (ev->kind == RabbitEvent::Kind::kConfirmNack && covers) {
        end = End::kNack;
        break;
      }
    }
    if (end == End::kAck && returned.empty()) {
      // Settled at the hub only now: the broker has the message (persistent, confirmed).
      if (Status st = hub.accept(m->token); !st.ok()) {
        // The hub connection dropped first: it redelivers, and RabbitMQ gets a duplicate.
        print_line("DUPLICATE-LIKELY " + label + " " + st.to_string());
      }
      ++stats.out_published;
      print_line("PUBLISHED " + label);
      continue;
    }
    (void)hub.release(m->token);
    ++stats.out_released;
    const std::string why = end == End::kAck    ? "unroutable: " + returned
                            : end == End::kNack ? "the broker nacked the publish"
                            : end == End::kLost ? lost_why.message()
                                                : "no confirm in time";
    print_line("RELEASED " + label + " " + why);
    if (end == End::kLost) {
      lost(lost_why);
    } else if (end == End::kTimeout) {
      lost(Status{"unavailable", "no confirm in time: reconnecting"});
    }
  }
}

}  // namespace docaxis::rabbit_bridge
