// The two directions of docaxis-rabbit-bridge, each a loop on its own thread with its own
// RabbitMQ connection (rabbitmq-c state belongs to one thread), sharing one docaxis Client
// (thread-safe; it reconnects to the hub by itself).
//
//  - run_inbound: consumes `in.queue` (manual acks, basic.qos = in.prefetch) and sends each
//    message's body to the hub with send_async. The RabbitMQ message is acknowledged only
//    after the hub accepted. A package the hub rejected (or the bridge cannot read) is
//    published to the error exchange with its reason in headers, and the original is
//    acknowledged only after the broker confirmed that publish. Any other ending (hub timeout,
//    unavailable, cancelled) nacks it with requeue, so it comes again.
//  - run_outbound: receives from the organ's hub inbox and publishes each package to
//    `out.exchange` (persistent, mandatory, publisher confirms); the hub message is accepted
//    only after the broker's basic.ack, and released otherwise (nack, return, lost
//    connection, confirm timeout), so the hub delivers it again.
//
// Both reconnect to RabbitMQ with backoff (0.2 s doubling to rabbit.reconnect_max_seconds,
// ±20 % jitter). Both return when `stop` becomes true; inbound first waits up to
// `drain` for the hub's answers to the packages already sent.
// Output lines (stdout, one per event, a public contract in README.md) go through `Output`.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "client/client.hpp"
#include "rabbit-bridge/bridge_config.hpp"
#include "rabbit-bridge/rabbit_connection.hpp"

namespace docaxis::rabbit_bridge {

// Writes one line to stdout and flushes it; callable from any thread.
void print_line(const std::string& line);

// Counters a test or an operator can read (the bridge prints them at exit).
struct BridgeStats {
  std::atomic<std::uint64_t> in_received{0}, in_sent{0}, in_rejected{0}, in_requeued{0};
  std::atomic<std::uint64_t> out_published{0}, out_released{0};
  std::atomic<std::uint64_t> rabbit_connects{0}, rabbit_losses{0};
};

RabbitOptions rabbit_options(const BridgeConfig& c);
client::ClientOptions client_options(const BridgeConfig& c);

// Which hub address a message goes to: its `address` header (edoc | status), else the
// package's kind read with hub/edxml. Also the DocumentId (documents) or ResponseFor's
// DocumentId (status packages), "" when unreadable. Codes: invalid-address (a bad header),
// the edXML reader's (malformed-xml, not-edxml, ...).
struct Routing {
  client::Address address = client::Address::kEdoc;
  std::string document_id;
};
Result<Routing> route_package(const std::string& body, const Headers& headers);

void run_inbound(const BridgeConfig& c, client::Client& hub, const std::atomic<bool>& stop,
                 BridgeStats& stats, std::chrono::milliseconds drain);
void run_outbound(const BridgeConfig& c, client::Client& hub, const std::atomic<bool>& stop,
                  BridgeStats& stats);

}  // namespace docaxis::rabbit_bridge
