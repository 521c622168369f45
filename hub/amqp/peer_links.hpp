// Outgoing links to peer hubs (federation): for each configured peer one AMQP connection over
// mutual TLS with this hub's certificate, and three sender links on it, to the peer's targets
// "edoc", "status" and "receipt". A delivery to a peer is complete when the peer answers
// `accepted` (it has committed); `rejected` is final; `released` or a lost link is retried by
// the dispatcher.
//
// The peer's identity is checked in the TLS handshake (its certificate must chain to exactly the
// configured anchors, pass the CRLs and carry `server_name`, or the URL's host, as a DNS or IP
// subjectAltName) and after it (`verify` must accept it: the configured peer certificate,
// pinned by SHA-256 or subject), so a hub never hands a package to an impostor.
//
// Reconnects: after a failed attempt or a lost connection the next attempt waits
// backoff.delay(n) (common/backoff.hpp: min(1 s * 2^(n-1), 30 s) spread by +/-20 % jitter),
// n = consecutive failures;
// after `failures_to_open` consecutive failures the circuit opens and the wait is at least
// `open_delay`. Every attempt is logged (logger "peers", event=peer-connecting with attempt=N;
// then peer-connected, peer-up, peer-down with the reason and the next delay, peer-refused;
// hub/log/README.md), so an operator (and the tests) can see that an outage causes no retry
// storm.
//
// Each sender link's deliveries (queue, credit, tags, outcomes, loss) are an OutboundLink
// (outbound_link.hpp), as the listener's inbox links are.
//
// Threads: every member runs on the AMQP container thread (AmqpServer schedules them there).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/sender.hpp>
#include <proton/ssl.hpp>
#include <proton/tracker.hpp>
#include <random>
#include <string>
#include <vector>

#include "amqp/outbound_link.hpp"
#include "common/backoff.hpp"
#include "common/status.hpp"
#include "delivery/ports.hpp"
#include "model/identity.hpp"
#include "tls/cert_inventory.hpp"
#include "tls/context.hpp"
#include "tls/identity.hpp"
#include "tls/trust.hpp"

namespace docaxis::amqp {

struct PeerReconnect {
  Backoff backoff{std::chrono::seconds(1), std::chrono::seconds(30), 2.0, 0.2};
  std::uint32_t failures_to_open = 5;
  std::chrono::milliseconds open_delay{60'000};
};

struct PeerSpec {
  std::string name;  // the peer's hub name
  std::string url;   // amqps://host:port
  std::string server_name;  // the name its certificate must carry; "" = the URL's host
  std::string certificate_chain, private_key;  // this hub's client TLS files
  // When set, the client certificate every new handshake presents (swapped at run time, e.g.
  // on SIGHUP: tls/identity.hpp); otherwise the two files above, read once.
  std::shared_ptr<tls::IdentitySlot> identity;
  // When set, the certificate the peer presents is recorded there once it is verified and
  // accepted (role "peer", like a hub's client certificate on the listener).
  std::shared_ptr<tls::CertInventory> seen_certificates;
  std::string trust_anchors;  // PEM file (Proton wants one; `trust` then replaces its store)
  std::shared_ptr<const tls::TlsTrust> trust;  // exactly these anchors and CRLs
  // Accepts or refuses the identity the peer presented (ok: it is this peer).
  std::function<Status(const model::ConnectionIdentity&)> verify;
  // Whether the link starts on (connects at start). Off: no connection until set_enabled(true)
  // (a hub on PostgreSQL turns a peer's link on only while this node holds its lease).
  bool start_enabled = true;
};

class PeerLinks : public proton::messaging_handler {
 public:
  PeerLinks(std::vector<PeerSpec> peers, PeerReconnect policy, delivery::LinkEvents& port);

  void start(proton::container& c);  // connects to every peer
  void stop();                       // no more reconnects
  // New handshakes use `trust`; a connected peer it no longer accepts is disconnected.
  void reload(std::shared_ptr<const tls::TlsTrust> trust);
  // Sends on the peer's link for message.message_type; kNoLink when the peer is down.
  void send(const std::string& peer, const delivery::OutgoingMessage& message,
            delivery::DeliveryDone done);
  std::uint64_t attempts(const std::string& peer) const;
  // Turns the peer's outbound connection on (connects now, then the reconnect policy) or off
  // (closes it; no reconnects until turned on again). Unknown peers and repeats do nothing.
  void set_enabled(const std::string& peer, bool on);

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
  struct Peer {
    PeerSpec spec;
    std::optional<proton::ssl_client_options> tls;    // built once, hardened (tls/context.hpp)
    std::unique_ptr<tls::ContextTrust> context;
    std::string tls_error;                           // why tls could not be built
    tls::Chain verified;  // the chain the last handshake verified (leaf first), for the inventory
    proton::connection connection;
    std::map<std::string, proton::sender> links;  // by target address
    std::map<std::string, OutboundLink> out;      // their deliveries, by target address
    bool connected = false;  // open and verified
    bool up = false;         // reported to the port
    bool lost = false;       // failure handled for the current connection
    bool enabled = true;     // set_enabled: off = no connection, no reconnects
    bool active = false;     // a connection is being made or is open (until lost())
    BackoffCounter reconnects;  // consecutive failures
    std::uint64_t attempts = 0;
  };

  void connect(Peer& p);
  void build_tls(Peer& p);
  void lost(Peer& p, const std::string& why);
  void drain(Peer& p, const std::string& address);
  void finish(const proton::tracker& t);
  Peer* by_connection(const proton::connection& c);
  std::chrono::milliseconds next_delay(const Peer& p);

  PeerReconnect policy_;
  delivery::LinkEvents& port_;
  proton::container* container_ = nullptr;
  bool stopped_ = false;
  std::map<std::string, Peer> peers_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace docaxis::amqp
