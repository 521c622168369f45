// One RabbitMQ (AMQP 0-9-1) connection with one channel, over rabbitmq-c. rabbitmq-c is
// confined to adapters/rabbit-bridge/ and appears in no header: this class is the only door to
// it (the bridge's loops and the bridge tests use it).
//
// Not thread-safe: rabbitmq-c connection state belongs to one thread, so each RabbitConnection
// is owned and used by exactly one thread (the bridge runs one per direction).
//
// Every call returns a Status; a failed call leaves the connection unusable (code
// `unavailable`: socket closed, heartbeat missed, the broker closed the channel or the
// connection). The caller then destroys it and opens a new one; messages delivered and not
// acknowledged on it are redelivered by the broker to the next consumer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status.hpp"

namespace docaxis::rabbit_bridge {

struct RabbitOptions {
  std::string host = "127.0.0.1";
  int port = 5672;
  std::string vhost = "/";
  std::string user = "guest";
  std::string password = "guest";
  int heartbeat_seconds = 30;  // 0 = none
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds rpc_timeout{10'000};  // declare, qos, consume, confirm.select
};

// String-valued message headers (AMQP 0-9-1 field table entries of kind `S` or `x`; others
// are skipped when reading).
using Headers = std::map<std::string, std::string>;

struct RabbitMessage {
  std::uint64_t delivery_tag = 0;  // basic.deliver / basic.get
  bool redelivered = false;
  std::string exchange, routing_key;
  Headers headers;
  std::string body;
  int delivery_mode = 0;  // 2 = persistent
};

// What next_event() saw on the channel.
struct RabbitEvent {
  enum class Kind {
    kNothing,      // the wait passed, or a frame the bridge does not use (heartbeats are
                   // answered inside rabbitmq-c)
    kDelivery,     // basic.deliver: `message`
    kConfirmAck,   // publisher confirm basic.ack: `seq` (and all before it when `multiple`)
    kConfirmNack,  // publisher confirm basic.nack
    kReturn,       // basic.return of a mandatory publish that no queue took: `message`, and
                   // `reply` holds the broker's reason (e.g. "312 NO_ROUTE"). Its confirm
                   // (an ack) follows.
  };
  Kind kind = Kind::kNothing;
  RabbitMessage message;
  std::uint64_t seq = 0;
  bool multiple = false;
  std::string reply;
};

class RabbitConnection {
 public:
  // TCP connect, PLAIN login, channel 1 open. Code: unavailable (with the socket or broker
  // error: "connection refused", "ACCESS_REFUSED ...").
  static Result<std::unique_ptr<RabbitConnection>> open(const RabbitOptions& options);
  ~RabbitConnection();  // closes the channel and connection politely when still usable
  RabbitConnection(const RabbitConnection&) = delete;
  RabbitConnection& operator=(const RabbitConnection&) = delete;

  // Topology (used by the tests and by operators' set-up scripts, not by the bridge loops,
  // which expect the configured queue and exchanges to exist).
  Status declare_queue(const std::string& queue, bool durable = true);
  Status declare_exchange(const std::string& exchange, const std::string& type = "direct",
                          bool durable = true);
  Status bind_queue(const std::string& queue, const std::string& exchange,
                    const std::string& routing_key);
  // Messages ready in `queue` (not counting those delivered and unacknowledged), by a passive
  // queue.declare. Code: unavailable (also when the queue does not exist: the broker closes
  // the channel).
  Result<std::uint32_t> message_count(const std::string& queue);
  // queue.delete (also when it still holds messages). Code: unavailable.
  Status delete_queue(const std::string& queue);

  // basic.qos (prefetch count, per consumer) then basic.consume without auto-ack.
  Status consume(const std::string& queue, int prefetch);
  // confirm.select: from now on every publish has a sequence number (1, 2, ...) that the
  // broker confirms with basic.ack / basic.nack (seen by next_event()).
  Status confirm_select();

  // basic.publish. Returns the publish sequence number in confirm mode (0 otherwise).
  // Code: unavailable.
  Result<std::uint64_t> publish(const std::string& exchange, const std::string& routing_key,
                                const std::string& body, const Headers& headers,
                                bool persistent, bool mandatory,
                                const std::string& content_type = "application/xml");

  // basic.ack of `delivery_tag`, and with `multiple` of every unacknowledged delivery before
  // it on this channel too.
  Status ack(std::uint64_t delivery_tag, bool multiple = false);
  Status nack(std::uint64_t delivery_tag, bool requeue);

  // The next event on the channel, waiting at most `wait` (0 = only what is buffered or
  // readable now). Code: unavailable (connection lost, channel or connection closed by the
  // broker: the message says why).
  Result<RabbitEvent> next_event(std::chrono::milliseconds wait);

  // basic.get: one message from `queue`, acknowledged by the broker at once when `auto_ack`.
  // nullopt when the queue is empty. (For tests and tools; the bridge consumes.)
  Result<std::optional<RabbitMessage>> get(const std::string& queue, bool auto_ack = true);

 private:
  struct State;
  explicit RabbitConnection(std::unique_ptr<State> s);
  Status check_rpc(const char* what);
  std::unique_ptr<State> s_;
};

}  // namespace docaxis::rabbit_bridge
