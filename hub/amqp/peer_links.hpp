// Outgoing links to peer hubs (federation): for each configured peer one AMQP connection over
// mutual TLS with this hub's certificate, and three sender links on it, to the peer's targets
// "edoc", "status" and "receipt". A delivery to a peer is complete when the peer answers
// `accepted` (it has committed); `rejected` is final; `released` or a lost link is retried by
// the dispatcher.
//
// The peer's identity is checked after the TLS handshake (its certificate must chain to the
// trust anchors, and `verify` must accept its subject: the configured peer certificate), so a
// hub never hands a package to an impostor listening on the peer's address.
//
// Reconnects: after a failed attempt or a lost connection the next attempt waits
// min(first_delay * 2^(n-1), max_delay) spread by +/-20 % jitter, n = consecutive failures;
// after `failures_to_open` consecutive failures the circuit opens and the wait is at least
// `open_delay`. Every attempt is logged ("peer NAME: connecting to URL (attempt N)"), so an
// operator (and the tests) can see that an outage causes no retry storm.
//
// Threads: every member runs on the AMQP container thread (AmqpServer schedules them there).
#pragma once

#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "amqp/identity.hpp"
#include "amqp/ports.hpp"
#include "common/status.hpp"

namespace docaxis::amqp {

struct PeerReconnect {
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{30'000};
  std::uint32_t failures_to_open = 5;
  std::chrono::milliseconds open_delay{60'000};
};

struct PeerSpec {
  std::string name;  // the peer's hub name
  std::string url;   // amqps://host:port
  std::string certificate_chain, private_key, trust_anchors;  // this hub's client TLS files
  // Accepts or refuses the identity the peer presented (ok: it is this peer).
  std::function<Status(const PeerIdentity&)> verify;
};

class PeerLinks : public proton::messaging_handler {
 public:
  using Log = std::function<void(const std::string&)>;
  PeerLinks(std::vector<PeerSpec> peers, PeerReconnect policy, InboxPort& port, Log log);

  void start(proton::container& c);  // connects to every peer
  void stop();                       // no more reconnects
  // Sends on the peer's link for message.message_type; kNoLink when the peer is down.
  void send(const std::string& peer, const OutgoingMessage& message, DeliveryDone done);
  std::uint64_t attempts(const std::string& peer) const;

  void on_connection_open(proton::connection& c) override;
  void on_sendable(proton::sender& s) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_transport_error(proton::transport& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_connection_error(proton::connection& c) override;
  void on_sender_error(proton::sender& s) override;
  void on_error(const proton::error_condition&) override {}

 private:
  struct Queued {
    OutgoingMessage message;
    DeliveryDone done;
  };
  struct Peer {
    PeerSpec spec;
    proton::connection connection;
    std::map<std::string, proton::sender> links;  // by target address
    std::map<std::string, std::deque<Queued>> backlog;
    bool connected = false;  // open and verified
    bool up = false;         // reported to the port
    bool lost = false;       // failure handled for the current connection
    std::uint32_t failures = 0;
    std::uint64_t attempts = 0;
  };

  void connect(Peer& p);
  void lost(Peer& p, const std::string& why);
  void drain(Peer& p, const std::string& address);
  void finish(const proton::tracker& t, const DeliveryOutcome& o);
  Peer* by_connection(const proton::connection& c);
  std::chrono::milliseconds next_delay(const Peer& p);

  PeerReconnect policy_;
  InboxPort& port_;
  Log log_;
  proton::container* container_ = nullptr;
  bool stopped_ = false;
  std::map<std::string, Peer> peers_;
  std::map<proton::tracker, DeliveryDone> pending_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace docaxis::amqp
